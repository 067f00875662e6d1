/// Expands `${VAR}` and `${VAR:-default}` in configuration values.
///
/// Expansion happens on parsed YAML scalars, never on raw text, so a value can not
/// inject YAML structure and a variable named only in a comment is ignored.
/// `$$` stands for a literal `$`.
public struct EnvironmentInterpolation: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unsetVariable(String)
        case unterminated

        public var description: String {
            switch self {
            case .unsetVariable(let name): "environment variable '\(name)' is not set and has no default (write ${\(name):-default})"
            case .unterminated: "unterminated '${' in value"
            }
        }
    }

    public func expand(_ text: String) throws(Failure) -> String {
        guard text.contains("$") else { return text }
        var result = ""
        var characters = Substring(text)
        while let dollar = characters.firstIndex(of: "$") {
            result += characters[..<dollar]
            let afterDollar = characters.index(after: dollar)
            guard afterDollar < characters.endIndex else {
                result += "$"
                characters = characters[afterDollar...]
                break
            }
            if characters[afterDollar] == "$" {
                result += "$"
                characters = characters[characters.index(after: afterDollar)...]
                continue
            }
            guard characters[afterDollar] == "{" else {
                result += "$"
                characters = characters[afterDollar...]
                continue
            }
            guard let close = characters[afterDollar...].firstIndex(of: "}") else { throw .unterminated }
            let body = characters[characters.index(after: afterDollar)..<close]
            if let marker = body.range(of: ":-") {
                let name = String(body[..<marker.lowerBound])
                let fallback = String(body[marker.upperBound...])
                if let value = environment[name], !value.isEmpty {
                    result += value
                } else {
                    result += fallback
                }
            } else {
                let name = String(body)
                guard let value = environment[name] else { throw .unsetVariable(name) }
                result += value
            }
            characters = characters[characters.index(after: close)...]
        }
        result += characters
        return result
    }
}

/// Why a line could not be parsed; becomes the `reason` of a `failed` outcome.
public enum LineParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case missingField(String)
    case malformedField(String)
    case unterminatedQuote(String)
    case trailingContent
    case overlong(bytes: Int, limit: Int)
    /// A W3C directive line (`#Fields:`, `#Date:`): not a request, not an error.
    case directive

    public var description: String {
        switch self {
        case .empty: "empty line"
        case .missingField(let name): "missing \(name)"
        case .malformedField(let name): "malformed \(name)"
        case .unterminatedQuote(let name): "unterminated quoted \(name)"
        case .trailingContent: "unexpected content after the last field"
        case .overlong(let bytes, let limit): "line of \(bytes) bytes exceeds max_line_bytes (\(limit))"
        case .directive: "a W3C directive line"
        }
    }
}

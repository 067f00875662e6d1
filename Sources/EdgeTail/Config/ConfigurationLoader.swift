import Foundation
import Yams

/// Reads a configuration file and the files it includes into an `EdgeTailConfiguration`.
///
/// Environment variables are expanded in values, relative paths are resolved against
/// the directory of the file that names them, and every decoding problem is turned
/// into a `ConfigurationError` that points at the file, line and key.
public struct ConfigurationLoader: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func load(path: String) throws(ConfigurationError) -> EdgeTailConfiguration {
        let (node, text) = try compose(path: path)
        var configuration: EdgeTailConfiguration = try decode(EdgeTailConfiguration.self, from: node, text: text, file: path)
        let directory = (path as NSString).deletingLastPathComponent
        configuration.dataDirectory = Self.resolve(configuration.dataDirectory, against: directory)
        for index in configuration.pipelines.indices {
            Self.resolvePaths(of: &configuration.pipelines[index], against: directory)
            configuration.origins["pipeline:" + configuration.pipelines[index].name] = path
        }
        for (name, sink) in configuration.sinks {
            configuration.sinks[name] = Self.resolvePaths(of: sink, against: directory)
            configuration.origins["sink:" + name] = path
        }
        for pattern in configuration.include {
            let files = FileGlob.expand(Self.resolve(pattern, against: directory)).sorted()
            for file in files { try add(included: file, to: &configuration) }
        }
        return configuration
    }

    /// True when the file holds only `pipelines:` (and perhaps `sinks:`) but no sink:
    /// a `pipelines.d` fragment, whose pipelines send to a sink of the main file.
    public func isFragment(path: String) throws(ConfigurationError) -> Bool {
        let (node, _) = try compose(path: path)
        guard let mapping = node.mapping else { return false }
        let keys = Set(mapping.keys.compactMap(\.string))
        return keys.contains("pipelines") && keys.isSubset(of: ["pipelines", "sinks"]) && (mapping["sinks"]?.mapping?.count ?? 0) == 0
    }

    /// The main configuration with a fragment's pipelines in it, as `include:` would
    /// add them: pipelines the main file took from the same fragment are replaced.
    public func load(fragment path: String, into main: EdgeTailConfiguration) throws(ConfigurationError) -> EdgeTailConfiguration {
        var configuration = main
        let fragment = URL(fileURLWithPath: path).standardizedFileURL.path
        let replaced = configuration.origins.filter { $0.key.hasPrefix("pipeline:") && URL(fileURLWithPath: $0.value).standardizedFileURL.path == fragment }
        for (key, _) in replaced {
            let name = String(key.dropFirst("pipeline:".count))
            configuration.pipelines.removeAll { $0.name == name }
            configuration.origins[key] = nil
        }
        try add(included: path, to: &configuration)
        return configuration
    }

    /// Adds an included file's pipelines and sinks; a name defined twice is an error.
    private func add(included file: String, to configuration: inout EdgeTailConfiguration) throws(ConfigurationError) {
        let (includedNode, includedText) = try compose(path: file)
        let included: IncludedConfiguration = try decode(IncludedConfiguration.self, from: includedNode, text: includedText, file: file)
        let includedDirectory = (file as NSString).deletingLastPathComponent
        for var pipeline in included.pipelines {
            Self.resolvePaths(of: &pipeline, against: includedDirectory)
            if let first = configuration.origins["pipeline:" + pipeline.name] {
                throw ConfigurationError(file: file, keyPath: "pipelines", message: "pipeline '\(pipeline.name)' is already defined in \(first)")
            }
            configuration.origins["pipeline:" + pipeline.name] = file
            configuration.pipelines.append(pipeline)
        }
        for (name, sink) in included.sinks {
            if let first = configuration.origins["sink:" + name] {
                throw ConfigurationError(file: file, keyPath: "sinks.\(name)", message: "sink '\(name)' is already defined in \(first)")
            }
            configuration.origins["sink:" + name] = file
            configuration.sinks[name] = Self.resolvePaths(of: sink, against: includedDirectory)
        }
    }

    private func compose(path: String) throws(ConfigurationError) -> (Node, String) {
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ConfigurationError(file: path, keyPath: "", message: "the file is not valid UTF-8")
            }
            text = decoded
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(file: path, keyPath: "", message: "cannot read the file: \(error.localizedDescription)")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigurationError(file: path, line: Self.line(of: error), keyPath: "", message: "invalid YAML: \(Self.problem(of: error))")
        } catch {
            throw ConfigurationError(file: path, keyPath: "", message: "invalid YAML: \(error)")
        }
        guard let node else {
            throw ConfigurationError(file: path, keyPath: "", message: "the file is empty; expected a mapping with 'pipelines'")
        }
        do {
            return (try interpolate(node, path: []), text)
        } catch let failure as InterpolationFailure {
            throw ConfigurationError(file: path, line: failure.line, keyPath: Self.keyPath(failure.path), message: failure.failure.description)
        } catch {
            throw ConfigurationError(file: path, keyPath: "", message: "\(error)")
        }
    }

    /// What a plain YAML scalar reads as null.
    private static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]

    private struct InterpolationFailure: Error {
        var path: [String]
        var line: Int?
        var failure: EnvironmentInterpolation.Failure
    }

    /// Expands environment variables in every scalar, keeping each node's position.
    private func interpolate(_ node: Node, path: [String]) throws -> Node {
        let expander = EnvironmentInterpolation(environment: environment)
        switch node {
        case .scalar(var scalar):
            do {
                let expanded = try expander.expand(scalar.string)
                if expanded != scalar.string {
                    scalar.string = expanded
                    // A value from the environment is one scalar, never YAML structure. Left
                    // plain it is typed as written (so `linger: ${LINGER:-1}` is a number and
                    // `silent: ${SILENT:-false}` a boolean); only an empty or null-looking
                    // value is quoted, so it stays an empty string rather than "absent".
                    if scalar.style == .plain && Self.nullWords.contains(expanded) { scalar.style = .doubleQuoted }
                }
                return .scalar(scalar)
            } catch let failure {
                throw InterpolationFailure(path: path, line: scalar.mark.map(\.line), failure: failure)
            }
        case .mapping(let mapping):
            var pairs: [(Node, Node)] = []
            for (key, value) in mapping {
                pairs.append((key, try interpolate(value, path: path + [key.string ?? "?"])))
            }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
        case .sequence(let sequence):
            var nodes: [Node] = []
            for (index, value) in sequence.enumerated() {
                nodes.append(try interpolate(value, path: path + ["[\(index)]"]))
            }
            return .sequence(Node.Sequence(nodes, sequence.tag, sequence.style, sequence.mark))
        case .alias:
            return node
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, from node: Node, text: String, file: String) throws(ConfigurationError) -> T {
        do {
            return try YAMLDecoder().decode(type, from: node)
        } catch let error as UnknownKeyError {
            let path = error.codingPath.map(Self.keyName) + [error.key]
            throw ConfigurationError(
                file: file, line: Self.locate(path: path, in: node)?.line, keyPath: Self.keyPath(path),
                message: "unknown key '\(error.key)'; expected one of: \(error.allowed.joined(separator: ", "))")
        } catch let error as DecodingError {
            let (codingPath, message) = Self.describe(error)
            let path = codingPath.map(Self.keyName)
            throw ConfigurationError(file: file, line: Self.locate(path: path, in: node)?.line, keyPath: Self.keyPath(path), message: message)
        } catch {
            throw ConfigurationError(file: file, keyPath: "", message: "\(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> ([any CodingKey], String) {
        switch error {
        case .keyNotFound(let key, let context):
            let detail = context.debugDescription.hasPrefix("No value associated") ? "" : " (\(context.debugDescription))"
            let message = context.debugDescription.contains("needs") ? context.debugDescription : "missing required key '\(key.stringValue)'\(detail)"
            return (context.codingPath + [key], message)
        case .typeMismatch(let type, let context):
            return (context.codingPath, "expected \(describe(type)); \(context.debugDescription)")
        case .valueNotFound(let type, let context):
            return (context.codingPath, "expected \(describe(type)), found nothing")
        case .dataCorrupted(let context):
            return (context.codingPath, context.debugDescription)
        @unknown default:
            return ([], "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "a mapping" }
            return "a mapping (\(name))"
        }
    }

    private static func keyName(_ key: any CodingKey) -> String {
        if let index = key.intValue { return "[\(index)]" }
        return key.stringValue
    }

    static func keyPath(_ components: [String]) -> String {
        var text = ""
        for component in components {
            if component.hasPrefix("[") {
                text += component
            } else {
                text += text.isEmpty ? component : "." + component
            }
        }
        return text
    }

    /// The position of the deepest node on `path` that exists.
    private static func locate(path: [String], in root: Node) -> Mark? {
        var node = root
        var mark = root.mark
        for component in path {
            if component.hasPrefix("["), let index = Int(component.dropFirst().dropLast()), let sequence = node.sequence, index < sequence.count {
                node = sequence[index]
            } else if let mapping = node.mapping, let pair = mapping.first(where: { $0.key.string == component }) {
                mark = pair.key.mark ?? mark
                node = pair.value
                continue
            } else {
                break
            }
            mark = node.mark ?? mark
        }
        return mark
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            if let context { return "\(problem) (\(context.text))" }
            return problem
        default:
            return "\(error)"
        }
    }

    static func resolve(_ path: String, against directory: String) -> String {
        if path.hasPrefix("/") || directory.isEmpty { return path }
        return (directory as NSString).appendingPathComponent(path)
    }

    private static func resolvePaths(of pipeline: inout PipelineConfiguration, against directory: String) {
        pipeline.source.include = pipeline.source.include.map { resolve($0, against: directory) }
        // An exclude pattern without a `/` matches file names anywhere, so it stays as written.
        pipeline.source.exclude = pipeline.source.exclude.map { $0.contains("/") ? resolve($0, against: directory) : $0 }
        pipeline.source.journal.directory = pipeline.source.journal.directory.map { resolve($0, against: directory) }
        pipeline.source.journal.files = pipeline.source.journal.files.map { resolve($0, against: directory) }
    }

    private static func resolvePaths(of sink: SinkConfiguration, against directory: String) -> SinkConfiguration {
        var sink = sink
        sink.path = sink.path.map { resolve($0, against: directory) }
        return sink
    }
}

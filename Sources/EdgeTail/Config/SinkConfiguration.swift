/// Where a pipeline's events go: `file`, `console` or `edge`.
public struct SinkConfiguration: Decodable, Sendable {
    public enum Kind: String, ConfigurationWord {
        case file
        case console
        case edge
    }

    public var type: Kind
    /// For `file`: the JSON Lines file events are appended to.
    public var path: String?
    /// For `edge`: the Edge Network endpoint and how to talk to it.
    public var edge: EdgeSinkConfiguration?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, path
    }

    public init(type: Kind, path: String? = nil, edge: EdgeSinkConfiguration? = nil) {
        self.type = type
        self.path = path
        self.edge = edge
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(Kind.self, forKey: .type)
        switch type {
        case .file:
            try decoder.rejectUnknownKeys(CodingKeys.self)
            path = try container.decodeIfPresent(String.self, forKey: .path)
            if path == nil {
                throw DecodingError.keyNotFound(CodingKeys.path, .init(
                    codingPath: decoder.codingPath, debugDescription: "a file sink needs 'path' (the JSON Lines file to append to)"))
            }
        case .console:
            try decoder.rejectUnknownKeys(CodingKeys.self)
        case .edge:
            edge = try EdgeSinkConfiguration(from: decoder)
        }
    }
}

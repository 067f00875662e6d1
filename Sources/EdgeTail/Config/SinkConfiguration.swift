/// Where a pipeline's events go.
public struct SinkConfiguration: Decodable, Sendable {
    public enum Kind: String, ConfigurationWord {
        case file
        case console
    }

    public var type: Kind
    /// For `file`: the JSON Lines file events are appended to.
    public var path: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, path
    }

    public init(type: Kind, path: String? = nil) {
        self.type = type
        self.path = path
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(Kind.self, forKey: .type)
        path = try container.decodeIfPresent(String.self, forKey: .path)
        if type == .file && path == nil {
            throw DecodingError.keyNotFound(CodingKeys.path, .init(
                codingPath: decoder.codingPath, debugDescription: "a file sink needs 'path' (the JSON Lines file to append to)"))
        }
    }
}

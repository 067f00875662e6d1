/// The whole configuration: where state lives, where events go, and the pipelines.
///
/// A main file may `include:` pipeline files by glob (the Debian layout is
/// `/etc/edgetail/edgetail.yaml` plus `/etc/edgetail/pipelines.d/*.yaml`); included
/// files hold `pipelines:` and `sinks:` of their own.
public struct EdgeTailConfiguration: Decodable, Sendable {
    /// Checkpoints, buffer segments, dead letters and rejected lines live here.
    public var dataDirectory: String
    public var include: [String]
    public var sinks: [String: SinkConfiguration]
    public var pipelines: [PipelineConfiguration]
    /// `/metrics` and `/health`; not served when the key is absent.
    public var api: APIConfiguration?
    /// edgetail's own log on standard error.
    public var log = LogConfiguration()

    /// The file each pipeline and sink came from, for error messages.
    public var origins: [String: String] = [:]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case dataDirectory = "data_dir"
        case include, sinks, pipelines, api, log
    }

    public init(dataDirectory: String, include: [String] = [], sinks: [String: SinkConfiguration], pipelines: [PipelineConfiguration]) {
        self.dataDirectory = dataDirectory
        self.include = include
        self.sinks = sinks
        self.pipelines = pipelines
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dataDirectory = try container.decodeIfPresent(String.self, forKey: .dataDirectory) ?? "./data"
        include = try container.decodeIfPresent(OneOrMany<String>.self, forKey: .include)?.values ?? []
        sinks = try container.decodeIfPresent([String: SinkConfiguration].self, forKey: .sinks) ?? [:]
        pipelines = try container.decodeIfPresent([PipelineConfiguration].self, forKey: .pipelines) ?? []
        api = try container.decodeIfPresent(APIConfiguration.self, forKey: .api)
        log = try container.decodeIfPresent(LogConfiguration.self, forKey: .log) ?? LogConfiguration()
    }
}

/// What an included file may hold.
struct IncludedConfiguration: Decodable {
    var sinks: [String: SinkConfiguration]
    var pipelines: [PipelineConfiguration]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case sinks, pipelines
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sinks = try container.decodeIfPresent([String: SinkConfiguration].self, forKey: .sinks) ?? [:]
        pipelines = try container.decodeIfPresent([PipelineConfiguration].self, forKey: .pipelines) ?? []
    }
}

/// `api:` — where `/metrics` and `/health` are served. Loopback unless the operator
/// names another address, since the endpoints carry no authentication.
public struct APIConfiguration: Decodable, Sendable, Equatable {
    public var host: String
    public var port: Int
    /// `/health` answers 503 once the oldest buffered event is older than this (seconds).
    public var healthMaxEventAge: Double

    public static let defaultListen = "127.0.0.1:9880"

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listen
        case healthMaxEventAge = "health_max_event_age"
    }

    public init(host: String = "127.0.0.1", port: Int = 9880, healthMaxEventAge: Double = 300) {
        self.host = host
        self.port = port
        self.healthMaxEventAge = healthMaxEventAge
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let listen = try container.decodeIfPresent(String.self, forKey: .listen) ?? Self.defaultListen
        guard let (host, port) = Self.split(listen) else {
            throw DecodingError.dataCorruptedError(
                forKey: .listen, in: container,
                debugDescription: "expected HOST:PORT (e.g. 127.0.0.1:9880; port 0 picks a free port), got '\(listen)'")
        }
        self.host = host
        self.port = port
        healthMaxEventAge = try container.decodeIfPresent(Seconds.self, forKey: .healthMaxEventAge)?.value ?? 300
        guard healthMaxEventAge > 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .healthMaxEventAge, in: container, debugDescription: "expected a number of seconds greater than 0")
        }
    }

    /// `HOST:PORT`, `[IPv6]:PORT`; nil when it is not that shape.
    static func split(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }
}

import Foundation

/// The `edge` sink: Adobe's Edge Network collection endpoint (or the local stand-in).
///
/// Defaults follow the Edge contract: requests stay under 64 KB of JSON
/// (`max_bytes` 60,000), `silent: false` (a `silent=true` request hides Adobe's
/// warnings, such as events ignored for lack of consent), retries of transient
/// failures unlimited so an outage costs time, not data.
public struct EdgeSinkConfiguration: Decodable, Sendable {
    public var endpoint: String
    public var datastreamID: String
    public var silent: Bool
    /// Seconds a request may take before it is abandoned and retried.
    public var timeout: Double
    public var auth: EdgeAuthConfiguration
    public var maxBytes: Int
    public var maxEvents: Int
    /// Seconds a partly filled request may wait for more events.
    public var linger: Double
    /// Parallel requests; one visitor's events always use the same lane.
    public var lanes: Int
    public var retryBase: Double
    public var retryCap: Double
    /// 0 = retry for ever.
    public var maxRetries: Int
    /// Request units per second (8 KB of body each, rounded up, times `upstreams`);
    /// nil = unlimited. Adobe's limit is per organisation, shared by every sender.
    public var maxRequestUnitsPerSecond: Double?
    /// Services on the datastream (Analytics, Experience Platform, Target, …): each
    /// counts every request's units again.
    public var upstreams: Int
    /// Where events wait: memory first, then disk segments (`buffer:`).
    public var buffer: BufferConfiguration
    /// Seconds spent sending at shutdown before the rest is written to disk.
    public var shutdownTimeout: Double

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, endpoint
        case datastreamID = "datastream_id"
        case silent, timeout, auth
        case maxBytes = "max_bytes"
        case maxEvents = "max_events"
        case linger, lanes
        case retryBase = "retry_base"
        case retryCap = "retry_cap"
        case maxRetries = "max_retries"
        case maxRequestUnitsPerSecond = "max_request_units_per_second"
        case upstreams
        case buffer
        case shutdownTimeout = "shutdown_timeout"
    }

    public init(endpoint: String, datastreamID: String, auth: EdgeAuthConfiguration = .none) {
        self.endpoint = endpoint
        self.datastreamID = datastreamID
        silent = false
        timeout = 10
        self.auth = auth
        maxBytes = 60_000
        maxEvents = 500
        linger = 1
        lanes = 4
        retryBase = 0.2
        retryCap = 30
        maxRetries = 0
        maxRequestUnitsPerSecond = nil
        upstreams = 1
        buffer = BufferConfiguration()
        shutdownTimeout = 30
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        endpoint = try container.decodeIfPresent(String.self, forKey: .endpoint) ?? "https://server.adobedc.net"
        datastreamID = try container.decode(String.self, forKey: .datastreamID)
        silent = try container.decodeIfPresent(Bool.self, forKey: .silent) ?? false
        timeout = try container.decodeIfPresent(Seconds.self, forKey: .timeout)?.value ?? 10
        auth = try container.decodeIfPresent(EdgeAuthConfiguration.self, forKey: .auth) ?? .none
        maxBytes = try container.decodeIfPresent(ByteCount.self, forKey: .maxBytes)?.bytes ?? 60_000
        maxEvents = try container.decodeIfPresent(Int.self, forKey: .maxEvents) ?? 500
        linger = try container.decodeIfPresent(Seconds.self, forKey: .linger)?.value ?? 1
        lanes = try container.decodeIfPresent(Int.self, forKey: .lanes) ?? 4
        retryBase = try container.decodeIfPresent(Seconds.self, forKey: .retryBase)?.value ?? 0.2
        retryCap = try container.decodeIfPresent(Seconds.self, forKey: .retryCap)?.value ?? 30
        maxRetries = try container.decodeIfPresent(Int.self, forKey: .maxRetries) ?? 0
        maxRequestUnitsPerSecond = try container.decodeIfPresent(Double.self, forKey: .maxRequestUnitsPerSecond)
        upstreams = try container.decodeIfPresent(Int.self, forKey: .upstreams) ?? 1
        buffer = try container.decodeIfPresent(BufferConfiguration.self, forKey: .buffer) ?? BufferConfiguration()
        shutdownTimeout = try container.decodeIfPresent(Seconds.self, forKey: .shutdownTimeout)?.value ?? 30

        func require(_ condition: Bool, _ key: CodingKeys, _ expected: String) throws {
            if !condition { throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "expected \(expected)") }
        }
        try require((try? HTTPEndpoint(url: endpoint)) != nil, .endpoint, "an http(s) URL with a host, such as https://server.adobedc.net")
        try require(!datastreamID.isEmpty, .datastreamID, "the datastream id from Adobe Data Collection")
        try require(timeout > 0, .timeout, "a positive number of seconds")
        try require((1_000...65_536).contains(maxBytes), .maxBytes, "between 1000 and 65536 bytes (the Edge limit is 64 KB)")
        try require(maxEvents >= 1, .maxEvents, "at least 1")
        try require(linger >= 0, .linger, "0 or more seconds")
        try require((1...64).contains(lanes), .lanes, "between 1 and 64")
        try require(retryBase > 0 && retryCap >= retryBase, .retryCap, "retry_base > 0 and retry_cap >= retry_base")
        try require(maxRetries >= 0, .maxRetries, "0 (for ever) or more")
        try require((maxRequestUnitsPerSecond ?? 1) > 0, .maxRequestUnitsPerSecond, "a positive number")
        try require(shutdownTimeout >= 0, .shutdownTimeout, "0 or more seconds")
        try require((1...16).contains(upstreams), .upstreams, "the number of services on the datastream, 1 to 16")
        if case .none = auth, Self.requiresAuthentication(endpoint) {
            throw DecodingError.dataCorruptedError(
                forKey: .auth, in: container,
                debugDescription: "expected auth type token or ims: \(endpoint) accepts authenticated requests only "
                    + "(without credentials every request is refused with EXEG-0500-401); for unauthenticated collection "
                    + "set endpoint: https://edge.adobedc.net")
        }
    }

    /// `server.adobedc.net` is Adobe's authenticated, server-to-server collection host.
    static func requiresAuthentication(_ endpoint: String) -> Bool {
        guard let host = URLComponents(string: endpoint)?.host?.lowercased() else { return false }
        return host == "server.adobedc.net" || host.hasSuffix(".server.adobedc.net")
    }
}

/// How requests are authorised.
public enum EdgeAuthConfiguration: Decodable, Sendable {
    /// No credentials: `edge.adobedc.net` and the local stand-in.
    case none
    /// A bearer token obtained elsewhere, with the API key and organisation.
    case token(token: Secret, apiKey: Secret, orgID: String)
    /// Adobe IMS OAuth server-to-server: tokens minted and renewed here.
    case ims(clientID: String, clientSecret: Secret, orgID: String, scopes: [String], tokenURL: String)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, token
        case tokenFile = "token_file"
        case apiKey = "api_key"
        case apiKeyFile = "api_key_file"
        case orgID = "org_id"
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case clientSecretFile = "client_secret_file"
        case scopes
        case tokenURL = "token_url"
    }

    enum Kind: String, ConfigurationWord { case none, token, ims }

    /// Where IMS tokens are minted, for `ims`.
    var tokenURL: String? {
        if case .ims(_, _, _, _, let tokenURL) = self { return tokenURL }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func secret(_ key: CodingKeys, file fileKey: CodingKeys) throws -> Secret {
            let value = try container.decodeIfPresent(String.self, forKey: key)
            let file = try container.decodeIfPresent(String.self, forKey: fileKey)
            switch (value, file) {
            case (let value?, nil): return .value(value)
            case (nil, let file?): return .file(file)
            case (nil, nil):
                throw DecodingError.keyNotFound(key, .init(codingPath: decoder.codingPath, debugDescription: "needs '\(key.rawValue)' or '\(fileKey.rawValue)'"))
            case (.some, .some):
                throw DecodingError.dataCorruptedError(forKey: fileKey, in: container, debugDescription: "give '\(key.rawValue)' or '\(fileKey.rawValue)', not both")
            }
        }
        switch try container.decode(Kind.self, forKey: .type) {
        case .none:
            self = .none
        case .token:
            self = .token(token: try secret(.token, file: .tokenFile), apiKey: try secret(.apiKey, file: .apiKeyFile),
                          orgID: try container.decode(String.self, forKey: .orgID))
        case .ims:
            let tokenURL = try container.decodeIfPresent(String.self, forKey: .tokenURL) ?? "https://ims-na1.adobelogin.com/ims/token/v3"
            do {
                _ = try HTTPEndpoint(url: tokenURL)
            } catch {
                throw DecodingError.dataCorruptedError(forKey: .tokenURL, in: container,
                                                       debugDescription: "expected an http(s) URL such as https://ims-na1.adobelogin.com/ims/token/v3 (\(error))")
            }
            self = .ims(
                clientID: try container.decode(String.self, forKey: .clientID),
                clientSecret: try secret(.clientSecret, file: .clientSecretFile),
                orgID: try container.decode(String.self, forKey: .orgID),
                scopes: try container.decodeIfPresent([String].self, forKey: .scopes) ?? [],
                tokenURL: tokenURL)
        }
    }
}

/// A credential given inline (usually through `${VAR}`) or in a file, such as a
/// systemd credential. Its description never shows the value.
public enum Secret: Sendable, CustomStringConvertible {
    case value(String)
    case file(String)

    public var description: String {
        switch self {
        case .value: "<secret>"
        case .file(let path): "<secret from \(path)>"
        }
    }

    public struct Unreadable: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot read secret file \(path): \(reason)" }
    }

    /// The secret's value; a file's content without its trailing newline.
    public func reveal() throws(Unreadable) -> String {
        switch self {
        case .value(let value):
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw Unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "not readable or not UTF-8" : "no such file")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}

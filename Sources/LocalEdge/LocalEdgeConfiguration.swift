/// Everything that shapes one run of the local Edge stand-in.
///
/// A plain value so the command line, the sender's tests and `edgetail demo`
/// can all build one the same way and hand it to ``LocalEdgeServer``.
public struct LocalEdgeConfiguration: Sendable {
    /// Interface to bind; loopback unless the caller asks otherwise.
    public var host: String = "127.0.0.1"
    /// TCP port; 0 lets the system pick a free one (read it back from ``LocalEdgeServer/start()``).
    public var port: Int = 0
    /// SQLite file for accepted events; `nil` validates and counts but stores nothing.
    public var databasePath: String?
    /// Known datastream ids; empty accepts any id.
    public var datastreams: [String] = []
    /// IMS organisation the `x-gw-ims-org-id` header must name, when set.
    public var orgID: String?
    /// Whether `/ee/v2/collect` checks the bearer token, API key and org headers.
    public var requireAuth = false
    /// A token accepted without going through the IMS emulation.
    public var staticToken: String?
    /// Client id the IMS emulation and the `x-api-key` header must match, when set.
    public var clientID: String?
    /// Client secret the IMS emulation requires, when set.
    public var clientSecret: String?
    /// Lifetime in seconds of tokens issued by `POST /ims/token/v3`.
    public var tokenTTL: Int = 86399
    /// Injected failures, latency and hangs, for exercising a sender's retry logic.
    public var faults = FaultInjection()

    public init() {}
}

/// Misbehaviour the stand-in adds on purpose to `/ee/v2/collect`.
///
/// Decisions come from a seeded generator so a run can be replayed exactly.
public struct FaultInjection: Sendable, Equatable {
    /// Probability (0…1) that a request is answered with ``failStatus`` and stores nothing.
    public var failRate: Double = 0
    /// Status of injected failures: 429, 500, 502, 503 or 504.
    public var failStatus: Int = 503
    /// Seconds sent as `Retry-After` on injected 429 and 503 answers, when set.
    public var retryAfter: Int?
    /// Delay added before answering every collect request.
    public var latencyMilliseconds: Int = 0
    /// Probability (0…1) that a request is held without an answer until the server stops.
    public var hangRate: Double = 0
    /// Seed of the generator behind ``failRate`` and ``hangRate``.
    public var seed: UInt64 = 0

    public init(
        failRate: Double = 0,
        failStatus: Int = 503,
        retryAfter: Int? = nil,
        latencyMilliseconds: Int = 0,
        hangRate: Double = 0,
        seed: UInt64 = 0
    ) {
        self.failRate = failRate
        self.failStatus = failStatus
        self.retryAfter = retryAfter
        self.latencyMilliseconds = latencyMilliseconds
        self.hangRate = hangRate
        self.seed = seed
    }

    /// Statuses a fault may take; anything else is a configuration error.
    public static let supportedStatuses: Set<Int> = [429, 500, 502, 503, 504]
}

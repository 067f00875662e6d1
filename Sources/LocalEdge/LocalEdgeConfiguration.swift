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
    /// Which Edge host the stand-in plays. The library default is ``CollectorMode/edge``
    /// (no credentials), which embedded senders in tests and the demo rely on;
    /// `edgetail collector` defaults to ``CollectorMode/server``.
    public var mode: CollectorMode = .edge
    /// Known datastream ids; empty accepts any id.
    public var datastreams: [String] = []
    /// Datastream ids that exist but are disabled (EXEG-0004-422).
    public var disabledDatastreams: [String] = []
    /// Datastream ids set to accept authenticated events only: in edge mode a request
    /// to one of them has its credentials checked as in server mode (EXEG-0500-401 without).
    public var authenticatedDatastreams: [String] = []
    /// Identity namespaces the org's sandbox knows besides ``standardNamespaces``.
    public var customNamespaces: [String] = []
    /// Models the Profile store: a repeated `_id` is counted but not stored again.
    /// Off, every accepted event is stored, as in the data lake.
    public var dedupe = false
    /// IMS organisation the `x-gw-ims-org-id` header must name, when set; also `report.orgId`.
    public var orgID: String?
    /// A token accepted without going through the IMS emulation.
    public var staticToken: String?
    /// Client id the IMS emulation and the `x-api-key` header must match, when set.
    public var clientID: String?
    /// Client secret the IMS emulation requires, when set.
    public var clientSecret: String?
    /// Lifetime in seconds of tokens issued by `POST /ims/token/v3`.
    public var tokenTTL: Int = 86399
    /// Injected failures, warnings, latency and hangs, for exercising a sender.
    public var faults = FaultInjection()

    /// Whether `/ee/v2/collect` checks credentials: the same as `mode == .server`.
    public var requireAuth: Bool {
        get { mode == .server }
        set { mode = newValue ? .server : .edge }
    }

    /// Namespaces every sandbox has (compared without regard to case, as Edge does).
    public static let standardNamespaces = ["ECID", "FPID", "Email", "Phone", "CRMID"]

    public init() {}
}

/// The Edge host the stand-in plays.
public enum CollectorMode: String, Sendable, CaseIterable {
    /// `server.adobedc.net`: every request needs a bearer token, API key and org header.
    case server
    /// `edge.adobedc.net`: unauthenticated requests are accepted; credentials are not checked.
    case edge
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
    /// Probability (0…1) that a successful request is answered with ``warning`` (unless `silent=true`).
    public var warnRate: Double = 0
    /// What a request picked by ``warnRate`` gets.
    public var warning: InjectedWarning = .upstreamWarning
    /// Seed of the generator behind the rates.
    public var seed: UInt64 = 0

    public init(
        failRate: Double = 0,
        failStatus: Int = 503,
        retryAfter: Int? = nil,
        latencyMilliseconds: Int = 0,
        hangRate: Double = 0,
        warnRate: Double = 0,
        warning: InjectedWarning = .upstreamWarning,
        seed: UInt64 = 0
    ) {
        self.failRate = failRate
        self.failStatus = failStatus
        self.retryAfter = retryAfter
        self.latencyMilliseconds = latencyMilliseconds
        self.hangRate = hangRate
        self.warnRate = warnRate
        self.warning = warning
        self.seed = seed
    }

    /// Statuses a fault may take; anything else is a configuration error.
    public static let supportedStatuses: Set<Int> = [429, 500, 502, 503, 504]
}

/// The non-fatal answers Adobe documents for an accepted request.
public enum InjectedWarning: String, Sendable, CaseIterable {
    /// `200` with `warnings: [EXEG-0204-200]`: an upstream warned; the events are stored.
    case upstreamWarning = "upstream-warning"
    /// `200` with `warnings: [EXEG-0301-200]`: ignored for lack of consent; the events are not stored.
    case noConsent = "no-consent"
    /// `207` with `errors: [EXEG-0201-503]`: one upstream was unavailable; the events are stored.
    case upstreamError = "upstream-error"
}

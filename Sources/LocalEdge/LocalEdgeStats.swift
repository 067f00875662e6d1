/// What `GET /stats` returns and `edgetail collector stats` prints.
///
/// Stored counts come from the database, so they survive restarts;
/// `requests` (answers by HTTP status) lives in memory and starts at zero.
public struct LocalEdgeStats: Codable, Sendable, Equatable {
    /// Collect answers by HTTP status code ("202", "400", …) since this server started.
    public var requests: [String: Int]
    public var eventsStored: Int
    public var duplicates: Int
    /// Distinct primary identities (namespace and id) among stored events.
    public var identities: Int
    public var eventTypes: [String: Int]
    public var tokensIssued: Int

    public init(
        requests: [String: Int] = [:],
        eventsStored: Int = 0,
        duplicates: Int = 0,
        identities: Int = 0,
        eventTypes: [String: Int] = [:],
        tokensIssued: Int = 0
    ) {
        self.requests = requests
        self.eventsStored = eventsStored
        self.duplicates = duplicates
        self.identities = identities
        self.eventTypes = eventTypes
        self.tokensIssued = tokensIssued
    }

    enum CodingKeys: String, CodingKey {
        case requests
        case eventsStored = "events_stored"
        case duplicates
        case identities
        case eventTypes = "event_types"
        case tokensIssued = "tokens_issued"
    }
}

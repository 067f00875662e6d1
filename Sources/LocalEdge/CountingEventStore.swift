/// The `--no-store` store: counts accepted events by type and keeps nothing else.
///
/// Duplicates and identities are not tracked (that would mean keeping every id),
/// so both stay at zero in this mode.
actor CountingEventStore: EventStore {
    private var eventsStored = 0
    private var eventTypes: [String: Int] = [:]
    private var tokensIssued = 0

    func store(_ events: [ValidatedEvent], requestID: String, datastreamID: String) async throws -> Int {
        eventsStored += events.count
        for event in events {
            if let type = event.eventType { eventTypes[type, default: 0] += 1 }
        }
        return 0
    }

    func recordTokenIssued() async throws {
        tokensIssued += 1
    }

    /// Nothing is kept without a dataset.
    func recordRejection(_ rejection: RecordedRejection) async throws {}

    nonisolated var console: ConsoleQueries? { nil }

    func stats() async throws -> LocalEdgeStats {
        LocalEdgeStats(eventsStored: eventsStored, eventTypes: eventTypes, tokensIssued: tokensIssued)
    }

    func close() async {}
}

import Synchronization

/// What an Edge sink did, attributed to events and identity namespaces.
public struct EdgeSinkCounts: Sendable, Codable, Equatable {
    public var requests: [String: Int] = [:]
    public var retries = 0
    public var eventsDelivered = 0
    public var eventsDeadLettered = 0
    /// Events by identity namespace and outcome (`delivered`, `dead_lettered`).
    public var byNamespace: [String: [String: Int]] = [:]
    public var tokensMinted = 0
    public var fatalError: String?
    /// The sink's buffer: memory and disk, drops, recoveries.
    public var buffer = BufferCounts()

    public init() {}
}

public final class EdgeSinkStatistics: Sendable {
    private let counts = Mutex(EdgeSinkCounts())
    public init() {}
    public var snapshot: EdgeSinkCounts { counts.withLock { $0 } }
    func update(_ change: (inout EdgeSinkCounts) -> Void) {
        counts.withLock { change(&$0) }
    }

    func recordEvents(_ events: [PendingEvent], outcome: String) {
        counts.withLock { counts in
            for event in events {
                counts.byNamespace[event.namespace, default: [:]][outcome, default: 0] += 1
            }
            if outcome == "delivered" { counts.eventsDelivered += events.count } else { counts.eventsDeadLettered += events.count }
        }
    }
}

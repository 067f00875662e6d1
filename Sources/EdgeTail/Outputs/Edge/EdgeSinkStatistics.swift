import Synchronization

/// What an Edge sink did, attributed to events and identity namespaces.
public struct EdgeSinkCounts: Sendable, Codable, Equatable {
    /// Requests by HTTP status, and `error` for those that got no answer.
    public var requests: [String: Int] = [:]
    /// Transient failures retried (what `max_retries` counts).
    public var retries = 0
    /// Problems by EXEG code (or `HTTP NNN` without one): refused requests, and the
    /// `errors[]` of accepted ones.
    public var errors: [String: Int] = [:]
    /// `warnings[]` of accepted requests, by EXEG code (e.g. 0301-200: ignored for lack of consent).
    public var warnings: [String: Int] = [:]
    /// Events found in the delivery log of an earlier run: acknowledged, not sent again.
    public var resendsAvoided = 0
    public var eventsDelivered = 0
    public var eventsDeadLettered = 0
    /// Events by identity namespace and outcome (`delivered`, `dead_lettered`).
    public var byNamespace: [String: [String: Int]] = [:]
    public var tokensMinted = 0
    /// Events neither delivered nor written to disk when the sink stopped: they were
    /// not acknowledged, so their lines are read again on the next start.
    public var unsentAtStop = 0
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

    /// Sets the reason the sink stopped; true when it is the first.
    func withFirstFatalError(_ reason: String) -> Bool {
        counts.withLock { counts in
            guard counts.fatalError == nil else { return false }
            counts.fatalError = reason
            return true
        }
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

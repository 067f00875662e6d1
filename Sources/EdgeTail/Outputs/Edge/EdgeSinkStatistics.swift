import Synchronization

/// What an Edge sink did, attributed to events and identity namespaces.
public struct EdgeSinkCounts: Sendable, Codable, Equatable {
    /// Requests by HTTP status, and `error` for those that got no answer.
    public var requests: [String: Int] = [:]
    /// Transient failures retried (what `max_retries` counts).
    public var retries = 0
    /// Edge request units of the requests sent, answered or not: one per 8 KB of body,
    /// rounded up, times `upstreams` (what Adobe counts against the organisation's quota).
    public var requestUnits = 0
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

/// The sink's counts, shared with summaries, `/health` and `edgetail top`. Each
/// `record…` method is called where the thing happens and, with metrics attached,
/// moves the sink's Prometheus counters at that moment.
public final class EdgeSinkStatistics: Sendable {
    private struct State {
        var counts = EdgeSinkCounts()
        var metrics: SinkMetrics?
    }

    private let state = Mutex(State())
    public init() {}
    public var snapshot: EdgeSinkCounts { state.withLock { $0.counts } }

    /// Changes of counts that are not Prometheus counters (buffer state, unsent at stop).
    func update(_ change: (inout EdgeSinkCounts) -> Void) {
        state.withLock { change(&$0.counts) }
    }

    /// Starts recording into `metrics`, counting first what was counted before.
    public func attach(_ metrics: SinkMetrics) {
        state.withLock { state in
            guard state.metrics == nil else { return }
            metrics.record(state.counts)
            state.metrics = metrics
        }
    }

    /// Sets the reason the sink stopped; true when it is the first.
    func withFirstFatalError(_ reason: String) -> Bool {
        state.withLock { state in
            guard state.counts.fatalError == nil else { return false }
            state.counts.fatalError = reason
            return true
        }
    }

    /// A request that got no answer (timeout, connection error).
    func recordUnanswered() {
        state.withLock { state in
            state.counts.requests["error", default: 0] += 1
            state.metrics?.requests.increment("error")
        }
    }

    /// An answer: its status, and the EXEG codes it carried (the refusal's own, when
    /// not accepted, then `errors[]` and `warnings[]`).
    func recordAnswer(status: Int, refusal: String?, errors: [String], warnings: [String]) {
        state.withLock { state in
            let status = String(status)
            state.counts.requests[status, default: 0] += 1
            state.metrics?.requests.increment(status)
            for code in (refusal.map { [$0] } ?? []) + errors {
                state.counts.errors[code, default: 0] += 1
                state.metrics?.errors.increment(code)
            }
            for code in warnings {
                state.counts.warnings[code, default: 0] += 1
                state.metrics?.warnings.increment(code)
            }
        }
    }

    /// A request about to be sent, in Edge request units.
    func recordRequestUnits(_ units: Int) {
        state.withLock { state in
            state.counts.requestUnits += units
            state.metrics?.requestUnits.add(units)
        }
    }

    /// A transient failure about to be retried.
    func recordRetry() {
        state.withLock { state in
            state.counts.retries += 1
            state.metrics?.retries.increment()
        }
    }

    /// Events of an earlier run found delivered or on disk: acknowledged, not sent again.
    func recordResendsAvoided(_ count: Int) {
        state.withLock { state in
            state.counts.resendsAvoided += count
            state.metrics?.resendsAvoided.add(count)
        }
    }

    /// Events the buffer dropped (`drop_oldest`, `drop_newest`); the buffer's own
    /// counts reach `counts.buffer` with its next published state.
    func recordBufferDrop(reason: String, count: Int) {
        state.withLock { $0.metrics?.bufferDrops.increment(reason, by: count) }
    }

    func recordEvents(_ events: [PendingEvent], outcome: String) {
        // Counted per namespace first (a request's events mostly share one), so the
        // dictionaries are updated once a namespace, not once an event.
        var byNamespace: [(String, Int)] = []
        for event in events {
            if let index = byNamespace.firstIndex(where: { $0.0 == event.namespace }) {
                byNamespace[index].1 += 1
            } else {
                byNamespace.append((event.namespace, 1))
            }
        }
        state.withLock { state in
            for (namespace, count) in byNamespace {
                state.counts.byNamespace[namespace, default: [:]][outcome, default: 0] += count
            }
            let delivered = outcome == "delivered"
            if delivered { state.counts.eventsDelivered += events.count } else { state.counts.eventsDeadLettered += events.count }
            guard let metrics = state.metrics else { return }
            for (namespace, count) in byNamespace {
                (delivered ? metrics.delivered : metrics.deadLettered).increment(namespace, by: count)
            }
            if !delivered { metrics.deadLetters.add(events.count) }
        }
    }
}

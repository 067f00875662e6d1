import Logging

/// Turns an Edge sink's counts into one log line per change of state: requests
/// started failing (and are retried), the sink delivers again, the buffer is full
/// and sources wait, the buffer has room again. The sink logs each failed request
/// itself; these lines say when an outage begins and ends.
struct SinkStateWatcher {
    enum Delivery: Equatable { case unknown, delivering, failing }

    struct State {
        var delivery = Delivery.unknown
        var succeeded = 0
        var failed = 0
        var blocked = false
    }

    private(set) var states: [String: State] = [:]

    /// Notes what changed since the last call and logs the transitions.
    mutating func observe(_ sinks: [String: EdgeSinkCounts], logger: Logger) {
        for (name, counts) in sinks.sorted(by: { $0.key < $1.key }) {
            var state = states[name] ?? State()
            let succeeded = counts.requests.filter { $0.key.hasPrefix("2") }.reduce(0) { $0 + $1.value }
            let failed = counts.requests.reduce(0) { $0 + $1.value } - succeeded
            // A count below the last one means the sink was replaced by a reload.
            let newSuccesses = succeeded >= state.succeeded ? succeeded - state.succeeded : succeeded
            let newFailures = failed >= state.failed ? failed - state.failed : failed
            if newSuccesses > 0 && state.delivery == .failing {
                logger.notice("sink delivers again", metadata: ["sink": "\(name)"])
            }
            if newSuccesses > 0 {
                state.delivery = .delivering
            } else if newFailures > 0 && state.delivery != .failing && counts.fatalError == nil {
                logger.warning("sink requests fail; events wait and are retried", metadata: ["sink": "\(name)", "failed_requests": "\(newFailures)"])
                state.delivery = .failing
            }
            if counts.buffer.blocked != state.blocked {
                if counts.buffer.blocked {
                    logger.warning("sink buffer full; sources wait", metadata: ["sink": "\(name)"])
                } else {
                    logger.notice("sink buffer has room again", metadata: ["sink": "\(name)"])
                }
                state.blocked = counts.buffer.blocked
            }
            state.succeeded = succeeded
            state.failed = failed
            states[name] = state
        }
    }
}

import Synchronization

/// Asks running pipelines to stop reading; set on SIGINT/SIGTERM. Actions registered
/// with `whenStopped` run once, when it is set (e.g. to free a source held back by a
/// full buffer, so that shutdown never waits for the endpoint to return).
public final class StopSignal: Sendable {
    private struct State {
        var stopped = false
        var actions: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())
    public init() {}

    public func stop() {
        let actions = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.stopped else { return [] }
            state.stopped = true
            defer { state.actions.removeAll() }
            return state.actions
        }
        for action in actions { action() }
    }

    public var isStopped: Bool { state.withLock { $0.stopped } }

    /// Runs `action` when the signal is set (at once if it is set already).
    public func whenStopped(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.stopped { return true }
            state.actions.append(action)
            return false
        }
        if runNow { action() }
    }
}

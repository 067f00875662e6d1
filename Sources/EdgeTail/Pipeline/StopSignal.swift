import Synchronization

/// Asks running pipelines to stop reading; set on SIGINT/SIGTERM. Actions registered
/// with `whenStopped` run once, when it is set (e.g. to free a source held back by a
/// full buffer, so that shutdown never waits for the endpoint to return).
public final class StopSignal: Sendable {
    private struct State {
        var stopped = false
        var actions: [@Sendable () -> Void] = []
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())
    public init() {}

    public func stop() {
        let (actions, waiters) = state.withLock { state -> ([@Sendable () -> Void], [CheckedContinuation<Void, Never>]) in
            guard !state.stopped else { return ([], []) }
            state.stopped = true
            defer {
                state.actions.removeAll()
                state.waiters.removeAll()
            }
            return (state.actions, Array(state.waiters.values))
        }
        for action in actions { action() }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the signal is set or `limit` has passed, whichever comes first:
    /// a loop that waits here wakes at once on a stop instead of polling for it.
    public func wait(upTo limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: limit) }
            group.addTask { await self.waitUntilStopped() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns once the signal is set, or the task is cancelled.
    public func waitUntilStopped() async {
        let id = state.withLock { state -> UInt64 in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    // Checked under the lock the cancellation handler takes too, so a
                    // cancellation either sees the waiter or is seen here.
                    if state.stopped || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
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

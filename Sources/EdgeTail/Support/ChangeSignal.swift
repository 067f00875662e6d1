import Synchronization

/// Something changed: tasks waiting for a condition sleep here until whoever changes
/// it says so, instead of waking every few milliseconds to look.
///
/// A waiter reads `generation`, checks its condition, and if it does not hold yet waits
/// for a generation after the one it read: a change made between the check and the
/// wait is never missed. Inside an actor, checking and calling `wait` in one
/// synchronous stretch is enough. Signalled once and never again, it is a latch
/// (`hasChanged`).
final class ChangeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    init() {}

    /// How many times the signal was given.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Whether the signal was ever given (the latch is set).
    var hasChanged: Bool { generation > 0 }

    /// Wakes every task waiting now.
    func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation &+= 1
            guard !state.waiters.isEmpty else { return [] }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the signal is given after `seen` (at once if it was already),
    /// at `deadline` when there is one, or when the task is cancelled.
    func wait(after seen: UInt64, until deadline: ContinuousClock.Instant? = nil) async {
        guard let deadline else {
            await waitForSignal(after: seen)
            return
        }
        guard deadline > .now else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(until: deadline) }
            group.addTask { await self.waitForSignal(after: seen) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns once the signal was given at least once, or the task is cancelled.
    func waitUntilSignalled() async {
        await waitForSignal(after: 0)
    }

    private func waitForSignal(after seen: UInt64) async {
        let id = state.withLock { state -> UInt64 in
            defer { state.nextWaiter &+= 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    // Checked under the lock the cancellation handler takes too, so a
                    // cancellation either sees the waiter or is seen here.
                    if state.generation != seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}

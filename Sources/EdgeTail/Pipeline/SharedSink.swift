import Synchronization

/// One sink used by several pipelines. Each pipeline gets a `Lease`; a pipeline
/// ending calls `drain()` on its lease, which waits until every lease is released
/// and then drains the real sink once. So no pipeline closes the sink under another
/// that is still submitting, and every pipeline's final checkpoint comes after the
/// sink delivered what it could.
final class SharedSink: Sendable {
    let sink: any EventSink
    private let state: Mutex<State>

    struct State {
        var holders: Set<Int>
        var draining = false
        var result: Result<Void, any Error>?
        var waiters: [CheckedContinuation<Void, any Error>] = []
    }

    init(sink: any EventSink, holders: Int) {
        self.sink = sink
        state = Mutex(State(holders: Set(0..<holders)))
    }

    func lease(_ holder: Int) -> Lease { Lease(shared: self, holder: holder) }

    /// Lets go of `holder`'s hold; the last holder drains the sink. Returns (or
    /// throws) once the sink is drained. Releasing twice is harmless.
    func release(_ holder: Int) async throws {
        let drainNow = state.withLock { state -> Bool in
            state.holders.remove(holder)
            guard state.holders.isEmpty && !state.draining else { return false }
            state.draining = true
            return true
        }
        if drainNow {
            let result: Result<Void, any Error>
            do { try await sink.drain(); result = .success(()) } catch { result = .failure(error) }
            let waiters = state.withLock { state in
                state.result = result
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(with: result) }
            try result.get()
            return
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let ready = state.withLock { state -> Result<Void, any Error>? in
                if let result = state.result { return result }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// What one pipeline sees as its sink.
    struct Lease: EventSink {
        let shared: SharedSink
        let holder: Int
        func submit(_ batch: EventBatch) async throws { try await shared.sink.submit(batch) }
        func drain() async throws { try await shared.release(holder) }
        func stopWaiting() { shared.sink.stopWaiting() }
        func flush() async { await shared.sink.flush() }
        var batchingWindow: Duration { shared.sink.batchingWindow }
    }
}

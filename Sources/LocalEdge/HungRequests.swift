/// Holds requests picked by the hang fault until the server stops.
///
/// Once closed, nothing is held any more, so a stopping server cannot be
/// kept alive by a request that arrives late.
actor HungRequests {
    private var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextKey = 0
    private var closed = false

    var count: Int { waiting.count }

    /// Suspends until ``releaseAll()``; returns at once when already closed.
    func hold() async {
        guard !closed else { return }
        let key = nextKey
        nextKey += 1
        await withCheckedContinuation { continuation in
            waiting[key] = continuation
        }
    }

    func releaseAll() {
        closed = true
        let held = waiting.values
        waiting.removeAll()
        for continuation in held {
            continuation.resume()
        }
    }
}

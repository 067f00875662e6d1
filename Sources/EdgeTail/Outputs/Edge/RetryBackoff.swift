/// Exponential backoff with full jitter: the n-th wait is uniform in [0, min(cap, base·2ⁿ)],
/// which spreads a fleet's retries instead of synchronising them.
struct RetryBackoff {
    let base: Double
    let cap: Double
    private(set) var attempt = 0

    init(base: Double, cap: Double) {
        self.base = base
        self.cap = cap
    }

    mutating func next() -> Duration {
        let ceiling = min(cap, base * Double(1 << min(attempt, 30)))
        attempt += 1
        return .milliseconds(Int(Double.random(in: 0...ceiling) * 1000))
    }

    mutating func reset() {
        attempt = 0
    }
}

/// Keeps requests under a number of Edge request units per second (one unit per
/// 8 KB of body, rounded up), so a fleet stays within the organisation's quota.
/// A token bucket holding at most one second's worth of units.
actor RequestUnitLimiter {
    let rate: Double
    private var available: Double
    private var updated = ContinuousClock.now

    init(unitsPerSecond: Double) {
        rate = unitsPerSecond
        available = unitsPerSecond
    }

    static func units(forBodyBytes bytes: Int) -> Int {
        max(1, (bytes + 8191) / 8192)
    }

    func acquire(bodyBytes: Int) async {
        let needed = Double(Self.units(forBodyBytes: bodyBytes))
        while true {
            let now = ContinuousClock.now
            let elapsed = now - updated
            updated = now
            available = min(max(rate, needed), available + rate * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
            if available >= needed {
                available -= needed
                return
            }
            let wait = (needed - available) / rate
            try? await Task.sleep(for: .milliseconds(Int(wait * 1000) + 1))
        }
    }
}

/// Keeps requests under a number of Edge request units per second, so a sender
/// stays within its share of the organisation's quota. Adobe counts one unit per
/// 8 KB of body, rounded up, times the services (upstreams) on the datastream, and
/// its limit (6,000 units/s on `/v2/collect`) is per IMS organisation, shared by
/// every sender of it. A token bucket holding at most one second's worth of units.
actor RequestUnitLimiter {
    let rate: Double
    let upstreams: Int
    private var available: Double
    private var updated = ContinuousClock.now

    init(unitsPerSecond: Double, upstreams: Int = 1) {
        rate = unitsPerSecond
        self.upstreams = max(1, upstreams)
        available = unitsPerSecond
    }

    static func units(forBodyBytes bytes: Int, upstreams: Int = 1) -> Int {
        max(1, (bytes + 8191) / 8192) * max(1, upstreams)
    }

    func acquire(bodyBytes: Int) async {
        let needed = Double(Self.units(forBodyBytes: bodyBytes, upstreams: upstreams))
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

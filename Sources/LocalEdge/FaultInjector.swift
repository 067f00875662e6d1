/// Decides, per collect request, whether to hang, fail or answer normally.
///
/// Every request draws exactly two numbers (hang, then fail) so the sequence
/// of decisions for a seed is the same whatever the rates are set to.
actor FaultInjector {
    enum Decision: Equatable, Sendable {
        case proceed
        case hang
        case fail(status: Int, retryAfter: Int?)
    }

    private let faults: FaultInjection
    private var generator: SplitMix64

    init(faults: FaultInjection) {
        self.faults = faults
        self.generator = SplitMix64(seed: faults.seed)
    }

    var latency: Duration { .milliseconds(faults.latencyMilliseconds) }

    func decide() -> Decision {
        let hangRoll = generator.nextUnitInterval()
        let failRoll = generator.nextUnitInterval()
        if hangRoll < faults.hangRate { return .hang }
        if failRoll < faults.failRate { return .fail(status: faults.failStatus, retryAfter: faults.retryAfter) }
        return .proceed
    }
}

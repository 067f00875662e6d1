/// Decides, per collect request, whether to hang, fail, warn or answer normally.
///
/// Every request draws exactly three numbers (hang, fail, warn) so the sequence
/// of decisions for a seed is the same whatever the rates are set to.
actor FaultInjector {
    enum Decision: Equatable, Sendable {
        /// Answer normally; with a non-fatal entry when the request succeeds, if set.
        case proceed(warning: InjectedWarning?)
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
        let warnRoll = generator.nextUnitInterval()
        if hangRoll < faults.hangRate { return .hang }
        if failRoll < faults.failRate { return .fail(status: faults.failStatus, retryAfter: faults.retryAfter) }
        return .proceed(warning: warnRoll < faults.warnRate ? faults.warning : nil)
    }
}

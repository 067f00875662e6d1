import Synchronization

/// Counts of what became of the lines of one pipeline. Every line read is counted
/// in exactly one outcome, so `lines == pageViews + linkClicks + dropped + failed`.
public struct PipelineCounts: Sendable, Equatable, Codable {
    public var lines = 0
    public var bytes = 0
    public var pageViews = 0
    public var linkClicks = 0
    public var dropped: [String: Int] = [:]
    public var failed = 0
    public var failedByReason: [String: Int] = [:]
    public var overlongLines = 0
    public var identities: [String: Int] = [:]
    /// Events sent without `environment.ipV4`/`ipV6` because the line's client field held
    /// something other than an address (a host name, `-`, `unknown`).
    public var invalidClientAddresses = 0
    /// Identity values not sent, by namespace, for not being in its format (an FPID that is
    /// not a UUIDv4, an ECID that is not 38 digits); the next identity rule was tried.
    public var invalidIdentities: [String: Int] = [:]
    /// Time spent reading, mapping and waiting for the sink to take events (back-pressure).
    public var readSeconds = 0.0
    public var mapSeconds = 0.0
    public var sinkWaitSeconds = 0.0

    public init() {}

    public var droppedTotal: Int { dropped.values.reduce(0, +) }

    public mutating func record(_ outcome: LineOutcome, namespace: String = "") {
        lines += 1
        switch outcome {
        case .pageView:
            pageViews += 1
            identities[namespace, default: 0] += 1
        case .linkClick:
            linkClicks += 1
            identities[namespace, default: 0] += 1
        case .dropped(let reason):
            dropped[reason.rawValue, default: 0] += 1
        case .failed(let reason):
            failed += 1
            // Reasons keep their words, not their numbers, so they group well.
            let key = reason.split(separator: " ").prefix(4).joined(separator: " ")
            if failedByReason.count < 64 || failedByReason[key] != nil {
                failedByReason[key, default: 0] += 1
            }
        }
    }

    public mutating func add(_ other: PipelineCounts) {
        lines += other.lines
        bytes += other.bytes
        pageViews += other.pageViews
        linkClicks += other.linkClicks
        failed += other.failed
        overlongLines += other.overlongLines
        invalidClientAddresses += other.invalidClientAddresses
        readSeconds += other.readSeconds
        mapSeconds += other.mapSeconds
        sinkWaitSeconds += other.sinkWaitSeconds
        for (key, value) in other.dropped { dropped[key, default: 0] += value }
        for (key, value) in other.failedByReason { failedByReason[key, default: 0] += value }
        for (key, value) in other.identities { identities[key, default: 0] += value }
        for (key, value) in other.invalidIdentities { invalidIdentities[key, default: 0] += value }
    }
}

/// Shared, thread-safe counters of a pipeline, read by summaries, `/health` and
/// `edgetail top`; with metrics attached, each batch also moves the pipeline's
/// Prometheus counters, at the moment it is counted.
public final class PipelineStatistics: Sendable {
    private struct State {
        var counts = PipelineCounts()
        var metrics: PipelineMetrics?
    }

    private let state = Mutex(State())
    public init() {}

    public func add(_ delta: PipelineCounts) {
        state.withLock { state in
            state.counts.add(delta)
            state.metrics?.record(delta)
        }
    }

    public var snapshot: PipelineCounts { state.withLock { $0.counts } }

    /// Starts recording into `metrics`, counting first what was counted before.
    public func attach(_ metrics: PipelineMetrics) {
        state.withLock { state in
            guard state.metrics == nil else { return }
            metrics.record(state.counts)
            state.metrics = metrics
        }
    }
}

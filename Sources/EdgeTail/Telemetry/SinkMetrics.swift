import CoreMetrics

/// The Prometheus counters of one Edge sink, incremented where the sink learns
/// what happened: an answer, a retry, events settled, a buffer drop. Like
/// `PipelineMetrics`, a sink rebuilt by a reload continues the same series.
public final class SinkMetrics: Sendable {
    let requests: CounterFamily
    let retries: CoreMetrics.Counter
    let requestUnits: CoreMetrics.Counter
    let deadLetters: CoreMetrics.Counter
    let resendsAvoided: CoreMetrics.Counter
    let errors: CounterFamily
    let warnings: CounterFamily
    let bufferDrops: CounterFamily
    let delivered: CounterFamily
    let deadLettered: CounterFamily

    init(sink: String, factory: any MetricsFactory) {
        let labels = [("sink", sink)]
        requests = CounterFamily("edgetail_sink_requests_total", labels: labels, by: "status", factory: factory)
        retries = CoreMetrics.Counter(label: "edgetail_sink_retries_total", dimensions: labels, factory: factory)
        requestUnits = CoreMetrics.Counter(label: "edgetail_sink_request_units_total", dimensions: labels, factory: factory)
        deadLetters = CoreMetrics.Counter(label: "edgetail_sink_dead_letters_total", dimensions: labels, factory: factory)
        resendsAvoided = CoreMetrics.Counter(label: "edgetail_sink_resends_avoided_total", dimensions: labels, factory: factory)
        errors = CounterFamily("edgetail_sink_errors_total", labels: labels, by: "code", factory: factory)
        warnings = CounterFamily("edgetail_sink_warnings_total", labels: labels, by: "code", factory: factory)
        bufferDrops = CounterFamily("edgetail_buffer_dropped_events_total", labels: labels, by: "reason", factory: factory)
        // Label order as the metric has always had it: sink, namespace, outcome.
        delivered = CounterFamily("edgetail_sink_events_total", labels: labels, by: "namespace", then: [("outcome", "delivered")], factory: factory)
        deadLettered = CounterFamily("edgetail_sink_events_total", labels: labels, by: "namespace", then: [("outcome", "dead_lettered")], factory: factory)
    }

    /// Counts what `counts` holds: used once, when the metrics are attached to a sink
    /// that may already have counted something.
    func record(_ counts: EdgeSinkCounts) {
        for (status, count) in counts.requests { requests.increment(status, by: count) }
        retries.add(counts.retries)
        requestUnits.add(counts.requestUnits)
        deadLetters.add(counts.eventsDeadLettered)
        resendsAvoided.add(counts.resendsAvoided)
        for (code, count) in counts.errors { errors.increment(code, by: count) }
        for (code, count) in counts.warnings { warnings.increment(code, by: count) }
        for (reason, count) in counts.buffer.drops { bufferDrops.increment(reason, by: count) }
        for (namespace, outcomes) in counts.byNamespace {
            delivered.increment(namespace, by: outcomes["delivered"] ?? 0)
            deadLettered.increment(namespace, by: outcomes["dead_lettered"] ?? 0)
        }
    }
}

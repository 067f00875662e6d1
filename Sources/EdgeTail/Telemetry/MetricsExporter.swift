import CoreMetrics
import Prometheus
import Synchronization

/// Turns telemetry snapshots into Prometheus text through swift-metrics handles
/// backed by a private swift-prometheus registry (no global metrics system).
///
/// The runtime keeps its counts in its own structures; at each scrape the exporter
/// moves every swift-metrics counter forward by what its count grew since the last
/// scrape and sets the gauges, then asks the registry for the text.
public final class MetricsExporter: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    /// Last value exported per counter series, and the handles, by series key.
    private let state = Mutex(State())

    struct State {
        var exported: [String: Int] = [:]
        var counters: [String: CoreMetrics.Counter] = [:]
        var gauges: [String: CoreMetrics.Gauge] = [:]
        var timers: [String: CoreMetrics.Timer] = [:]
    }

    /// Request durations: from 5 ms (loopback) to 30 s (a timeout).
    static let latencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        self.factory = factory
    }

    /// The request latency histogram of a sink (`edgetail_sink_request_duration_seconds`).
    public func latencyTimer(sink: String) -> CoreMetrics.Timer {
        state.withLock { state in
            if let timer = state.timers[sink] { return timer }
            let timer = CoreMetrics.Timer(label: "edgetail_sink_request_duration_seconds", dimensions: [("sink", sink)], factory: factory)
            state.timers[sink] = timer
            return timer
        }
    }

    /// The Prometheus text exposition of `snapshot`.
    public func render(_ snapshot: TelemetrySnapshot) -> String {
        state.withLock { state in
            var writer = Writer(factory: factory, state: state)
            writer.gauge("edgetail_up", [], snapshot.running ? 1 : 0)
            writer.gauge("edgetail_build_info", [("version", EdgeTailVersion.string)], 1)
            for (result, count) in snapshot.reloads { writer.counter("edgetail_reloads_total", [("result", result)], count) }
            for (name, pipeline) in snapshot.pipelines {
                let labels = [("pipeline", name)]
                let counts = pipeline.counts
                writer.counter("edgetail_lines_read_total", labels, counts.lines)
                writer.counter("edgetail_bytes_read_total", labels, counts.bytes)
                writer.counter("edgetail_events_total", labels + [("type", "page_view")], counts.pageViews)
                writer.counter("edgetail_events_total", labels + [("type", "link_click")], counts.linkClicks)
                for (reason, count) in counts.dropped { writer.counter("edgetail_dropped_lines_total", labels + [("reason", reason)], count) }
                writer.counter("edgetail_parse_failures_total", labels, counts.failed)
                writer.counter("edgetail_invalid_client_addresses_total", labels, counts.invalidClientAddresses)
                for (namespace, count) in counts.invalidIdentities {
                    writer.counter("edgetail_invalid_identities_total", labels + [("namespace", namespace)], count)
                }
                writer.counter("edgetail_file_rotations_total", labels, pipeline.files.rotations)
                writer.counter("edgetail_file_truncations_total", labels, pipeline.files.truncations)
                writer.gauge("edgetail_open_files", labels, pipeline.files.openFiles)
                if let lag = pipeline.checkpointLagBytes { writer.gauge("edgetail_checkpoint_lag_bytes", labels, Int(clamping: lag)) }
                writer.gauge("edgetail_pipeline_up", labels, pipeline.failure == nil && snapshot.running ? 1 : 0)
            }
            for (name, sink) in snapshot.sinks {
                let labels = [("sink", name)]
                for (status, count) in sink.requests { writer.counter("edgetail_sink_requests_total", labels + [("status", status)], count) }
                writer.counter("edgetail_sink_retries_total", labels, sink.retries)
                writer.counter("edgetail_sink_dead_letters_total", labels, sink.eventsDeadLettered)
                for (code, count) in sink.errors { writer.counter("edgetail_sink_errors_total", labels + [("code", code)], count) }
                for (code, count) in sink.warnings { writer.counter("edgetail_sink_warnings_total", labels + [("code", code)], count) }
                writer.counter("edgetail_sink_resends_avoided_total", labels, sink.resendsAvoided)
                for (namespace, outcomes) in sink.byNamespace {
                    for (outcome, count) in outcomes {
                        writer.counter("edgetail_sink_events_total", labels + [("namespace", namespace), ("outcome", outcome)], count)
                    }
                }
                writer.gauge("edgetail_sink_stopped", labels, sink.fatalError == nil ? 0 : 1)
                let buffer = sink.buffer
                writer.gauge("edgetail_buffer_bytes", labels + [("tier", "memory")], buffer.memoryBytes)
                writer.gauge("edgetail_buffer_bytes", labels + [("tier", "disk")], buffer.diskBytes)
                writer.gauge("edgetail_buffer_events", labels + [("tier", "memory")], buffer.memoryEvents)
                writer.gauge("edgetail_buffer_events", labels + [("tier", "disk")], buffer.diskEvents)
                writer.gauge("edgetail_buffer_oldest_event_age_seconds", labels, buffer.oldestEventAgeSeconds ?? 0)
                writer.gauge("edgetail_buffer_blocked", labels, buffer.blocked ? 1 : 0)
                for (reason, count) in buffer.drops { writer.counter("edgetail_buffer_dropped_events_total", labels + [("reason", reason)], count) }
            }
            state = writer.state
            return registry.emitToString()
        }
    }

    /// Moves handles to the snapshot's values, creating them on first sight.
    struct Writer {
        let factory: PrometheusMetricsFactory
        var state: State

        mutating func counter(_ name: String, _ labels: [(String, String)], _ value: Int) {
            let key = Self.key(name, labels)
            let counter = state.counters[key] ?? CoreMetrics.Counter(label: name, dimensions: labels, factory: factory)
            state.counters[key] = counter
            let last = state.exported[key] ?? 0
            // A total below the last export can only come from a restarted count: count it anew.
            let delta = value >= last ? value - last : value
            if delta > 0 { counter.increment(by: delta) }
            state.exported[key] = value
        }

        mutating func gauge(_ name: String, _ labels: [(String, String)], _ value: some BinaryInteger) {
            gauge(name, labels, Double(value))
        }

        mutating func gauge(_ name: String, _ labels: [(String, String)], _ value: Double) {
            let key = Self.key(name, labels)
            let gauge = state.gauges[key] ?? CoreMetrics.Gauge(label: name, dimensions: labels, factory: factory)
            state.gauges[key] = gauge
            gauge.record(value)
        }

        static func key(_ name: String, _ labels: [(String, String)]) -> String {
            name + "{" + labels.map { $0.0 + "=" + $0.1 }.joined(separator: ",") + "}"
        }
    }
}

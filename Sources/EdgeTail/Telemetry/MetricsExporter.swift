import CoreMetrics
import Prometheus
import Synchronization

/// The process's Prometheus registry (private to it: no global metrics system) and
/// the swift-metrics handles recorded into it.
///
/// Counters and histograms are moved where things happen: pipelines, file sources
/// and sinks get their handles here (`pipelineMetrics`, `sinkMetrics`,
/// `latencyTimer`) and increment them as they count. A scrape only sets the gauges —
/// states such as open files, buffer bytes or a stopped sink — from the runtime's
/// snapshot, and asks the registry for the text.
public final class MetricsExporter: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let state = Mutex(State())

    struct State {
        var gauges: [String: CoreMetrics.Gauge] = [:]
        var timers: [String: CoreMetrics.Timer] = [:]
        var pipelines: [String: PipelineMetrics] = [:]
        var sinks: [String: SinkMetrics] = [:]
        var reloads: CounterFamily?
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
        state.withLock { $0.reloads = CounterFamily("edgetail_reloads_total", labels: [], by: "result", factory: factory) }
    }

    /// The request latency histogram of a sink (`edgetail_sink_request_duration_seconds`).
    public func latencyTimer(sink: String) -> CoreMetrics.Timer {
        made(sink, in: \.timers) {
            CoreMetrics.Timer(label: "edgetail_sink_request_duration_seconds", dimensions: [("sink", sink)], factory: factory)
        }
    }

    /// The counters of pipeline `name`; the same object for every pipeline of that name.
    public func pipelineMetrics(_ name: String) -> PipelineMetrics {
        made(name, in: \.pipelines) { PipelineMetrics(pipeline: name, factory: factory) }
    }

    /// The counters of sink `name`; the same object for every sink of that name.
    public func sinkMetrics(_ name: String) -> SinkMetrics {
        made(name, in: \.sinks) { SinkMetrics(sink: name, factory: factory) }
    }

    /// The handles kept under `name`, made on first use.
    private func made<Handles: Sendable>(_ name: String, in handles: WritableKeyPath<State, [String: Handles]>,
                               _ make: () -> Handles) -> Handles {
        state.withLock { state in
            if let known = state[keyPath: handles][name] { return known }
            let made = make()
            state[keyPath: handles][name] = made
            return made
        }
    }

    /// A SIGHUP reload, by result: `applied`, `rejected`.
    public func recordReload(_ result: String) {
        state.withLock { $0.reloads }?.increment(result)
    }

    /// The Prometheus text exposition, with the gauges set from `snapshot`.
    public func render(_ snapshot: TelemetrySnapshot) -> String {
        state.withLock { state in
            var gauges = Gauges(factory: factory, handles: state.gauges)
            gauges.set("edgetail_up", [], snapshot.running ? 1 : 0)
            gauges.set("edgetail_build_info", [("version", EdgeTailVersion.string)], 1)
            for (name, pipeline) in snapshot.pipelines {
                let labels = [("pipeline", name)]
                gauges.set("edgetail_open_files", labels, Double(pipeline.files.openFiles))
                if let lag = pipeline.checkpointLagBytes { gauges.set("edgetail_checkpoint_lag_bytes", labels, Double(lag)) }
                gauges.set("edgetail_pipeline_up", labels, pipeline.failure == nil && snapshot.running ? 1 : 0)
            }
            for (name, sink) in snapshot.sinks {
                let labels = [("sink", name)]
                gauges.set("edgetail_sink_stopped", labels, sink.fatalError == nil ? 0 : 1)
                let buffer = sink.buffer
                gauges.set("edgetail_buffer_bytes", labels + [("tier", "memory")], Double(buffer.memoryBytes))
                gauges.set("edgetail_buffer_bytes", labels + [("tier", "disk")], Double(buffer.diskBytes))
                gauges.set("edgetail_buffer_events", labels + [("tier", "memory")], Double(buffer.memoryEvents))
                gauges.set("edgetail_buffer_events", labels + [("tier", "disk")], Double(buffer.diskEvents))
                gauges.set("edgetail_buffer_oldest_event_age_seconds", labels, buffer.oldestEventAgeSeconds ?? 0)
                gauges.set("edgetail_buffer_blocked", labels, buffer.blocked ? 1 : 0)
            }
            state.gauges = gauges.handles
            return registry.emitToString()
        }
    }

    /// Gauge handles by series, made on first sight.
    struct Gauges {
        let factory: PrometheusMetricsFactory
        var handles: [String: CoreMetrics.Gauge]

        mutating func set(_ name: String, _ labels: [(String, String)], _ value: Double) {
            let key = name + "{" + labels.map { $0.0 + "=" + $0.1 }.joined(separator: ",") + "}"
            let gauge = handles[key] ?? CoreMetrics.Gauge(label: name, dimensions: labels, factory: factory)
            handles[key] = gauge
            gauge.record(value)
        }
    }
}

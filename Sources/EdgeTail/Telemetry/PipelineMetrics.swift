import CoreMetrics

/// The Prometheus counters of one pipeline, incremented where its lines are counted:
/// once per batch by `PipelineStatistics.add`, and by the file source when a file
/// rotates or is truncated. A pipeline replaced by a reload hands the same series to
/// its successor (the registry returns the counter already made for a name and labels),
/// so totals never go back.
public final class PipelineMetrics: Sendable {
    let linesRead: CoreMetrics.Counter
    let bytesRead: CoreMetrics.Counter
    let pageViews: CoreMetrics.Counter
    let linkClicks: CoreMetrics.Counter
    let parseFailures: CoreMetrics.Counter
    let invalidClientAddresses: CoreMetrics.Counter
    let rotations: CoreMetrics.Counter
    let truncations: CoreMetrics.Counter
    let dropped: CounterFamily
    let invalidIdentities: CounterFamily

    init(pipeline: String, factory: any MetricsFactory) {
        let labels = [("pipeline", pipeline)]
        func counter(_ name: String, _ extra: [(String, String)] = []) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: name, dimensions: labels + extra, factory: factory)
        }
        linesRead = counter("edgetail_lines_read_total")
        bytesRead = counter("edgetail_bytes_read_total")
        pageViews = counter("edgetail_events_total", [("type", "page_view")])
        linkClicks = counter("edgetail_events_total", [("type", "link_click")])
        parseFailures = counter("edgetail_parse_failures_total")
        invalidClientAddresses = counter("edgetail_invalid_client_addresses_total")
        rotations = counter("edgetail_file_rotations_total")
        truncations = counter("edgetail_file_truncations_total")
        dropped = CounterFamily("edgetail_dropped_lines_total", labels: labels, by: "reason", factory: factory)
        invalidIdentities = CounterFamily("edgetail_invalid_identities_total", labels: labels, by: "namespace", factory: factory)
    }

    /// Counts what a batch (or a catch-up at attachment) added to the pipeline's counts.
    func record(_ delta: PipelineCounts) {
        linesRead.add(delta.lines)
        bytesRead.add(delta.bytes)
        pageViews.add(delta.pageViews)
        linkClicks.add(delta.linkClicks)
        parseFailures.add(delta.failed)
        invalidClientAddresses.add(delta.invalidClientAddresses)
        for (reason, count) in delta.dropped { dropped.increment(reason, by: count) }
        for (namespace, count) in delta.invalidIdentities { invalidIdentities.increment(namespace, by: count) }
    }
}

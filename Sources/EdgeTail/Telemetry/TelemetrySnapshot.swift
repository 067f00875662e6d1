import Foundation

/// Everything `/metrics` and `/health` show, read from the runtime's counters at
/// scrape time. Counts are totals since start: those of pipelines and sinks that a
/// reload replaced are kept, so Prometheus counters never go backwards.
public struct TelemetrySnapshot: Sendable {
    public struct Pipeline: Sendable {
        public var sink: String
        public var counts = PipelineCounts()
        public var files = FileSourceCounts()
        /// Bytes in the followed files after the acknowledged positions; nil for the journal.
        public var checkpointLagBytes: UInt64?
        /// Why the pipeline stopped, when it did (it stays stopped until a reload).
        public var failure: String?

        public init(sink: String) { self.sink = sink }
    }

    /// False before the pipelines start and once they are stopping.
    public var running = false
    public var pipelines: [String: Pipeline] = [:]
    /// Edge sinks by name.
    public var sinks: [String: EdgeSinkCounts] = [:]
    /// Reloads by result: `applied`, `rejected`.
    public var reloads: [String: Int] = [:]

    public init() {}
}

extension EdgeSinkCounts {
    /// `self` (a sink that was replaced) plus the counts of its successor; the
    /// successor's state (buffer, fatal error) is what is current.
    func adding(_ current: EdgeSinkCounts) -> EdgeSinkCounts {
        var total = current
        for (status, count) in requests { total.requests[status, default: 0] += count }
        total.retries += retries
        total.requestUnits += requestUnits
        for (code, count) in errors { total.errors[code, default: 0] += count }
        for (code, count) in warnings { total.warnings[code, default: 0] += count }
        total.resendsAvoided += resendsAvoided
        total.unsentAtStop += unsentAtStop
        total.eventsDelivered += eventsDelivered
        total.eventsDeadLettered += eventsDeadLettered
        total.tokensMinted += tokensMinted
        for (namespace, outcomes) in byNamespace {
            for (outcome, count) in outcomes { total.byNamespace[namespace, default: [:]][outcome, default: 0] += count }
        }
        total.buffer.drops = current.buffer.drops
        for (reason, count) in buffer.drops { total.buffer.drops[reason, default: 0] += count }
        total.buffer.spilledEvents += buffer.spilledEvents
        total.buffer.spilledBytes += buffer.spilledBytes
        total.buffer.tornRecords += buffer.tornRecords
        total.buffer.corruptSegments += buffer.corruptSegments
        return total
    }
}

extension FileSourceCounts {
    /// Totals of a replaced pipeline's file source plus its successor's; open and
    /// tracked files are the successor's.
    func adding(_ current: FileSourceCounts) -> FileSourceCounts {
        var total = current
        total.perFile = [:]
        total.bytesRead += bytesRead
        total.linesRead += linesRead
        total.rotations += rotations
        total.truncations += truncations
        total.rewrites += rewrites
        total.linesTruncated += linesTruncated
        total.linesSkipped += linesSkipped
        total.abandonedBytes += abandonedBytes
        return total
    }
}

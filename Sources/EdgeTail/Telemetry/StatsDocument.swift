import Foundation

/// What `/api/v1/stats` answers and `edgetail top` reads: the telemetry snapshot as
/// JSON, with each Edge sink's recent latency quantiles and the time it was taken.
/// Counts are totals since start; a reader computes rates from two documents.
public struct StatsDocument: Sendable, Codable {
    public struct Pipeline: Sendable, Codable {
        public var sink: String
        public var counts: PipelineCounts
        /// The file source's totals; `perFile` is left empty (it can name thousands of files).
        public var files: FileSourceCounts
        public var checkpointLagBytes: UInt64?
        public var failure: String?

        enum CodingKeys: String, CodingKey {
            case sink, counts, files, failure
            case checkpointLagBytes = "checkpoint_lag_bytes"
        }
    }

    public struct Sink: Sendable, Codable {
        public var counts: EdgeSinkCounts
        /// Over the sink's most recent requests; nil before its first.
        public var latency: LatencyWindow.Quantiles?
    }

    public struct Tap: Sendable, Codable {
        public var subscribers: Int
        public var droppedSamples: Int

        enum CodingKeys: String, CodingKey {
            case subscribers
            case droppedSamples = "dropped_samples"
        }
    }

    /// Seconds since 1970 when the document was made.
    public var time: Double
    public var version: String
    public var running: Bool
    public var health: HealthReport
    public var pipelines: [String: Pipeline]
    /// Edge sinks by name (file and console sinks keep no counts of their own).
    public var sinks: [String: Sink]
    public var reloads: [String: Int]
    public var tap: Tap

    public var json: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}

extension EdgeTailRuntime {
    /// The document `/api/v1/stats` serves, now.
    public func statsDocument() -> StatsDocument {
        let snapshot = telemetrySnapshot()
        let maxAge = configuration.api?.healthMaxEventAge ?? APIConfiguration().healthMaxEventAge
        let edges = edgeSinks
        return StatsDocument(
            time: Date().timeIntervalSince1970,
            version: EdgeTailVersion.string,
            running: snapshot.running,
            health: HealthReport.evaluate(snapshot, maxEventAge: maxAge),
            pipelines: snapshot.pipelines.mapValues { pipeline in
                var files = pipeline.files
                files.perFile = [:]
                return StatsDocument.Pipeline(sink: pipeline.sink, counts: pipeline.counts, files: files,
                                              checkpointLagBytes: pipeline.checkpointLagBytes, failure: pipeline.failure)
            },
            sinks: snapshot.sinks.reduce(into: [:]) { sinks, entry in
                sinks[entry.key] = StatsDocument.Sink(counts: entry.value, latency: edges[entry.key]?.requestLatency.recent.quantiles())
            },
            reloads: snapshot.reloads,
            tap: StatsDocument.Tap(subscribers: tap.subscriberCount, droppedSamples: tap.droppedTotal))
    }
}

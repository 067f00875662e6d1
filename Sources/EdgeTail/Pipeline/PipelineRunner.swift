import Foundation
import Logging

/// Runs one pipeline: read a batch, map it, keep its rejected lines, hand its events
/// to the sink, and checkpoint each source as far as its lines are acknowledged.
public final class PipelineRunner: @unchecked Sendable {
    public enum Mode: Sendable {
        /// Follow the files for ever (until stopped).
        case follow
        /// Read what is there, deliver it, and stop.
        case once
    }

    public let plan: PipelinePlan
    public let statistics = PipelineStatistics()
    let sink: any EventSink
    let dataDirectory: String
    let logger: Logger
    let ledger = AcknowledgementLedger()
    let checkpointStore: CheckpointStore
    public var checkpointInterval: Duration = .seconds(1)
    /// Entries of files no longer seen are kept this long, then forgotten.
    public var checkpointGrace: TimeInterval = 7 * 86_400

    public init(plan: PipelinePlan, sink: any EventSink, dataDirectory: String, logger: Logger) {
        self.plan = plan
        self.sink = sink
        self.dataDirectory = dataDirectory
        self.logger = logger
        checkpointStore = CheckpointStore(dataDirectory: dataDirectory, pipeline: plan.name)
    }

    public func run(mode: Mode, stop: StopSignal) async throws {
        let stored = try checkpointStore.load()
        var known: [String: CheckpointStore.Entry] = [:]
        for entry in stored ?? [] { known[entry.sourceID] = entry }
        let source: any LineSource = FileSource(
            configuration: plan.source, checkpoints: stored.map { entries in
                Dictionary(entries.map { ($0.sourceID, $0.position) }, uniquingKeysWith: max)
            },
            ledger: ledger, logger: logger)
        let rejectedLog = try RejectedLineLog(dataDirectory: dataDirectory, pipeline: plan.name)
        var processor = LineProcessor(plan: plan)
        var lastCheckpoint = ContinuousClock.now
        let pollInterval = Duration.milliseconds(Int(plan.source.pollInterval * 1000))

        while !stop.isStopped && !Task.isCancelled {
            let readStart = ContinuousClock.now
            if let batch = try source.next() {
                let mapStart = ContinuousClock.now
                var output = processor.process(batch)
                let mapEnd = ContinuousClock.now
                output.counts.readSeconds = (mapStart - readStart).seconds
                output.counts.mapSeconds = (mapEnd - mapStart).seconds
                try await rejectedLog.append(output.rejected, pipeline: plan.name, sourceID: batch.sourceID, origin: batch.origin)
                let ledger = self.ledger
                let acknowledgement = Acknowledgement(count: output.events.count) {
                    ledger.acknowledge(sourceID: batch.sourceID, sequence: batch.sequence, endPosition: batch.endPosition)
                }
                if !output.events.isEmpty {
                    try await sink.submit(EventBatch(pipeline: plan.name, bytes: output.bytes, events: output.events,
                                                     acknowledgement: acknowledgement))
                }
                output.counts.sinkWaitSeconds = (ContinuousClock.now - mapEnd).seconds
                statistics.add(output.counts)
            } else if mode == .once {
                break
            } else {
                try? await Task.sleep(for: pollInterval)
            }
            if ContinuousClock.now - lastCheckpoint >= checkpointInterval {
                saveCheckpoints(&known)
                lastCheckpoint = .now
            }
        }
        try await sink.drain()
        saveCheckpoints(&known)
    }

    private func saveCheckpoints(_ known: inout [String: CheckpointStore.Entry]) {
        let now = Date()
        for (sourceID, committed) in ledger.committedPositions() {
            if known[sourceID]?.position != committed.position || known[sourceID]?.path != committed.origin {
                known[sourceID] = CheckpointStore.Entry(sourceID: sourceID, path: committed.origin, position: committed.position, updated: now)
            }
        }
        known = known.filter { now.timeIntervalSince($0.value.updated) < checkpointGrace }
        do {
            try checkpointStore.save(Array(known.values))
        } catch {
            logger.error("\(error)")
        }
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

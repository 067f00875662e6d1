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
    /// Where checkpoints are written (and fsynced), off the cooperative pool.
    private let checkpointWriter = BlockingCaller(name: "edgetail-checkpoints")
    /// Where the source reads (`pread`s of up to a turn, directory scans, the journal's
    /// files), off the cooperative pool: a read from a cold or slow disk blocks, and
    /// the pool's two threads are shared by every pipeline and sink.
    private let reader = BlockingCaller(name: "edgetail-read")
    /// What the file source did: bytes, lines, rotations, truncations, open files.
    public let fileStatistics = FileSourceStatistics()
    public var checkpointInterval: Duration
    /// Entries of files no longer seen are kept this long, then forgotten.
    public var checkpointGrace: TimeInterval
    /// Unchanged checkpoints are still rewritten this often, to keep `updated` current.
    static let refreshInterval = Duration.seconds(60)
    /// How long a source with nothing to read and nothing to checkpoint may sleep: it
    /// wakes sooner for news or a stop (and the file source for its rescan).
    static let idleWait = Duration.seconds(3600)
    /// Where `edgetail tap` watches this pipeline's lines.
    let tap: LineTap?

    public init(plan: PipelinePlan, sink: any EventSink, dataDirectory: String, logger: Logger, tap: LineTap? = nil) {
        self.plan = plan
        self.tap = tap
        self.sink = sink
        self.dataDirectory = dataDirectory
        self.logger = logger
        checkpointStore = CheckpointStore(dataDirectory: dataDirectory, pipeline: plan.name)
        checkpointInterval = .milliseconds(Int(plan.source.checkpointInterval * 1000))
        checkpointGrace = plan.source.checkpointGrace
    }

    public func run(mode: Mode, stop: StopSignal) async throws {
        let stored = try checkpointStore.load()
        var known: [String: CheckpointStore.Entry] = [:]
        for entry in stored ?? [] { known[entry.sourceID] = entry }
        let pollInterval = Duration.milliseconds(Int(plan.source.pollInterval * 1000))
        let fileSource: FileSource?
        let source: any LineSource
        switch plan.source.type {
        case .file:
            let files = FileSource(configuration: plan.source, checkpoints: stored, ledger: ledger, statistics: fileStatistics,
                                   readSpacing: FileSource.readSpacing(forBatchingWindow: sink.batchingWindow), logger: logger)
            fileSource = files
            source = files
        case .journald:
            let sourceID = JournalSource.sourceID(for: plan.source.journal)
            fileSource = nil
            source = try JournalSource(
                configuration: plan.source, cursor: known[sourceID]?.cursor, firstStart: known[sourceID] == nil,
                fieldNames: plan.journalFieldNames, followWait: mode == .follow ? pollInterval : nil,
                ledger: ledger, logger: logger)
        }
        let sink = self.sink
        let latch = source.wakeLatch
        stop.whenStopped {
            sink.stopWaiting()
            latch.set()
        }
        let rejectedLog = try RejectedLineLog(dataDirectory: dataDirectory, pipeline: plan.name)
        var processor = LineProcessor(plan: plan, tap: tap)
        var lastCheckpoint = ContinuousClock.now
        var lastWrite = ContinuousClock.now
        let reading = SourceAccess(source: source, files: fileSource)

        // The next batch is read on the reading thread while this one is mapped and handed
        // to the sink, so at full speed reading and mapping overlap instead of taking
        // turns. A batch read ahead when the pipeline stops is never acknowledged, and is
        // read again at the next start. Everything else that touches the source goes
        // through the reading thread too, behind the read ahead.
        var readWait = ContinuousClock.now
        // Whether the checkpoints hold every acknowledged position: then a source with
        // nothing to read may sleep until it has news (see `FileSource.waitForData`);
        // otherwise it looks again within `poll_interval`, to checkpoint what the sink
        // acknowledges meanwhile.
        var checkpointsCurrent = false
        var next = try await reading.next(on: reader)
        while !stop.isStopped && !Task.isCancelled {
            let readSeconds = (ContinuousClock.now - readWait).seconds
            addSkipped(next.skipped)
            // The next read: started now when this one brought a batch (it runs while
            // this batch is mapped), else after waiting for news.
            let readsAhead = next.batch != nil
            async let following: (batch: LineBatch?, skipped: Int)? = readsAhead ? reading.next(on: reader) : nil
            if let batch = next.batch {
                let mapStart = ContinuousClock.now
                var output = processor.process(batch)
                let mapEnd = ContinuousClock.now
                output.counts.readSeconds = readSeconds
                output.counts.mapSeconds = (mapEnd - mapStart).seconds
                try await rejectedLog.append(output.rejected, pipeline: plan.name, sourceID: batch.sourceID, origin: batch.origin)
                let ledger = self.ledger
                // Only the position is captured: capturing `batch` would keep its raw
                // bytes alive until the acknowledgement, tens of MB during a backlog.
                let (sourceID, sequence, endPosition, endCursor) = (batch.sourceID, batch.sequence, batch.endPosition, batch.endCursor)
                let acknowledgement = Acknowledgement(count: output.events.count) {
                    ledger.acknowledge(sourceID: sourceID, sequence: sequence, endPosition: endPosition, endCursor: endCursor)
                }
                if !output.events.isEmpty {
                    try await sink.submit(EventBatch(pipeline: plan.name, bytes: output.bytes, events: output.events,
                                                     acknowledgement: acknowledgement))
                }
                checkpointsCurrent = false
                output.counts.sinkWaitSeconds = (ContinuousClock.now - mapEnd).seconds
                statistics.add(output.counts)
            } else if mode == .once {
                break
            } else {
                // Sleeps until the source's descriptor (inotify, the journal's) says there is
                // news, at the latest `poll_interval`, on a thread of its own.
                await source.waitForData(upTo: checkpointsCurrent ? Self.idleWait : pollInterval)
            }
            if ContinuousClock.now - lastCheckpoint >= checkpointInterval {
                let settled = ledger.outstanding == 0
                await saveCheckpoints(&known, source: reading, lastWrite: &lastWrite, force: false)
                lastCheckpoint = .now
                checkpointsCurrent = settled
            }
            readWait = .now
            if let read = try await following {
                next = read
            } else {
                next = try await reading.next(on: reader)
            }
        }
        if mode == .once && !stop.isStopped { await sink.flush() }
        try await sink.drain()
        await saveCheckpoints(&known, source: reading, lastWrite: &lastWrite, force: true)
    }

    /// Lines left out by `on_overlong: skip`: still accounted for, as a configured drop.
    private func addSkipped(_ skipped: Int) {
        guard skipped > 0 else { return }
        var counts = PipelineCounts()
        counts.lines = skipped
        counts.overlongLines = skipped
        counts.dropped["overlong"] = skipped
        statistics.add(counts)
    }

    /// Writes each source's acknowledged position (never merely read), with the
    /// marker of the bytes before it; entries of files followed now stay fresh,
    /// the others are forgotten after the grace period. The file is rewritten only
    /// when a position moved or an entry came or went (an idle pipeline with
    /// thousands of files costs nothing), else at most every `refreshInterval`.
    private func saveCheckpoints(_ known: inout [String: CheckpointStore.Entry], source: SourceAccess,
                                 lastWrite: inout ContinuousClock.Instant, force: Bool) async {
        let now = Date()
        let cursors = ledger.committedCursors()
        let positions = ledger.committedPositions()
        let (active, markers) = await source.markers(of: positions.mapValues(\.position), on: reader)
        var changed = force
        for (sourceID, committed) in positions {
            let marker = markers[sourceID].map(PositionMarker.text)
            let cursor = cursors[sourceID] ?? known[sourceID]?.cursor
            if var entry = known[sourceID] {
                if entry.position != committed.position || entry.path != committed.origin || entry.cursor != cursor {
                    changed = true
                }
                if entry.position != committed.position || entry.cursor != cursor {
                    entry.position = committed.position
                    entry.marker = marker
                    entry.cursor = cursor
                    entry.updated = now
                }
                if entry.path != committed.origin { entry.path = committed.origin }
                if active.contains(sourceID) { entry.updated = now }
                known[sourceID] = entry
            } else {
                changed = true
                known[sourceID] = CheckpointStore.Entry(sourceID: sourceID, path: committed.origin, position: committed.position,
                                                        marker: marker, cursor: cursor, updated: now)
            }
        }
        let before = known.count
        known = known.filter { now.timeIntervalSince($0.value.updated) < checkpointGrace }
        changed = changed || known.count != before
        guard changed || ContinuousClock.now - lastWrite >= Self.refreshInterval else { return }
        lastWrite = .now
        let (store, entries) = (checkpointStore, Array(known.values))
        let saved = await checkpointWriter.run { () -> Result<Void, CheckpointStore.Failure> in
            do throws(CheckpointStore.Failure) { try store.save(entries) } catch { return .failure(error) }
            return .success(())
        }
        if case .failure(let error) = saved { logger.error("\(error)") }
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// Lends a runner's source to its reading thread for one call at a time. The runner
/// awaits each call before it touches the source again, so the source (not
/// `Sendable`: it owns descriptors and buffers) is never used by two threads at once.
private struct SourceAccess: @unchecked Sendable {
    let source: any LineSource
    /// The same source when it reads files.
    let files: FileSource?

    /// The next batch, and the lines `on_overlong: skip` left out while reading it.
    func next(on thread: BlockingCaller) async throws -> (batch: LineBatch?, skipped: Int) {
        try await thread.run {
            Result { (try source.next(), files?.takeSkippedLines() ?? 0) }
        }.get()
    }

    /// The files followed now, and the marker of the bytes before each position.
    func markers(of positions: [String: UInt64], on thread: BlockingCaller) async -> (active: Set<String>, markers: [String: UInt64]) {
        guard files != nil else { return ([], [:]) }
        return await thread.run {
            guard let files = self.files else { return ([], [:]) }
            var markers: [String: UInt64] = [:]
            for (sourceID, position) in positions {
                markers[sourceID] = files.marker(sourceID: sourceID, position: position)
            }
            return (files.activeSourceIDs, markers)
        }
    }
}

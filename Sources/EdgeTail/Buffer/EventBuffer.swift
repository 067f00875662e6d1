import Foundation
import Logging
import Synchronization

/// The buffer between a sink's `submit` and its lanes: events wait in memory up to
/// `memory_bytes`; beyond that they are appended to disk segments, and a reader feeds
/// the lanes from the oldest segment as memory frees. Once anything is on disk, new
/// events go to disk too until the reader has caught up, so the order in which events
/// were submitted is the order in which the lanes see them, across memory, disk and
/// restarts.
///
/// An event is acknowledged to its source when delivered or dead-lettered (memory),
/// or once its record is fsynced (disk).
///
/// Back-pressure comes before the disk: while the endpoint accepts and nothing waits
/// on disk, a full memory means only that the sink is slower than the sources (a
/// backlog being read), and `submit` waits for room — the lines are safe in their
/// files, and writing, checksumming and reading them back would cost more CPU than
/// everything else together. Events go to disk when the endpoint fails (an outage),
/// once something is on disk already (order), or when a wait for room lasts
/// `spill_after` (a sink so slow that rotated files might go before they are read).
///
/// When neither tier has room, `when_full`
/// decides: `block` holds `submit` (and so the sources) until room frees; a full
/// disk (ENOSPC) is treated like `block` and retried each second.
///
/// How an acknowledgement travels, all of it in this actor: a pipeline's batch carries
/// one `Acknowledgement`, told once per event, that advances its source in the
/// `AcknowledgementLedger` (and so the checkpoint). An event spilled to disk tells it
/// in `syncSpilled`, after the fsync. An event in memory goes to a lane; the sink's
/// lane worker hands it back to `settle` once delivered or dead-lettered, which tells
/// its source — or, if it was parked during an outage (its source told then), counts
/// it in the parking segment. An event read from a segment is counted in that segment,
/// which is deleted once all its events are.
///
/// Its own work — the disk reader and the fsync timer — runs in `run()`, as child
/// tasks of the sink's `run()`, and ends with `close()`. Idle, neither wakes: the
/// reader waits for records or room, the timer for something to make durable.
actor EventBuffer {
    let configuration: BufferConfiguration
    let lanes: [EdgeLane]
    let statistics: EdgeSinkStatistics
    let logger: Logger
    private let disk: DiskSpill?
    /// Where events written to disk are recorded, and events an earlier run settled
    /// are found (then acknowledged here instead of sent again).
    private let deliveryLog: DeliveryLog?
    /// Keys of the newest segment left by the previous run (see `DiskSpill.Recovery`).
    private let recoveredKeys: Set<UInt64>
    private var checksEarlierRuns: Bool { !recoveredKeys.isEmpty || (deliveryLog?.previousCount ?? 0) > 0 }

    /// Bytes of event JSON handed to the lanes and not yet released.
    private var memoryHeld = 0
    private var memoryEvents = 0
    /// Source acknowledgements waiting for the next fsync, and the keys of their events.
    private var awaitingSync: [(Acknowledgement, Int)] = []
    private var awaitingSyncKeys: [UInt64] = []
    /// While the reader is handing records to the lanes, the disk is not caught up.
    private var readerBusy = false
    private var readerStopped = false
    /// False after shutdown began or the sink stopped: `submit` no longer waits for room.
    /// Set from outside the actor (`stopAccepting` is called from a stop signal's action).
    private let acceptance = Mutex(true)
    private var accepting: Bool { acceptance.withLock { $0 } }
    private var diskFullSince: ContinuousClock.Instant?
    /// Given when room may have freed: a `submit` waiting for room looks again.
    private let room = ChangeSignal()
    /// Given when the reader may have work: records spilled, memory freed, the endpoint back.
    private let readerWork = ChangeSignal()
    /// Given when the fsync timer may have work: records spilled, events waiting, a full disk.
    private let timerWork = ChangeSignal()
    /// Set once by `close()`: the reader and the timer end.
    private let closing = ChangeSignal()
    /// Where fsyncs of the segments run, off the cooperative pool (with a disk tier).
    private let durability: BlockingCaller?
    private var counts = BufferCounts()
    /// Events from sources get serial numbers, so they can be parked.
    private var nextSerial: UInt64 = 1
    /// The endpoint is failing: new events go to disk, and those waiting in memory
    /// were parked there, so sources keep checkpointing through the outage.
    private var outage = false
    /// Serials of source events in the lanes not yet settled (delivered or dead-lettered):
    /// only these may be parked, or written to disk at shutdown.
    private var unsettled = SerialSet()
    /// Serials of events parked during an outage, and the segment that holds each.
    private var parkedIn: [UInt64: UInt64] = [:]
    /// What events read from a segment carry: `settle` counts them in their segment,
    /// not through an acknowledgement.
    private static let countedInSegment = Acknowledgement(count: 0) {}
    /// Given whenever what the buffer holds may have shrunk (events released, segments
    /// acknowledged) or it stopped accepting: `EdgeSink.flush` waits on it for `isEmpty`.
    nonisolated let changes = ChangeSignal()
    /// The sink's: signalled when sources start or stop being held back.
    private let activity: ChangeSignal?

    /// - Parameter requestBytes: the sink's `max_bytes`. The memory budget is raised to
    ///   two full requests per lane when set lower, or lanes would linger half-empty.
    init(configuration: BufferConfiguration, directory: String, lanes: [EdgeLane], requestBytes: Int,
         deliveryLog: DeliveryLog? = nil, statistics: EdgeSinkStatistics, activity: ChangeSignal? = nil, logger: Logger) throws {
        var configuration = configuration
        let floor = 2 * lanes.count * requestBytes
        if configuration.memoryBytes < floor {
            logger.notice("buffer memory_bytes raised to two full requests per lane", metadata: [
                "configured": "\(configuration.memoryBytes)", "used": "\(floor)"])
            configuration.memoryBytes = floor
        }
        self.configuration = configuration
        self.lanes = lanes
        self.statistics = statistics
        self.logger = logger
        self.deliveryLog = deliveryLog
        self.activity = activity
        var recoveredKeys: [UInt64] = []
        if configuration.diskBytes > 0 {
            let disk = try DiskSpill(directory: directory, segmentBytes: configuration.segmentBytes, logger: logger)
            let recovery = try disk.recover()
            if recovery.segments > 0 {
                logger.info("buffer segments from the previous run are replayed first",
                            metadata: ["segments": "\(recovery.segments)", "events": "\(recovery.records)"])
            }
            recoveredKeys = recovery.newestSegmentKeys
            deliveryLog?.record(recoveredKeys, as: .buffered)
            counts.tornRecords = recovery.tornRecords
            counts.corruptSegments = recovery.corruptSegments.count
            self.disk = disk
            durability = BlockingCaller(name: "edgetail-fsync")
        } else {
            disk = nil
            durability = nil
        }
        self.recoveredKeys = Set(recoveredKeys)
    }

    /// The disk reader and the fsync timer, until `close()` or cancellation.
    func run() async {
        publish()
        await withTaskGroup(of: Void.self) { group in
            if disk != nil { group.addTask { await self.readLoop() } }
            group.addTask { await self.timerLoop() }
        }
    }

    // MARK: Submitting

    func submit(_ events: [PendingEvent]) async {
        var events = events
        if checksEarlierRuns {
            skipSettled(&events)
            if events.isEmpty { return }
        }
        let size = events.totalSize
        var waitingSince: ContinuousClock.Instant?
        while !Task.isCancelled {
            // Read before looking, so room freed meanwhile ends the wait below at once.
            let seen = room.generation
            if diskCaughtUp && (!outage || disk == nil) && (memoryHeld == 0 || memoryHeld + size <= configuration.memoryBytes) {
                // Numbered as they are split by lane, without another copy of the events.
                let first = nextSerial
                nextSerial += UInt64(events.count)
                unsettled.insert(first..<nextSerial)
                await handToLanes(events, size: size, numberingFrom: first)
                return
            }
            if disk != nil && diskCaughtUp && !outage && accepting {
                // Back-pressure: the sink delivers, only slower than the sources read.
                let since = waitingSince ?? .now
                waitingSince = since
                let limit = since + .milliseconds(Int(configuration.spillAfter * 1000))
                if ContinuousClock.now < limit {
                    await room.wait(after: seen, until: limit)
                    continue
                }
            }
            if let disk, diskWritable {
                let recordBytes = events.reduce(0) { $0 + BufferRecord.encodedSize(namespaceBytes: $1.namespace.utf8.count, jsonBytes: $1.size) }
                if disk.diskBytes + recordBytes <= configuration.diskBytes || disk.diskBytes == 0 {
                    if spill(events, to: disk) {
                        // `fsync: 0`: acknowledged only once durable, one fsync per batch.
                        if configuration.fsyncInterval == 0 { await syncSpilled() }
                        return
                    }
                } else if configuration.whenFull == .dropOldest, let dropped = disk.dropOldest() {
                    counts.drops["drop_oldest", default: 0] += dropped
                    statistics.recordBufferDrop(reason: "drop_oldest", count: dropped)
                    logger.warning("buffer full: oldest segment dropped", metadata: ["events": "\(dropped)"])
                    publish()
                    continue
                }
            }
            if !accepting {
                if counts.blocked {
                    counts.blocked = false
                    publish()
                    activity?.signal()
                }
                return
            }
            if configuration.whenFull == .block || !diskWritable {
                // A full disk holds the sources whatever `when_full` says: nothing is
                // dropped for a condition that clears by itself.
                // Logged once by the sink's state watcher (`sink buffer full; sources wait`).
                if !counts.blocked {
                    counts.blocked = true
                    publish()
                    timerWork.signal()
                    activity?.signal()
                }
                await room.wait(after: seen)
            } else {
                // `drop_newest`, or `drop_oldest` with no segment left to drop.
                counts.drops["drop_newest", default: 0] += events.count
                statistics.recordBufferDrop(reason: "drop_newest", count: events.count)
                for event in events { event.acknowledgement.acknowledge() }
                publish()
                return
            }
        }
    }

    /// False for a second after the disk reported itself full.
    private var diskWritable: Bool {
        guard let since = diskFullSince else { return true }
        return ContinuousClock.now - since >= .seconds(1)
    }

    private var diskCaughtUp: Bool {
        guard let disk else { return true }
        return !readerBusy && disk.unreadRecords == 0
    }

    private func handToLanes(_ events: [PendingEvent], size: Int, numberingFrom firstSerial: UInt64? = nil) async {
        memoryHeld += size
        memoryEvents += events.count
        timerWork.signal()
        for (index, events) in events.splitByLane(lanes.count, numberingFrom: firstSerial).enumerated() where !events.isEmpty {
            await lanes[index].enqueue(events)
        }
    }

    /// Takes out the events an earlier run settled and acknowledges them: a line read
    /// again whose event was delivered or waits in a segment, a segment record that was
    /// delivered. Their keys are written again so a later crash still finds them.
    private func skipSettled(_ events: inout [PendingEvent]) {
        var delivered: [UInt64] = []
        var buffered: [UInt64] = []
        events.removeAll { event in
            guard let key = DeliveryLog.key(ofEvent: event.json) else { return false }
            if deliveryLog?.deliveredBefore(key) == true {
                delivered.append(key)
            } else if !event.fromDisk && (recoveredKeys.contains(key) || deliveryLog?.settledBefore(key) == true) {
                // Waiting in a segment: the record is sent, this copy is not.
                buffered.append(key)
            } else {
                return false
            }
            if let segment = acknowledge(event) { disk?.acknowledge(segment: segment, count: 1) }
            return true
        }
        guard !delivered.isEmpty || !buffered.isEmpty else { return }
        deliveryLog?.record(delivered, as: .delivered)
        deliveryLog?.record(buffered, as: .buffered)
        statistics.recordResendsAvoided(delivered.count + buffered.count)
    }

    /// Events just written to a segment: a restart that reads their lines again finds them there.
    private func recordBuffered(_ events: [PendingEvent]) {
        deliveryLog?.record(events.compactMap { DeliveryLog.key(ofEvent: $0.json) }, as: .buffered)
    }

    /// Writes events to the newest segment; false when the disk is full.
    private func spill(_ events: [PendingEvent], to disk: DiskSpill) -> Bool {
        let now = Date().timeIntervalSince1970
        let bytes = Self.records(events, now: now)
        do {
            try disk.append(bytes, records: events.count, writtenAt: now)
        } catch {
            diskFull(error)
            return false
        }
        if diskFullSince != nil {
            diskFullSince = nil
            logger.info("buffer disk writable again")
        }
        counts.spilledEvents += events.count
        counts.spilledBytes += bytes.count
        // Recorded as buffered only once fsynced, like the acknowledgement: a record
        // lost with the page cache must not make a restart skip its line.
        awaitingSyncKeys += events.compactMap { DeliveryLog.key(ofEvent: $0.json) }
        // Events of one source batch share an acknowledgement: one entry per run of them.
        for event in events {
            if let last = awaitingSync.last, last.0 === event.acknowledgement {
                awaitingSync[awaitingSync.count - 1].1 += 1
            } else {
                awaitingSync.append((event.acknowledgement, 1))
            }
        }
        wakeReader()
        timerWork.signal()
        publish()
        return true
    }

    /// The events as buffer records, each with the time it entered the buffer.
    private static func records(_ events: [PendingEvent], now: Double) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(events.reduce(0) { $0 + $1.size + 64 })
        for event in events {
            BufferRecord.append(writtenAt: event.enteredAt > 0 ? event.enteredAt : now, identityHash: event.identityHash,
                                namespace: event.namespace, json: event.json, to: &bytes)
        }
        return bytes
    }

    private func diskFull(_ error: SegmentError) {
        if diskFullSince == nil {
            logger.error("cannot write the buffer to disk; sources wait and the write is retried each second",
                         metadata: ["error": "\(error)"])
        }
        diskFullSince = .now
        timerWork.signal()
    }

    // MARK: Settling

    /// Events delivered or dead-lettered (by a lane's worker, as each request settles):
    /// their source is told, or their segment counts them; finished segments are deleted.
    /// `accepted`: the endpoint took them (a 2xx), which ends an outage — told here
    /// rather than in a hop of its own, one fewer per request.
    func settle(_ events: [PendingEvent], accepted: Bool = false) {
        if accepted { endpointAccepting() }
        // Counted per run of one segment's events, and told per run of one source
        // batch's events: a request's events mostly share both.
        var run: (segment: UInt64, count: Int)?
        var told: (acknowledgement: Acknowledgement, count: Int)?
        for event in events {
            switch takeSettlement(of: event) {
            case .segment(let segment):
                if let current = run, current.segment != segment {
                    disk?.acknowledge(segment: current.segment, count: current.count)
                    run = nil
                }
                run = (segment, (run?.count ?? 0) + 1)
            case .source:
                if let current = told, current.acknowledgement !== event.acknowledgement {
                    current.acknowledgement.acknowledge(current.count)
                    told = nil
                }
                told = (event.acknowledgement, (told?.count ?? 0) + 1)
            case .none:
                continue
            }
        }
        if let told { told.acknowledgement.acknowledge(told.count) }
        guard let run else { return }
        disk?.acknowledge(segment: run.segment, count: run.count)
        // Finished segments are deleted: room for sources held back, and news for `flush`.
        wakeSubmitters()
        publish()
        changes.signal()
    }

    private enum Settlement {
        /// Counted in the segment it was read from or parked in.
        case segment(UInt64)
        /// Told to its source's acknowledgement.
        case source
        /// Settled already (parked, then written at shutdown).
        case none
    }

    /// Where a settled event is acknowledged: the segment it was read from or parked
    /// in, else its source, once. It forgets the event as unsettled (and parked), so a
    /// second call for the same event says `.none`.
    private func takeSettlement(of event: PendingEvent) -> Settlement {
        if event.fromDisk { return .segment(event.segment) }
        if !parkedIn.isEmpty, let segment = parkedIn.removeValue(forKey: event.serial) {
            unsettled.remove(event.serial)
            return .segment(segment)
        }
        // Serial 0: a source event skipped before it was numbered (`skipSettled`).
        return unsettled.remove(event.serial) || event.serial == 0 ? .source : .none
    }

    /// Acknowledges one event where `takeSettlement(of:)` says; returns its segment, for
    /// the caller to count.
    private func acknowledge(_ event: PendingEvent) -> UInt64? {
        switch takeSettlement(of: event) {
        case .segment(let segment): return segment
        case .source: event.acknowledgement.acknowledge()
        case .none: break
        }
        return nil
    }

    // MARK: Releasing

    /// A lane finished with events (settled, or given up at shutdown): their memory is free.
    func released(_ events: [PendingEvent]) {
        memoryHeld -= events.totalSize
        memoryEvents -= events.count
        wakeSubmitters()
        wakeReader()
        changes.signal()
    }

    private func wakeSubmitters() {
        if counts.blocked {
            counts.blocked = false
            publish()
            activity?.signal()
        }
        room.signal()
    }

    // MARK: Reading the disk

    private func readLoop() async {
        guard let disk else { return }
        while !Task.isCancelled && !readerStopped {
            // Read before looking, so work signalled meanwhile ends the wait at once.
            let seen = readerWork.generation
            let room = configuration.memoryBytes - memoryHeld
            guard memoryHeld == 0 || room >= configuration.memoryBytes / 4 else {
                await readerWork.wait(after: seen)
                continue
            }
            let batch: (segment: UInt64, records: [BufferRecord])?
            do {
                batch = try disk.read(maxBytes: max(room, 1 << 10))
            } catch {
                logger.error("cannot read the buffer: \(error)")
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            guard let batch, !batch.records.isEmpty else {
                // Caught up: close the segment being written so it can be deleted once
                // delivered, and let new events use memory again.
                if !disk.segments.isEmpty, disk.segments.last?.sealed == false {
                    disk.roll()
                    timerWork.signal()
                }
                wakeSubmitters()
                publish()
                await readerWork.wait(after: seen)
                continue
            }
            readerBusy = true
            let events = batch.records.map { record in
                PendingEvent(bytes: record.json, range: ByteRange(0, record.json.count),
                             acknowledgement: Self.countedInSegment, namespace: record.namespace,
                             identityHash: record.identityHash, enteredAt: record.writtenAt, fromDisk: true, segment: batch.segment)
            }
            var fresh = events
            if checksEarlierRuns { skipSettled(&fresh) }
            await handToLanes(fresh, size: fresh.totalSize)
            readerBusy = false
            publish()
        }
    }

    private func wakeReader() {
        readerWork.signal()
    }

    // MARK: The fsync timer

    /// Every fsync interval while something is unsynced, waits or is held back: makes
    /// records durable, retries a full disk, refreshes the counts. With nothing of
    /// that kind it sleeps until `timerWork` is signalled, so an idle buffer never wakes.
    private func timerLoop() async {
        let interval = Duration.milliseconds(max(Int(configuration.fsyncInterval * 1000), 50))
        while !Task.isCancelled && !closing.hasChanged {
            let seen = timerWork.generation
            if timerHasWork {
                await closing.wait(after: 0, until: ContinuousClock.now + interval)
                if closing.hasChanged { return }
                await tick()
                await refreshOldestAge()
            } else {
                // The last refresh may have seen events that are gone now.
                if counts.oldestEventAgeSeconds != nil { await refreshOldestAge() }
                await timerWork.wait(after: seen)
            }
        }
    }

    private var timerHasWork: Bool {
        !awaitingSync.isEmpty || (disk?.hasUnsynced ?? false) || diskFullSince != nil || counts.blocked || !isEmpty
    }

    /// Each fsync interval: make spilled records durable and acknowledge them; retry
    /// a full disk; refresh the counts.
    private func tick() async {
        await syncSpilled()
        if diskFullSince != nil || counts.blocked { wakeSubmitters() }
        publish()
    }

    /// Makes the records spilled so far durable — one fsync, on the buffer's own
    /// thread, so a slow disk holds no thread of the cooperative pool — and then
    /// acknowledges them. Records spilled while it waits wait for the next one.
    private func syncSpilled() async {
        guard let disk, let durability, !awaitingSync.isEmpty || disk.hasUnsynced else { return }
        let covered = awaitingSync
        let coveredKeys = awaitingSyncKeys
        awaitingSync.removeAll()
        awaitingSyncKeys.removeAll()
        do throws(SegmentError) {
            // Empty when a seal made everything durable already.
            try await fsync(disk.detachedSyncs(), of: disk, on: durability)
            deliveryLog?.record(coveredKeys, as: .buffered)
            for (acknowledgement, count) in covered { acknowledgement.acknowledge(count) }
        } catch {
            awaitingSync = covered + awaitingSync
            awaitingSyncKeys = coveredKeys + awaitingSyncKeys
            diskFull(error)
        }
    }

    /// Runs the fsyncs of `detachedSyncs` on the buffer's thread and tells the segments
    /// what became durable.
    private func fsync(_ targets: [(writer: SegmentWriter, descriptor: Int32, size: Int)], of disk: DiskSpill,
                       on durability: BlockingCaller) async throws(SegmentError) {
        guard !targets.isEmpty else { return }
        let descriptors = targets.map(\.descriptor)
        let failures = await durability.run { descriptors.map(SegmentWriter.syncAndClose) }
        for (target, failure) in zip(targets, failures) where failure == 0 { disk.synced(target.writer, upTo: target.size) }
        if let failed = zip(targets, failures).first(where: { $0.1 != 0 }) {
            throw SegmentError(path: failed.0.writer.path, operation: "fsync", code: failed.1)
        }
    }

    /// Makes everything written durable and closes the segment being written, the
    /// fsyncs on the buffer's thread (at shutdown, and before writing ahead of it).
    private func sealDurably(_ disk: DiskSpill, on durability: BlockingCaller) async throws(SegmentError) {
        // Records appended while an fsync runs are covered by the next round.
        while !disk.closeIfDurable() {
            try await fsync(disk.detachedSyncs(), of: disk, on: durability)
        }
    }

    /// Writes records as a segment of their own ahead of every other (their events are
    /// older than anything on disk), durably, on the buffer's thread; returns its id.
    private func writeAhead(_ bytes: [UInt8], records: Int, writtenAt: Double, alreadyRead: Bool, disk: DiskSpill,
                            on durability: BlockingCaller) async throws(SegmentError) -> UInt64 {
        let id = disk.reserveAheadID(bytes: bytes.count)
        let path = disk.path(of: id)
        let directory = disk.directory
        let written = await durability.run { () -> Result<Int, SegmentError> in
            do throws(SegmentError) {
                let size = try DiskSpill.writeDurably(path: path, bytes: bytes)
                DiskSpill.syncDirectory(directory)
                return .success(size)
            } catch {
                return .failure(error)
            }
        }
        switch written {
        case .success(let size):
            disk.insertAhead(id: id, size: size, records: records, writtenAt: writtenAt, alreadyRead: alreadyRead)
            return id
        case .failure(let error):
            disk.abandonAhead(id: id)
            throw error
        }
    }

    // MARK: Outages

    /// A request failed in a way that is retried. The first failure of an outage
    /// parks the events waiting in memory on disk (their sources are acknowledged,
    /// so checkpoints advance and a restart does not read them again) and sends
    /// new events to disk until the endpoint accepts again.
    func endpointFailing() async {
        guard let disk, !outage else { return }
        outage = true
        logger.warning("endpoint failing: events go to the disk buffer until it accepts again")
        // Sources waiting for room now write to disk instead.
        wakeSubmitters()
        await park(on: disk)
    }

    private func endpointAccepting() {
        guard outage else { return }
        outage = false
        logger.info("endpoint accepting again")
        wakeReader()
    }

    private func park(on disk: DiskSpill) async {
        guard let durability else { return }
        var waiting: [PendingEvent] = []
        for lane in lanes { waiting += await lane.waitingFromSources() }
        waiting = waiting.filter { unsettled.contains($0.serial) && parkedIn[$0.serial] == nil }
        // Within the disk budget: what does not fit stays in memory, its sources unacknowledged.
        var diskRoom = configuration.diskBytes - disk.diskBytes
        if let fitting = waiting.firstIndex(where: { event in
            diskRoom -= BufferRecord.encodedSize(namespaceBytes: event.namespace.utf8.count, jsonBytes: event.size)
            return diskRoom < 0
        }) {
            waiting.removeSubrange(fitting...)
        }
        guard !waiting.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        let bytes = Self.records(waiting, now: now)
        let segment: UInt64
        do {
            segment = try await writeAhead(bytes, records: waiting.count, writtenAt: now, alreadyRead: true, disk: disk,
                                           on: durability)
        } catch {
            diskFull(error)
            return
        }
        // From here on nothing awaits. While the segment was written the lanes went on:
        // an event settled meanwhile told its source then, and only counts in the
        // segment now; the others are parked and their sources told, exactly once.
        var parked: [PendingEvent] = []
        for event in waiting where unsettled.contains(event.serial) && parkedIn[event.serial] == nil {
            parkedIn[event.serial] = segment
            event.acknowledgement.acknowledge()
            parked.append(event)
        }
        if parked.count < waiting.count { disk.acknowledge(segment: segment, count: waiting.count - parked.count) }
        recordBuffered(parked)
        counts.spilledEvents += waiting.count
        counts.spilledBytes += bytes.count
        logger.info("events waiting in memory parked on disk", metadata: ["events": "\(parked.count)"])
        publish()
    }

    /// Nothing waits in memory or on disk (spilled records not yet read included).
    var isEmpty: Bool {
        memoryEvents == 0 && (disk?.pendingRecords ?? 0) == 0
    }

    // MARK: Shutdown

    /// Frees every `submit` waiting for room, without taking its events.
    nonisolated func stopAccepting() {
        acceptance.withLock { $0 = false }
        room.signal()
        changes.signal()
    }

    /// Stops feeding the lanes from disk and makes everything written durable.
    func stopReading() async {
        readerStopped = true
        wakeReader()
        await tick()
    }

    /// After the shutdown timeout: events that were in memory and not delivered are
    /// written ahead of the disk segments (they are older than anything there) and
    /// acknowledged, so their sources may checkpoint past them. Events that came
    /// from disk are still in their segments.
    /// Returns how many were written, and how many could not be (read again next start).
    func persistUndelivered(_ events: [PendingEvent]) async -> (written: Int, notWritten: Int) {
        let fromMemory = events.filter { !$0.fromDisk && unsettled.contains($0.serial) && parkedIn[$0.serial] == nil }
        guard !fromMemory.isEmpty else { return (0, 0) }
        guard let disk, let durability else { return (0, fromMemory.count) }
        let now = Date().timeIntervalSince1970
        let bytes = Self.records(fromMemory, now: now)
        do {
            try await sealDurably(disk, on: durability)
            _ = try await writeAhead(bytes, records: fromMemory.count, writtenAt: now, alreadyRead: false, disk: disk,
                                     on: durability)
        } catch {
            logger.error("cannot write undelivered events to disk at shutdown; their lines are read again on the next start",
                         metadata: ["error": "\(error)"])
            return (0, fromMemory.count)
        }
        // The lanes have stopped by now; an event settled while the segment was written
        // anyway told its source then (the copy on disk is skipped next start, its key
        // being in the delivery log).
        let written = fromMemory.filter { unsettled.contains($0.serial) && parkedIn[$0.serial] == nil }
        recordBuffered(written)
        for event in written {
            unsettled.remove(event.serial)
            event.acknowledgement.acknowledge()
        }
        return (fromMemory.count, 0)
    }

    /// Final durability at shutdown; `run()` ends.
    func close() async {
        readerStopped = true
        closing.signal()
        readerWork.signal()
        timerWork.signal()
        await tick()
        if let disk, let durability {
            do { try await sealDurably(disk, on: durability) } catch { logger.error("cannot close the buffer segment: \(error)") }
            let directory = disk.directory
            await durability.run { DiskSpill.syncDirectory(directory) }
            disk.unlock()
        }
        publish()
    }

    // MARK: Counts

    private func publish() {
        counts.memoryBytes = memoryHeld
        counts.memoryEvents = memoryEvents
        counts.diskBytes = disk?.diskBytes ?? 0
        counts.diskEvents = disk?.pendingRecords ?? 0
        counts.diskSegments = disk?.segments.count ?? 0
        let snapshot = counts
        statistics.update { $0.buffer = snapshot }
    }

    /// The age of the oldest waiting event, from the lanes and the disk.
    func refreshOldestAge() async {
        var oldest = disk?.oldestWrittenAt
        for lane in lanes {
            if let entered = await lane.oldestEnteredAt, entered > 0 { oldest = min(oldest ?? entered, entered) }
        }
        counts.oldestEventAgeSeconds = oldest.map { max(0, Date().timeIntervalSince1970 - $0) }
        publish()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging

/// The disk tier of a sink's buffer: numbered segment files in `data_dir/buffer/SINK/`,
/// written at the newest and read from the oldest, so order is kept across restarts.
/// A segment is deleted once every one of its records is delivered or dead-lettered.
///
/// Not thread-safe: it belongs to one `EventBuffer` actor.
final class DiskSpill {
    final class Segment {
        let id: UInt64
        let path: String
        var size: Int
        var records: Int
        /// Records handed to the lanes so far, and those of them acknowledged.
        var readRecords = 0
        var acknowledged = 0
        var sealed: Bool
        var firstWrittenAt: Double?

        init(id: UInt64, path: String, size: Int, records: Int, sealed: Bool, firstWrittenAt: Double?) {
            self.id = id
            self.path = path
            self.size = size
            self.records = records
            self.sealed = sealed
            self.firstWrittenAt = firstWrittenAt
        }

        var finished: Bool { sealed && readRecords == records && acknowledged >= records }
    }

    /// What start-up found and did.
    struct Recovery {
        var segments = 0
        var records = 0
        var tornRecords = 0
        var corruptSegments: [String] = []
        /// Keys of the events in the newest segment: the one being written at a crash,
        /// whose last records were not yet fsynced, so their lines may be read again.
        var newestSegmentKeys: [UInt64] = []
    }

    let directory: String
    let corruptDirectory: String
    let segmentBytes: Int
    private(set) var segments: [Segment] = []
    private var writer: SegmentWriter?
    /// Segments closed for writing whose last records are not fsynced yet: the next
    /// interval's fsync, on the buffer's own thread, covers them with the current one.
    private var rolled: [SegmentWriter] = []
    private var reader: SegmentReader?
    private var readerSegmentID: UInt64?
    /// The next id `reserveAheadID` may give: ids below every segment's, never given twice.
    private var nextAheadID = DiskSpill.firstID - 1
    /// Bytes of segments reserved by `reserveAheadID` and not registered or given up yet.
    private var aheadReservations: [UInt64: Int] = [:]
    /// Held for the life of the buffer: two processes must never share one.
    private var lockDescriptor: Int32
    let logger: Logger

    /// Segments are numbered from here up; a shutdown may write below the first.
    static let firstID: UInt64 = 1 << 32

    init(directory: String, segmentBytes: Int, logger: Logger) throws {
        self.directory = directory
        corruptDirectory = directory + "/corrupt"
        self.segmentBytes = segmentBytes
        self.logger = logger
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lockPath = directory + "/lock"
        lockDescriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockDescriptor >= 0 else { throw SegmentError(path: lockPath, operation: "create", code: errno) }
        guard flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(lockDescriptor)
            throw BufferInUse(directory: directory)
        }
    }

    deinit { unlock() }

    /// Lets another process use the buffer (after shutdown).
    func unlock() {
        guard lockDescriptor >= 0 else { return }
        close(lockDescriptor)
        lockDescriptor = -1
    }

    /// Another process (or sink) already uses this buffer directory.
    struct BufferInUse: Error, CustomStringConvertible {
        var directory: String
        var description: String {
            "the buffer \(directory) is in use by another edgetail process; give each process its own data_dir"
        }
    }

    static func fileName(_ id: UInt64) -> String {
        let digits = String(id)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".seg"
    }

    /// Segment files of a buffer directory, oldest first.
    static func segmentFiles(in directory: String) -> [(id: UInt64, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> (UInt64, String)? in
            guard name.hasSuffix(".seg"), let id = UInt64(name.dropLast(4)) else { return nil }
            return (id, directory + "/" + name)
        }.sorted { $0.0 < $1.0 }
    }

    /// Finds the segments a previous run left, cuts torn tails, and moves damaged
    /// segments aside (keeping their valid records in place of the original).
    func recover() throws -> Recovery {
        var recovery = Recovery()
        let files = Self.segmentFiles(in: directory)
        for (id, path) in files {
            let newest = id == files.last?.id
            let scan = try SegmentScan.scan(path: path, collectKeys: newest)
            if newest { recovery.newestSegmentKeys = scan.keys }
            switch scan.problem {
            case .none:
                break
            case .tornTail:
                recovery.tornRecords += 1
                logger.warning("buffer segment ends in a torn record (a crash during a write); cut back to its last whole record",
                               metadata: ["segment": "\(path)", "validBytes": "\(scan.validBytes)", "fileBytes": "\(scan.fileBytes)"])
                guard truncate(path, off_t(scan.validBytes)) == 0 else { throw SegmentError(path: path, operation: "truncate", code: errno) }
            case .corrupt(let reason):
                try FileManager.default.createDirectory(atPath: corruptDirectory, withIntermediateDirectories: true)
                let aside = corruptDirectory + "/" + Self.fileName(id) + ".\(Int(Date().timeIntervalSince1970))"
                try FileManager.default.moveItem(atPath: path, toPath: aside)
                recovery.corruptSegments.append(aside)
                logger.error("buffer segment is damaged; moved aside, its \(scan.records) whole records before the damage are kept",
                             metadata: ["segment": "\(path)", "movedTo": "\(aside)", "reason": "\(reason)"])
                if scan.records > 0 {
                    try copyPrefix(of: aside, bytes: scan.validBytes, to: path)
                } else {
                    continue
                }
            }
            if scan.records == 0 {
                unlink(path)
                continue
            }
            if newest {
                // What the crashed run wrote last may sit in the page cache only: make it durable now.
                let descriptor = open(path, O_RDONLY | O_CLOEXEC)
                if descriptor >= 0 {
                    fsync(descriptor)
                    close(descriptor)
                }
            }
            segments.append(Segment(id: id, path: path, size: scan.validBytes, records: scan.records, sealed: true,
                                    firstWrittenAt: scan.firstWrittenAt))
            recovery.segments += 1
            recovery.records += scan.records
        }
        return recovery
    }

    private func copyPrefix(of source: String, bytes: Int, to destination: String) throws {
        guard let input = FileHandle(forReadingAtPath: source) else { throw SegmentError(path: source, operation: "open", code: errno) }
        defer { try? input.close() }
        let data = try input.read(upToCount: bytes) ?? Data()
        let writer = try SegmentWriter(path: destination)
        try writer.append([UInt8](data))
        try writer.sync()
    }

    /// Bytes on disk, and those of segments being written ahead (reserved, so that what
    /// is spilled meanwhile stays within the budget with them).
    var diskBytes: Int { segments.reduce(aheadReservations.values.reduce(0, +)) { $0 + $1.size } }
    var unreadRecords: Int { segments.reduce(0) { $0 + $1.records - $1.readRecords } }
    var pendingRecords: Int { segments.reduce(0) { $0 + $1.records - $1.acknowledged } }
    var oldestWrittenAt: Double? { segments.first?.firstWrittenAt }
    var hasUnsynced: Bool { (writer?.unsynced ?? false) || rolled.contains(where: \.unsynced) }

    /// Appends encoded records; a new segment is started when the current one is full.
    func append(_ bytes: [UInt8], records: Int, writtenAt: Double) throws(SegmentError) {
        if let writer, writer.size > 0, writer.size + bytes.count > segmentBytes {
            roll()
        }
        if writer == nil {
            let id = (segments.last?.id).map { $0 + 1 } ?? Self.firstID
            let path = directory + "/" + Self.fileName(id)
            writer = try SegmentWriter(path: path)
            segments.append(Segment(id: id, path: path, size: 0, records: 0, sealed: false, firstWrittenAt: nil))
        }
        guard let writer, let segment = segments.last else { return }
        try writer.append(bytes)
        segment.size = writer.size
        segment.records += records
        if segment.firstWrittenAt == nil { segment.firstWrittenAt = writtenAt }
    }

    /// Makes what was written durable.
    func sync() throws(SegmentError) {
        try writer?.sync()
    }

    /// What fsyncs on another thread must cover to make what was written durable
    /// (see `SegmentWriter.detachedSync`): the segments rolled since the last one and
    /// the segment being written. Tell each writer once its fsync is done
    /// (`synced(_:upTo:)`). Empty when nothing waits to be made durable.
    func detachedSyncs() throws(SegmentError) -> [(writer: SegmentWriter, descriptor: Int32, size: Int)] {
        var targets: [(writer: SegmentWriter, descriptor: Int32, size: Int)] = []
        do throws(SegmentError) {
            for writer in rolled + (writer.map { [$0] } ?? []) {
                guard let target = try writer.detachedSync() else { continue }
                targets.append((writer, target.descriptor, target.size))
            }
        } catch {
            for target in targets { close(target.descriptor) }
            throw error
        }
        return targets
    }

    /// An fsync done elsewhere made the first `size` bytes of `writer`'s segment
    /// durable; rolled segments durable to their end are let go.
    func synced(_ writer: SegmentWriter, upTo size: Int) {
        writer.synced(upTo: size)
        rolled.removeAll { !$0.unsynced }
    }

    /// Closes the segment being written without waiting for its fsync, which the next
    /// interval's fsync does off the cooperative pool; the next append starts a new one.
    func roll() {
        guard let writer else { return }
        if writer.unsynced { rolled.append(writer) }
        self.writer = nil
        segments.last?.sealed = true
        removeFinished()
    }

    /// Up to `maxBytes` of the oldest unread records (at least one when there is one),
    /// and the segment they come from.
    func read(maxBytes: Int) throws(SegmentError) -> (segment: UInt64, records: [BufferRecord])? {
        guard let segment = segments.first(where: { $0.readRecords < $0.records }) else { return nil }
        if readerSegmentID != segment.id || reader == nil {
            let opened = try SegmentReader(path: segment.path)
            // Skip what was handed out already (a reader reopened after a seal).
            for _ in 0..<segment.readRecords {
                guard case .record = try opened.next(end: segment.size) else { break }
            }
            reader = opened
            readerSegmentID = segment.id
        }
        guard let reader else { return nil }
        var records: [BufferRecord] = []
        var bytes = 0
        while segment.readRecords < segment.records, records.isEmpty || bytes < maxBytes {
            switch try reader.next(end: segment.size) {
            case .record(let record):
                records.append(record)
                bytes += record.json.count
                segment.readRecords += 1
            case .end:
                // Written records not yet visible cannot happen: sizes follow writes.
                segment.records = segment.readRecords
            case .damaged(let offset, let reason):
                logger.error("buffer segment damaged while running; its remaining records are skipped",
                             metadata: ["segment": "\(segment.path)", "offset": "\(offset)", "reason": "\(reason)"])
                segment.records = segment.readRecords
            }
        }
        if segment.readRecords == segment.records && segment.sealed {
            self.reader = nil
            readerSegmentID = nil
        }
        return (segment.id, records)
    }

    /// Records of a segment delivered or dead-lettered; finished segments are deleted.
    func acknowledge(segment id: UInt64, count: Int) {
        guard let segment = segments.first(where: { $0.id == id }) else { return }
        segment.acknowledged += count
        removeFinished()
    }

    /// Deletes the oldest segment nothing was read from yet (for `drop_oldest`);
    /// returns how many records it held.
    func dropOldest() -> Int? {
        guard let index = segments.firstIndex(where: { $0.readRecords == 0 && $0.sealed }) else { return nil }
        let segment = segments.remove(at: index)
        unlink(segment.path)
        return segment.records
    }

    /// The id of a segment to be written ahead of every other one (at shutdown, for
    /// events that were in memory and are older than anything on disk; or when they are
    /// parked during an outage), reserved now: the caller writes it with `writeDurably`
    /// off the buffer's actor and registers it with `insertAhead`, or gives it up with
    /// `abandonAhead`. Its `bytes` count in `diskBytes` from now on.
    func reserveAheadID(bytes: Int) -> UInt64 {
        let id = min(nextAheadID, (segments.first?.id ?? Self.firstID) - 1)
        nextAheadID = id - 1
        aheadReservations[id] = bytes
        return id
    }

    /// A reserved segment was not written.
    func abandonAhead(id: UInt64) {
        aheadReservations[id] = nil
    }

    func path(of id: UInt64) -> String {
        directory + "/" + Self.fileName(id)
    }

    /// Writes `bytes` as a new segment file and fsyncs it; its size. On any thread: it
    /// touches no state of a `DiskSpill`. A failed write leaves no file behind.
    static func writeDurably(path: String, bytes: [UInt8]) throws(SegmentError) -> Int {
        let writer = try SegmentWriter(path: path)
        do throws(SegmentError) {
            try writer.append(bytes)
            try writer.sync()
        } catch {
            unlink(path)
            throw error
        }
        return writer.size
    }

    /// Registers a segment written durably ahead of the others.
    /// - Parameter alreadyRead: its events are in the lanes already (parked during an
    ///   outage): the reader skips them; only a restart replays them.
    func insertAhead(id: UInt64, size: Int, records: Int, writtenAt: Double, alreadyRead: Bool) {
        aheadReservations[id] = nil
        let segment = Segment(id: id, path: path(of: id), size: size, records: records, sealed: true, firstWrittenAt: writtenAt)
        if alreadyRead { segment.readRecords = records }
        segments.insert(segment, at: segments.firstIndex { $0.id > id } ?? segments.count)
    }

    /// Closes the segment being written, once nothing written waits for an fsync (made
    /// durable elsewhere through `detachedSyncs`); false while something does.
    func closeIfDurable() -> Bool {
        guard writer?.unsynced != true, !rolled.contains(where: \.unsynced) else { return false }
        rolled.removeAll()
        if writer != nil {
            writer = nil
            segments.last?.sealed = true
            removeFinished()
        }
        return true
    }

    /// Makes new and removed segment names durable.
    func syncDirectory() {
        Self.syncDirectory(directory)
    }

    /// The same, on any thread.
    static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
    }

    private func removeFinished() {
        while let segment = segments.first(where: \.finished) {
            if readerSegmentID == segment.id {
                reader = nil
                readerSegmentID = nil
            }
            unlink(segment.path)
            segments.removeAll { $0.id == segment.id }
        }
    }
}

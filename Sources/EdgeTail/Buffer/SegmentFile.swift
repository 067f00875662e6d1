#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Why a segment file could not be written or read.
public struct SegmentError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var operation: String
    public var code: Int32

    /// The disk (or the file system's quota) is full: wait and try again.
    public var isDiskFull: Bool { code == ENOSPC || code == EDQUOT }

    public var description: String {
        "cannot \(operation) buffer segment \(path): \(String(cString: strerror(code)))"
    }
}

/// Appends records to one segment file. A failed write is undone (the file is cut
/// back to where it was), so a full disk never leaves half a record behind.
final class SegmentWriter {
    let path: String
    private let descriptor: Int32
    private(set) var size: Int
    /// Bytes known to be durable.
    private var syncedSize: Int
    var unsynced: Bool { syncedSize < size }

    init(path: String) throws(SegmentError) {
        self.path = path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SegmentError(path: path, operation: "create", code: errno) }
        self.descriptor = descriptor
        var status = stat()
        size = fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
        syncedSize = size
    }

    deinit { close(descriptor) }

    func append(_ bytes: [UInt8]) throws(SegmentError) {
        let before = size
        var written = 0
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let result = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                written += result
            }
        }
        if failure != 0 {
            _ = ftruncate(descriptor, off_t(before))
            throw SegmentError(path: path, operation: "write", code: failure)
        }
        size += written
    }

    func sync() throws(SegmentError) {
        guard unsynced else { return }
        guard fsync(descriptor) == 0 else { throw SegmentError(path: path, operation: "fsync", code: errno) }
        syncedSize = size
    }

    /// For an fsync on another thread: a descriptor of the same file that the caller
    /// closes (so closing the segment meanwhile cannot pull it away), and the size it
    /// will cover. Nil when everything is durable already.
    func detachedSync() throws(SegmentError) -> (descriptor: Int32, size: Int)? {
        guard unsynced else { return nil }
        let copy = dup(descriptor)
        guard copy >= 0 else { throw SegmentError(path: path, operation: "fsync", code: errno) }
        return (copy, size)
    }

    /// The fsync of a `detachedSync` descriptor, which it closes; 0 or the errno.
    static func syncAndClose(_ descriptor: Int32) -> Int32 {
        defer { close(descriptor) }
        return fsync(descriptor) == 0 ? 0 : errno
    }

    /// An fsync done elsewhere made the first `size` bytes durable.
    func synced(upTo size: Int) {
        syncedSize = max(syncedSize, size)
    }
}

/// Reads a segment's records in order, through a window of a few hundred KiB, so a
/// replay never holds a whole segment in memory.
final class SegmentReader {
    let path: String
    private let descriptor: Int32
    private(set) var offset: Int
    private var window: [UInt8] = []
    private var windowStart = 0

    static let windowBytes = 256 << 10

    init(path: String, offset: Int = 0) throws(SegmentError) {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SegmentError(path: path, operation: "open", code: errno) }
        self.descriptor = descriptor
        self.offset = offset
    }

    deinit { close(descriptor) }

    enum Step {
        case record(BufferRecord)
        /// No whole record before `end`.
        case end
        case damaged(offset: Int, reason: String)
    }

    /// The next record, reading no further than `end` (the bytes written so far).
    func next(end: Int) throws(SegmentError) -> Step {
        guard offset < end else { return .end }
        if offset < windowStart || offset + BufferRecord.headerBytes > windowStart + window.count {
            try fill(from: offset, end: end, atLeast: BufferRecord.headerBytes)
        }
        var result = decodeAtOffset()
        if case .incomplete = result {
            let needed = window.withUnsafeBytes { buffer -> Int in
                let start = offset - windowStart
                guard buffer.count - start >= 4 else { return BufferRecord.headerBytes }
                return BufferRecord.headerBytes + Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: start, as: UInt32.self)))
            }
            if offset + needed > end { return .end }
            try fill(from: offset, end: end, atLeast: needed)
            result = decodeAtOffset()
        }
        switch result {
        case .record(let record, let size):
            offset += size
            return .record(record)
        case .incomplete:
            return .end
        case .damaged(let reason):
            return .damaged(offset: offset, reason: reason)
        }
    }

    private func decodeAtOffset() -> BufferRecord.DecodeResult {
        window.withUnsafeBytes { buffer in
            BufferRecord.decode(UnsafeRawBufferPointer(rebasing: buffer[(offset - windowStart)...]))
        }
    }

    private func fill(from start: Int, end: Int, atLeast: Int) throws(SegmentError) {
        let length = min(max(Self.windowBytes, atLeast), end - start)
        window = [UInt8](repeating: 0, count: length)
        var filled = 0
        var failure: Int32 = 0
        window.withUnsafeMutableBytes { buffer in
            while filled < length {
                let result = pread(descriptor, buffer.baseAddress! + filled, length - filled, off_t(start + filled))
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if result == 0 { break }
                filled += result
            }
        }
        if failure != 0 { throw SegmentError(path: path, operation: "read", code: failure) }
        window.removeLast(length - filled)
        windowStart = start
    }
}

/// What a look through a segment found at start-up.
struct SegmentScan {
    var records = 0
    /// Bytes of whole, valid records from the start.
    var validBytes = 0
    var fileBytes = 0
    var firstWrittenAt: Double?
    /// `DeliveryLog` keys of the records, when asked for.
    var keys: [UInt64] = []
    enum Problem: Equatable {
        case none
        /// The last record was cut short by a crash: the file is cut back to `validBytes`.
        case tornTail
        /// Damage with more data after it: the segment is moved aside.
        case corrupt(String)
    }
    var problem = Problem.none

    /// Reads the whole segment once, record by record.
    static func scan(path: String, collectKeys: Bool = false) throws(SegmentError) -> SegmentScan {
        var scan = SegmentScan()
        var status = stat()
        guard stat(path, &status) == 0 else { throw SegmentError(path: path, operation: "stat", code: errno) }
        scan.fileBytes = Int(status.st_size)
        let reader = try SegmentReader(path: path)
        while true {
            switch try reader.next(end: scan.fileBytes) {
            case .record(let record):
                scan.records += 1
                scan.validBytes = reader.offset
                if scan.firstWrittenAt == nil { scan.firstWrittenAt = record.writtenAt }
                if collectKeys, let key = DeliveryLog.key(ofEvent: record.json[...]) { scan.keys.append(key) }
            case .end:
                if scan.validBytes < scan.fileBytes { scan.problem = .tornTail }
                return scan
            case .damaged(let offset, let reason):
                scan.problem = try onlyZerosOrShort(path: path, from: offset, fileBytes: scan.fileBytes)
                    ? .tornTail : .corrupt("\(reason) at byte \(offset)")
                return scan
            }
        }
    }

    /// A crash during a write leaves a short record or zero-filled blocks at the end;
    /// anything else after the damage means the segment was damaged in place.
    private static func onlyZerosOrShort(path: String, from offset: Int, fileBytes: Int) throws(SegmentError) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw SegmentError(path: path, operation: "open", code: errno) }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(offset))
        let rest = (try? handle.readToEnd()) ?? Data()
        if rest.allSatisfy({ $0 == 0 }) { return true }
        // The damaged record is the last one, or its length runs past the end of the
        // file: the write was cut short (pages reach the disk in any order).
        guard rest.count >= 4 else { return true }
        let length = Int(rest[rest.startIndex]) | Int(rest[rest.startIndex + 1]) << 8
            | Int(rest[rest.startIndex + 2]) << 16 | Int(rest[rest.startIndex + 3]) << 24
        return offset + BufferRecord.headerBytes + length >= fileBytes && length <= BufferRecord.maxPayloadBytes
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One followed file: where it is read up to, and (while open) its descriptor.
///
/// The tailer holds the file by descriptor, so it keeps reading a file that was
/// renamed or deleted until its end. It may be closed to respect `max_open_files`
/// and reopened later by path, after checking the path still names the same file.
/// A file that shrinks below the read position was truncated in place
/// (copytruncate) and is read again from the start, under its new identity.
final class FileTailer {
    private(set) var path: String
    private(set) var identity: FileIdentity {
        didSet { sourceID = identity.sourceID }
    }
    /// `identity.sourceID`, kept: every batch read is labelled with it.
    private(set) var sourceID: String
    private var descriptor: Int32 = -1
    private var framer: LineFramer
    private var readOffset: UInt64
    /// Size seen by the last scan or read, to know whether a closed file has news.
    var knownSize: UInt64
    /// When the file was first seen gone from its path (renamed or deleted).
    var leftPathAt: ContinuousClock.Instant?
    /// Whether the file has no name any more (deleted, possibly still written to).
    var isDeleted = false
    /// When the tailer last read or was opened: closing prefers the least recent.
    private(set) var lastUsed: ContinuousClock.Instant
    /// After a truncation the new content's first line may still be incomplete.
    private var awaitingIdentity = false
    /// Marker of the bytes before `readOffset`, to notice a file truncated and
    /// written past the old size between two looks (copytruncate under load).
    private var tailMarker: UInt64?

    enum ReadResult {
        case lines(bytes: [UInt8], lines: [LineBatch.Line], endPosition: UInt64)
        /// Read bytes but no line ended yet (a long line); others may have their turn.
        case progress
        case endOfFile
        /// Shrank below the read position; now read from 0 as `identity`.
        case truncated(previous: FileIdentity)
    }

    /// Bytes read in one call at most before letting other files have a turn.
    static let chunksPerTurn = 4

    init(path: String, descriptor: Int32, identity: FileIdentity, offset: UInt64, size: UInt64, maxLineBytes: Int) {
        self.path = path
        self.descriptor = descriptor
        self.identity = identity
        sourceID = identity.sourceID
        framer = LineFramer(maxLineBytes: maxLineBytes, startOffset: offset)
        readOffset = offset
        knownSize = size
        lastUsed = .now
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    var isOpen: Bool { descriptor >= 0 }
    var isRotated: Bool { leftPathAt != nil }

    /// The position up to which lines have been handed on (a partial line starts here).
    var position: UInt64 { framer.committedOffset }

    /// Size when the descriptor was closed: a closed file has news only once its
    /// size changes (a partial last line alone is no reason to reopen it).
    private var sizeAtClose: UInt64 = 0

    /// Whether the last known size says there is something to read (or a truncation).
    var hasNews: Bool { isOpen ? knownSize != readOffset : knownSize != sizeAtClose }

    func rename(to newPath: String) { path = newPath }

    /// Lets go of the descriptor; a later `reopen` resumes at `position`, reading a
    /// partial line again from its start.
    func close() {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
        // Bytes not read yet are news; a partial line read to the end is not.
        sizeAtClose = readOffset < knownSize ? .max : knownSize
        readOffset = framer.committedOffset
        tailMarker = nil
        framer.reset(to: readOffset)
    }

    enum ReopenResult {
        case reopened
        /// The path now names another file (or none): this one is gone.
        case gone
        case failed(FileSourceError)
    }

    /// Opens `path` again, provided it still is this file.
    func reopen(at newPath: String? = nil) -> ReopenResult {
        guard descriptor < 0 else { return .reopened }
        let target = newPath ?? path
        let opened = open(target, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else {
            let code = errno
            return code == ENOENT ? .gone : .failed(.unreadable(path: target, reason: String(cString: strerror(code))))
        }
        guard let current = FileIdentity.read(descriptor: opened), current == identity else {
            Glibc.close(opened)
            return .gone
        }
        descriptor = opened
        path = target
        lastUsed = .now
        return .reopened
    }

    /// The marker of the bytes before `offset`, read from the open file.
    func marker(at offset: UInt64) -> UInt64? {
        guard descriptor >= 0 else { return nil }
        return PositionMarker.read(descriptor: descriptor, offset: offset)
    }

    /// `stat` of the open descriptor.
    func currentStat() -> stat? {
        var info = stat()
        guard descriptor >= 0, fstat(descriptor, &info) == 0 else { return nil }
        return info
    }

    /// Reads until at least one complete line is found, the file ends, or a turn's
    /// worth of bytes was read; `buffer` is scratch space shared by all tailers.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileSourceError) -> ReadResult {
        guard descriptor >= 0 else { return .endOfFile }
        lastUsed = .now
        guard let info = currentStat() else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let size = UInt64(info.st_size)
        knownSize = size
        let rewritten = size > readOffset && tailMarker != nil && PositionMarker.read(descriptor: descriptor, offset: readOffset) != tailMarker
        if size < readOffset || rewritten {
            // Truncated in place: the content is new, and so is its identity.
            let previous = identity
            readOffset = 0
            tailMarker = nil
            framer.reset(to: 0)
            awaitingIdentity = true
            if let fresh = FileIdentity.read(descriptor: descriptor) {
                identity = fresh
                awaitingIdentity = false
            }
            return .truncated(previous: previous)
        }
        if awaitingIdentity {
            guard let fresh = FileIdentity.read(descriptor: descriptor) else { return .endOfFile }
            identity = fresh
            awaitingIdentity = false
        }
        var chunks = 0
        while chunks < Self.chunksPerTurn {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(readOffset))
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { return chunks == 0 ? .endOfFile : .progress }
            chunks += 1
            readOffset += UInt64(count)
            if readOffset > knownSize { knownSize = readOffset }
            let bytes = UnsafeBufferPointer(start: buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), count: count)
            let framed = framer.frame(bytes)
            tailMarker = PositionMarker.marker(endOf: bytes) ?? PositionMarker.read(descriptor: descriptor, offset: readOffset)
            if !framed.lines.isEmpty {
                return .lines(bytes: framed.bytes, lines: framed.lines, endPosition: framer.committedOffset)
            }
        }
        return .progress
    }

    /// Whether the file has been read to the last known byte.
    var isAtEnd: Bool { readOffset >= knownSize }
}

/// Problems of the file source; none of them stops the other files.
public enum FileSourceError: Error, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        }
    }
}

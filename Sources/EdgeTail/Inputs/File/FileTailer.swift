#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads one open file from a position onwards, in large chunks, into line batches.
///
/// The tailer holds the file by descriptor, so it keeps reading a file that was
/// renamed or deleted until its end. A file that shrinks below the read position
/// was truncated in place (copytruncate) and is read again from the start.
final class FileTailer {
    let path: String
    private(set) var identity: FileIdentity
    private let descriptor: Int32
    private var framer: LineFramer
    private var readOffset: UInt64
    private var chunk: [UInt8]
    /// When the tailer last found new data; used to let go of rotated files.
    private(set) var lastProgress: ContinuousClock.Instant
    private(set) var truncations = 0

    static let chunkSize = 256 * 1024

    enum ReadResult {
        case lines(bytes: [UInt8], lines: [LineBatch.Line], endPosition: UInt64)
        case endOfFile
    }

    init(path: String, descriptor: Int32, identity: FileIdentity, offset: UInt64, maxLineBytes: Int) {
        self.path = path
        self.descriptor = descriptor
        self.identity = identity
        framer = LineFramer(maxLineBytes: maxLineBytes, startOffset: offset)
        readOffset = offset
        chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        lastProgress = .now
    }

    deinit {
        close(descriptor)
    }

    /// The position up to which lines have been handed on.
    var position: UInt64 { framer.committedOffset }

    var size: UInt64 {
        var info = stat()
        return fstat(descriptor, &info) == 0 ? UInt64(info.st_size) : 0
    }

    /// Whether `path` still names this file (false after rename or deletion).
    var isStillAtPath: Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return UInt64(info.st_dev) == identity.device && UInt64(info.st_ino) == identity.inode
    }

    /// Reads until at least one complete line is found or the file ends.
    func read() throws(FileSourceError) -> ReadResult {
        if size < readOffset {
            // Truncated in place: the content is new, and so is its identity.
            truncations += 1
            readOffset = 0
            framer.reset(to: 0)
            if let fresh = FileIdentity.read(descriptor: descriptor) { identity = fresh }
            return .endOfFile
        }
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress, buffer.count, off_t(readOffset))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { return .endOfFile }
            readOffset += UInt64(count)
            lastProgress = .now
            let framed = chunk.withUnsafeBufferPointer { framer.frame(UnsafeBufferPointer(rebasing: $0[0..<count])) }
            if !framed.lines.isEmpty {
                return .lines(bytes: framed.bytes, lines: framed.lines, endPosition: framer.committedOffset)
            }
        }
    }
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

import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Follows the files a pipeline's globs name and hands on batches of lines.
///
/// Files are read round-robin, a chunk each, so one busy file does not starve the
/// others. New files are picked up on rescans; a file renamed or deleted is read to
/// its end, then let go after `rotateWait`. Where a file starts: at its checkpoint
/// when one matches its identity; otherwise at `read_from` for files present at the
/// first start, and at the beginning for files that appear later (they are new).
public final class FileSource {
    public let configuration: SourceConfiguration
    let ledger: AcknowledgementLedger
    let logger: Logger
    private var tailers: [FileTailer] = []
    private var nextTailer = 0
    private var checkpoints: [String: UInt64]
    private let firstStart: Bool
    private var scanned = false
    private var lastScan = ContinuousClock.Instant.now
    private var unreadable: Set<String> = []
    public var rotateWait: Duration = .seconds(5)
    public var rescanInterval: Duration = .seconds(2)

    /// - Parameter checkpoints: committed positions by source id, or nil on the first start.
    public init(configuration: SourceConfiguration, checkpoints: [String: UInt64]?, ledger: AcknowledgementLedger, logger: Logger) {
        self.configuration = configuration
        self.ledger = ledger
        self.logger = logger
        self.checkpoints = checkpoints ?? [:]
        firstStart = checkpoints == nil
    }

    /// The next batch, or nil when every file is read to its end (the caller decides
    /// whether to wait and ask again).
    public func next() -> LineBatch? {
        if !scanned || ContinuousClock.now - lastScan >= rescanInterval {
            scan()
        }
        var attempts = 0
        while attempts < tailers.count {
            let index = nextTailer % tailers.count
            nextTailer = index + 1
            attempts += 1
            let tailer = tailers[index]
            do {
                switch try tailer.read() {
                case .lines(let bytes, let lines, let endPosition):
                    let sourceID = tailer.identity.sourceID
                    ledger.register(sourceID: sourceID, origin: tailer.path, position: lines.first?.offset ?? endPosition)
                    let sequence = ledger.nextSequence(sourceID: sourceID)
                    return LineBatch(sourceID: sourceID, origin: tailer.path, bytes: bytes, lines: lines,
                                     endPosition: endPosition, sequence: sequence)
                case .endOfFile:
                    if !tailer.isStillAtPath && ContinuousClock.now - tailer.lastProgress >= rotateWait {
                        logger.info("closing rotated or deleted file", metadata: ["path": "\(tailer.path)"])
                        tailers.remove(at: index)
                        attempts -= 1
                    }
                }
            } catch {
                logger.error("\(error)")
                tailers.remove(at: index)
                attempts -= 1
            }
        }
        return nil
    }

    /// Whether every open file has been read to its end and nothing is half-read.
    public var paths: [String] { tailers.map(\.path) }

    /// Finds files named by the globs that are not being read yet and opens them.
    public func scan() {
        let isFirstScan = !scanned
        scanned = true
        lastScan = .now
        var seen = Set(tailers.map(\.identity))
        for pattern in configuration.include {
            for path in FileGlob.expand(pattern).sorted() {
                if configuration.exclude.contains(where: { FileGlob.matches(path, pattern: $0) }) { continue }
                var info = stat()
                guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
                if tailers.contains(where: { $0.identity.device == UInt64(info.st_dev) && $0.identity.inode == UInt64(info.st_ino) && $0.path == path }) {
                    continue
                }
                let descriptor = open(path, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else {
                    if !unreadable.contains(path) {
                        unreadable.insert(path)
                        logger.error("cannot open \(path): \(String(cString: strerror(errno)))")
                    }
                    continue
                }
                unreadable.remove(path)
                guard let identity = FileIdentity.read(descriptor: descriptor), !seen.contains(identity) else {
                    close(descriptor)
                    continue
                }
                seen.insert(identity)
                let start: UInt64
                if let position = checkpoints[identity.sourceID] {
                    start = position
                } else if isFirstScan && firstStart && configuration.readFrom == .end {
                    start = Self.endOfLastCompleteLine(descriptor)
                } else {
                    start = 0
                }
                logger.info("following file", metadata: ["path": "\(path)", "offset": "\(start)"])
                ledger.register(sourceID: identity.sourceID, origin: path, position: start)
                tailers.append(FileTailer(path: path, descriptor: descriptor, identity: identity, offset: start,
                                          maxLineBytes: configuration.maxLineBytes))
            }
        }
    }

    /// Starting "at the end" means after the last complete line, so a line being
    /// written right now is not cut in half.
    static func endOfLastCompleteLine(_ descriptor: Int32) -> UInt64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_size > 0 else { return 0 }
        var end = Int64(info.st_size)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while end > 0 {
            let start = max(0, end - Int64(buffer.count))
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, Int(end - start), off_t(start)) }
            guard count > 0 else { return 0 }
            if let newline = buffer[0..<count].lastIndex(of: 0x0A) {
                return UInt64(start) + UInt64(newline) + 1
            }
            end = start
        }
        return 0
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Logging

/// Reads the systemd journal through libsystemd and hands on batches of messages.
///
/// Each entry's `MESSAGE` (bytes as stored, binary or not) becomes a line, with its
/// syslog header removed when configured; the fields the pipeline's templates and
/// identity rules name (`{journal._HOSTNAME}`) travel with it, and so does its
/// `__REALTIME_TIMESTAMP`. A batch resumes at the cursor of its last entry; an entry's
/// `_id` derives from a hash of its cursor, identical whenever the entry is read again.
/// Where reading starts: after the checkpointed cursor when there is one, otherwise
/// at `read_from`.
public final class JournalSource: LineSource {
    /// The checkpoint key of a journal source: which journal it reads.
    public static func sourceID(for configuration: JournalConfiguration) -> String {
        if let directory = configuration.directory { return "journal:directory:" + directory }
        if !configuration.files.isEmpty { return "journal:files:" + configuration.files.joined(separator: ",") }
        return "journal:local"
    }

    public let configuration: SourceConfiguration
    public let sourceID: String
    let ledger: AcknowledgementLedger
    let logger: Logger
    private let reader: JournalReader
    /// Field names to carry with each line, as C strings for `sd_journal_get_data`, and as bytes.
    private let fieldNames: [(cString: [CChar], bytes: [UInt8])]
    /// The longest `waitForData` waits in one call; nil: never wait (`--once`).
    private let followWait: Duration?
    /// Where `waitForData` blocks in `poll` on the journal's descriptor, off the cooperative pool.
    private let waiter = BlockingCaller(name: "edgetail-journal")
    public let wakeLatch = WakeLatch()
    /// Entries and bytes per batch: large enough to amortise, small enough to bound memory.
    public var batchEntries = 4096
    public var batchBytes = 1 << 20
    private var entriesRead: UInt64 = 0

    /// - Parameters:
    ///   - cursor: the checkpointed cursor of this source, if any.
    ///   - firstStart: true when no checkpoint of this source was ever stored (then `read_from` applies).
    ///   - fieldNames: the journal fields the pipeline refers to.
    ///   - followWait: in follow mode, how long `waitForData` sleeps where libsystemd gives no
    ///     descriptor to wait on; nil in `--once` mode, which does not wait.
    public init(configuration: SourceConfiguration, cursor: String?, firstStart: Bool, fieldNames: [String],
                followWait: Duration?, ledger: AcknowledgementLedger, logger: Logger) throws(JournalError) {
        self.configuration = configuration
        self.ledger = ledger
        self.logger = logger
        self.followWait = followWait
        self.fieldNames = fieldNames.map { (Array($0.utf8CString), Array($0.utf8)) }
        sourceID = Self.sourceID(for: configuration.journal)
        for problem in JournalFileCheck.problems(configuration.journal) {
            logger.error("skipping unreadable journal file \(problem.path): \(problem.reason)")
        }
        reader = try JournalReader(configuration.journal)
        var start = cursor
        if let cursor {
            let found = try reader.seek(cursor: cursor)
            if !found {
                logger.warning("the checkpointed journal entry is gone (vacuumed?); resuming at the entry after it",
                               metadata: ["cursor": "\(cursor)"])
            }
            logger.info("following the journal", metadata: ["journal": "\(reader.description)", "cursor": "\(cursor)"])
        } else if firstStart && configuration.readFrom == .end {
            // The last entry counts as read, so a restart before anything new resumes right after it.
            start = try reader.seekTail()
            logger.info("following the journal from its end", metadata: ["journal": "\(reader.description)"])
        } else {
            try reader.seekHead()
            logger.info("following the journal from its beginning", metadata: ["journal": "\(reader.description)"])
        }
        ledger.register(sourceID: sourceID, origin: origin, position: 0, cursor: start)
    }

    /// A human name for the source, shown with checkpoints and rejected lines.
    public var origin: String {
        configuration.journal.directory ?? (configuration.journal.files.isEmpty ? "journal" : configuration.journal.files.joined(separator: ","))
    }

    /// The next batch of entries, or nil when there are none now (never waits:
    /// `waitForData` does, off the cooperative pool).
    public func next() throws -> LineBatch? {
        if let batch = try readBatch() { return batch }
        // Files added or rotated since the last look, then what they hold.
        reader.process()
        return try readBatch()
    }

    private static let message: [CChar] = Array("MESSAGE".utf8CString)

    private func readBatch() throws(JournalError) -> LineBatch? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 * 1024)
        var lines: [LineBatch.Line] = []
        var fields: [LineBatch.Field] = []
        var lastCursor: String?
        var lastTime: UInt64 = 0
        let maxLineBytes = configuration.maxLineBytes
        let strip = configuration.journal.syslogPrefix == .strip
        while lines.count < batchEntries && bytes.count < batchBytes, try reader.next() {
            let cursor = try reader.cursor()
            let time = try reader.realtime()
            lastCursor = cursor
            lastTime = time
            entriesRead += 1
            // An entry without MESSAGE has nothing to parse; its cursor still moves the checkpoint.
            guard let message = try reader.field(Self.message) else { continue }
            let text = message.assumingMemoryBound(to: UInt8.self)
            let start = strip ? SyslogPrefix.messageStart(text, ByteRange(0, text.count)) : 0
            let length = text.count - start
            let kept = min(length, maxLineBytes)
            let lineStart = bytes.count
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<(start + kept)]))
            var line = LineBatch.Line(range: ByteRange(lineStart, bytes.count), offset: Self.entryKey(cursor),
                                      overlongLength: length > maxLineBytes ? length : nil)
            line.sourceTime = Int64(clamping: time)
            let firstField = fields.count
            for name in fieldNames {
                guard let value = try reader.field(name.cString) else { continue }
                let nameStart = bytes.count
                bytes.append(contentsOf: name.bytes)
                let valueStart = bytes.count
                bytes.append(contentsOf: value.assumingMemoryBound(to: UInt8.self))
                fields.append(LineBatch.Field(name: ByteRange(nameStart, valueStart), value: ByteRange(valueStart, bytes.count)))
            }
            line.fields = firstField..<fields.count
            lines.append(line)
        }
        guard let lastCursor else { return nil }
        let sequence = ledger.nextSequence(sourceID: sourceID)
        var batch = LineBatch(sourceID: sourceID, origin: origin, bytes: bytes, lines: lines,
                              endPosition: lastTime, sequence: sequence)
        batch.fields = fields
        batch.endCursor = lastCursor
        return batch
    }

    /// A stable 64-bit key of an entry, from its cursor, for the event `_id`.
    static func entryKey(_ cursor: String) -> UInt64 {
        var cursor = cursor
        return cursor.withUTF8 { FastHash.hash($0, seed: 0x6A6F_7572_6E61_6C21) }
    }
}

extension JournalSource {
    /// Waits until the journal changes, `limit` passes, libsystemd asks to be called
    /// again (`sd_journal_get_timeout`) or `wakeLatch` is set: `poll` on libsystemd's
    /// descriptor and the latch, on a thread of its own, then `process()` the change, as
    /// `sd_journal_wait` does without blocking the cooperative pool. An idle journal
    /// pipeline wakes for nothing else. Without a descriptor, it sleeps `followWait`.
    public func waitForData(upTo limit: Duration) async {
        guard let followWait else { return }
        guard let target = reader.changeDescriptor() else {
            try? await Task.sleep(for: min(limit, followWait))
            return
        }
        let wait = target.timeout.map { min(limit, $0) } ?? limit
        let (descriptor, events, latch) = (target.descriptor, target.events, wakeLatch)
        guard !latch.isSet else { return }
        _ = await latch.settingOnCancel {
            await waiter.run { latch.poll(descriptor, events: events, for: wait) }
        }
        reader.process()
    }
}

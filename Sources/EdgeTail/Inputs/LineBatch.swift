/// Lines read from one source in one go, with where each line came from.
///
/// `bytes` holds the lines; each `Line` points into it and records the byte offset
/// of its first byte in the source, which derives the event's `_id`. `endPosition`
/// is where reading resumes once every line of the batch is acknowledged.
///
/// A journal batch also carries, per line, the entry's other fields (`fields`, named
/// ranges into `bytes`) and its time, and resumes at `endCursor` instead of a byte offset.
public struct LineBatch: Sendable {
    public struct Line: Sendable {
        public var range: ByteRange
        /// For a file, the byte offset of the line; for the journal, a stable hash of the entry's cursor.
        public var offset: UInt64
        /// The line's full length when it was longer than `max_line_bytes` and cut.
        public var overlongLength: Int?
        /// The line's extra fields: indices into the batch's `fields`.
        public var fields: Range<Int> = 0..<0
        /// When the source knows it (the journal's `__REALTIME_TIMESTAMP`), microseconds
        /// since 1970, used when the line carries no time of its own.
        public var sourceTime: Int64?

        public init(range: ByteRange, offset: UInt64, overlongLength: Int? = nil) {
            self.range = range
            self.offset = offset
            self.overlongLength = overlongLength
        }
    }

    /// A named field of a line besides the line itself (a journal field), as ranges into `bytes`.
    public struct Field: Sendable {
        public var name: ByteRange
        public var value: ByteRange

        public init(name: ByteRange, value: ByteRange) {
            self.name = name
            self.value = value
        }
    }

    /// Stable name of the source: for a file, device, inode and content fingerprint.
    public var sourceID: String
    /// A human name for the source (a path).
    public var origin: String
    public var bytes: [UInt8]
    public var lines: [Line]
    public var endPosition: UInt64
    /// Sequence number of this batch within its source, for in-order acknowledgement.
    public var sequence: UInt64
    /// The lines' extra fields, referenced by `Line.fields`.
    public var fields: [Field] = []
    /// For the journal: the cursor of the batch's last entry, where reading resumes.
    public var endCursor: String?

    public init(sourceID: String, origin: String, bytes: [UInt8], lines: [Line], endPosition: UInt64, sequence: UInt64) {
        self.sourceID = sourceID
        self.origin = origin
        self.bytes = bytes
        self.lines = lines
        self.endPosition = endPosition
        self.sequence = sequence
    }
}

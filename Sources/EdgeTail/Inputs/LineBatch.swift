/// Lines read from one source in one go, with where each line came from.
///
/// `bytes` holds the lines; each `Line` points into it and records the byte offset
/// of its first byte in the source, which derives the event's `_id`. `endPosition`
/// is where reading resumes once every line of the batch is acknowledged.
public struct LineBatch: Sendable {
    public struct Line: Sendable {
        public var range: ByteRange
        public var offset: UInt64
        /// The line's full length when it was longer than `max_line_bytes` and cut.
        public var overlongLength: Int?

        public init(range: ByteRange, offset: UInt64, overlongLength: Int? = nil) {
            self.range = range
            self.offset = offset
            self.overlongLength = overlongLength
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

    public init(sourceID: String, origin: String, bytes: [UInt8], lines: [Line], endPosition: UInt64, sequence: UInt64) {
        self.sourceID = sourceID
        self.origin = origin
        self.bytes = bytes
        self.lines = lines
        self.endPosition = endPosition
        self.sequence = sequence
    }
}

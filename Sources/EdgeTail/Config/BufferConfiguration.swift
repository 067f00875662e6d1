/// A sink's buffer: how much waits in memory, how much may spill to disk, and what
/// happens when both are used up.
///
/// Defaults: 16 MiB in memory, 1 GiB on disk in segments of 8 MiB, `when_full: block`
/// (the sources stop reading; the log files are the buffer of last resort), fsync of
/// the segment being written every second. `disk_bytes: 0` keeps the buffer in memory
/// only (then `block` holds the sources as soon as memory is full).
///
/// `spill_after` (default 5s): while the endpoint accepts, a full memory holds the
/// sources this long before their events go to disk — a backlog read faster than it
/// is sent waits in its files instead of being written, checksummed and read back.
/// An outage sends events to disk at once. `spill_after: 0` spills as soon as memory
/// is full.
public struct BufferConfiguration: Decodable, Sendable {
    public enum WhenFull: String, ConfigurationWord {
        /// Stop reading the sources until room frees. Nothing is dropped.
        case block
        /// Drop the oldest segment on disk (counted) to make room.
        case dropOldest = "drop_oldest"
        /// Drop the events that do not fit (counted).
        case dropNewest = "drop_newest"
    }

    public var memoryBytes: Int
    public var diskBytes: Int
    public var segmentBytes: Int
    public var whenFull: WhenFull
    /// Seconds between fsyncs of the segment being written; 0 = after every write.
    /// Spilled events are acknowledged to their source only once fsynced.
    public var fsyncInterval: Double
    /// Seconds a source waits for memory while the endpoint accepts, before spilling.
    public var spillAfter: Double

    enum CodingKeys: String, CodingKey, CaseIterable {
        case memoryBytes = "memory_bytes"
        case diskBytes = "disk_bytes"
        case segmentBytes = "segment_bytes"
        case whenFull = "when_full"
        case fsyncInterval = "fsync"
        case spillAfter = "spill_after"
    }

    public init(memoryBytes: Int = 16 << 20, diskBytes: Int = 1 << 30, segmentBytes: Int = 8 << 20,
                whenFull: WhenFull = .block, fsyncInterval: Double = 1, spillAfter: Double = 5) {
        self.memoryBytes = memoryBytes
        self.diskBytes = diskBytes
        self.segmentBytes = segmentBytes
        self.whenFull = whenFull
        self.fsyncInterval = fsyncInterval
        self.spillAfter = spillAfter
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = BufferConfiguration()
        memoryBytes = try container.decodeIfPresent(ByteCount.self, forKey: .memoryBytes)?.bytes ?? defaults.memoryBytes
        diskBytes = try container.decodeIfPresent(ByteCount.self, forKey: .diskBytes)?.bytes ?? defaults.diskBytes
        segmentBytes = try container.decodeIfPresent(ByteCount.self, forKey: .segmentBytes)?.bytes
            ?? min(defaults.segmentBytes, max(diskBytes / 8, 1 << 16))
        whenFull = try container.decodeIfPresent(WhenFull.self, forKey: .whenFull) ?? defaults.whenFull
        fsyncInterval = try container.decodeIfPresent(Seconds.self, forKey: .fsyncInterval)?.value ?? defaults.fsyncInterval
        spillAfter = try container.decodeIfPresent(Seconds.self, forKey: .spillAfter)?.value ?? defaults.spillAfter

        func require(_ condition: Bool, _ key: CodingKeys, _ expected: String) throws {
            if !condition { throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "expected \(expected)") }
        }
        try require(memoryBytes >= 1 << 16, .memoryBytes, "at least 64KiB")
        try require(diskBytes == 0 || diskBytes >= 1 << 16, .diskBytes, "0 (memory only) or at least 64KiB")
        try require(segmentBytes >= 1 << 16 && (diskBytes == 0 || segmentBytes <= diskBytes), .segmentBytes,
                    "at least 64KiB and no more than disk_bytes")
        try require(fsyncInterval >= 0 && fsyncInterval <= 60, .fsyncInterval, "between 0 and 60 seconds")
        try require(spillAfter >= 0 && spillAfter <= 3600, .spillAfter, "between 0 and 3600 seconds")
    }
}

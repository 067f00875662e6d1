/// What a sink's buffer holds and what it had to do, for `edgetail status` and
/// `/metrics`. Bytes are bytes of event JSON (plus record headers on disk).
public struct BufferCounts: Sendable, Codable, Equatable {
    /// Events waiting in memory (queued in lanes or in flight) and their bytes.
    public var memoryEvents = 0
    public var memoryBytes = 0
    /// Events in disk segments not yet delivered, their bytes and the segments.
    public var diskEvents = 0
    public var diskBytes = 0
    public var diskSegments = 0
    /// Age in seconds of the oldest event still waiting (memory or disk); nil when empty.
    public var oldestEventAgeSeconds: Double?
    /// Events dropped by the buffer, by reason (`drop_oldest`, `drop_newest`).
    public var drops: [String: Int] = [:]
    /// Events written to disk since start, and the record bytes that took.
    public var spilledEvents = 0
    public var spilledBytes = 0
    /// Torn records truncated and corrupted segments moved aside, since start.
    public var tornRecords = 0
    public var corruptSegments = 0
    /// True while the disk budget is used up or the disk is full, and sources wait.
    public var blocked = false

    public init() {}
}

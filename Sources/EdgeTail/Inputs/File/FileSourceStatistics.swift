import Synchronization

/// What the file source did, counted for the operator: totals and per file.
public struct FileSourceCounts: Sendable, Equatable, Codable {
    public struct PerFile: Sendable, Equatable, Codable {
        public var bytesRead: UInt64 = 0
        public var linesRead: UInt64 = 0
        public init() {}
    }

    public var bytesRead: UInt64 = 0
    public var linesRead: UInt64 = 0
    /// Files seen leaving their name (renamed or deleted) while followed.
    public var rotations = 0
    /// Files seen shrinking below the read position (copytruncate), or truncated while edgetail was stopped.
    public var truncations = 0
    /// Files whose bytes before the checkpoint changed: read again from the start.
    public var rewrites = 0
    public var linesTruncated = 0
    public var linesSkipped = 0
    public var openFiles = 0
    /// The most files held open at once.
    public var peakOpenFiles = 0
    public var trackedFiles = 0
    /// Files that could not be opened or read (permissions, I/O errors).
    public var unreadableFiles = 0
    /// Files closed after rotation or deletion with bytes never read (beyond `rotate_wait`).
    public var abandonedBytes: UInt64 = 0
    public var perFile: [String: PerFile] = [:]

    public init() {}
}

/// The file source's counters, shared with whoever reports them.
public final class FileSourceStatistics: Sendable {
    private struct State {
        var counts = FileSourceCounts()
        var metrics: PipelineMetrics?
    }

    private let state = Mutex(State())
    public init() {}
    public var snapshot: FileSourceCounts { state.withLock { $0.counts } }

    func update(_ change: (inout FileSourceCounts) -> Void) {
        state.withLock { change(&$0.counts) }
    }

    /// A file left its name while followed.
    func recordRotation() {
        state.withLock { state in
            state.counts.rotations += 1
            state.metrics?.rotations.increment()
        }
    }

    /// A file shrank below the read position, or below its checkpoint.
    func recordTruncation() {
        state.withLock { state in
            state.counts.truncations += 1
            state.metrics?.truncations.increment()
        }
    }

    /// Starts recording rotations and truncations into `metrics`, counting first those seen before.
    public func attach(_ metrics: PipelineMetrics) {
        state.withLock { state in
            guard state.metrics == nil else { return }
            metrics.rotations.add(state.counts.rotations)
            metrics.truncations.add(state.counts.truncations)
            state.metrics = metrics
        }
    }
}

import Synchronization

/// Events ready to leave, as JSON in one buffer, each attributed to its identity.
public struct EventBatch: Sendable {
    public struct Event: Sendable {
        /// Where the event's JSON object is in `bytes`.
        public var range: ByteRange
        public var outcome: LineOutcome
        public var identityNamespace: String
        /// Hash of the primary identity's value: one visitor, one lane.
        public var identityHash: UInt64
    }

    public var pipeline: String
    public var bytes: [UInt8]
    public var events: [Event]
    /// Told when every event of the batch is durable (delivered, dead-lettered, written).
    public var acknowledgement: Acknowledgement

    public init(pipeline: String, bytes: [UInt8], events: [Event], acknowledgement: Acknowledgement) {
        self.pipeline = pipeline
        self.bytes = bytes
        self.events = events
        self.acknowledgement = acknowledgement
    }
}

/// Counts down the events of a batch still in flight and calls its completion once,
/// when the last one is acknowledged. Sinks may acknowledge events in any grouping.
public final class Acknowledgement: Sendable {
    private let remaining: Mutex<Int>
    private let completion: @Sendable () -> Void

    public init(count: Int, completion: @escaping @Sendable () -> Void) {
        remaining = Mutex(count)
        self.completion = completion
        if count == 0 { completion() }
    }

    public func acknowledge(_ count: Int = 1) {
        let done = remaining.withLock { remaining -> Bool in
            guard remaining > 0 else { return false }
            remaining -= min(count, remaining)
            return remaining == 0
        }
        if done { completion() }
    }
}

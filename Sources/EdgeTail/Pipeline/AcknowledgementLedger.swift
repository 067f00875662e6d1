import Synchronization

/// Tracks which batches of each source are acknowledged, and so how far each source
/// may be checkpointed: up to the end of the last batch before which every batch is
/// acknowledged. Acknowledgements may arrive out of order, from any task.
/// A journal's position is a cursor, carried beside the numeric position.
public final class AcknowledgementLedger: Sendable {
    struct SourceState {
        var nextSequence: UInt64 = 0
        var nextToCommit: UInt64 = 0
        var acknowledged: [UInt64: UInt64] = [:]
        var committedPosition: UInt64
        var committedCursor: String?
        var acknowledgedCursors: [UInt64: String] = [:]
        var origin: String
    }

    struct State {
        var sources: [String: SourceState] = [:]
        var outstanding = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Starts tracking a source read from `position`.
    public func register(sourceID: String, origin: String, position: UInt64, cursor: String? = nil) {
        state.withLock { state in
            if state.sources[sourceID] == nil {
                state.sources[sourceID] = SourceState(committedPosition: position, committedCursor: cursor, origin: origin)
            } else {
                state.sources[sourceID]?.origin = origin
            }
        }
    }

    /// The sequence number for the next batch of a source; counts it outstanding.
    public func nextSequence(sourceID: String) -> UInt64 {
        state.withLock { state in
            let sequence = state.sources[sourceID]?.nextSequence ?? 0
            state.sources[sourceID, default: SourceState(committedPosition: 0, origin: "")].nextSequence = sequence + 1
            state.outstanding += 1
            return sequence
        }
    }

    public func acknowledge(sourceID: String, sequence: UInt64, endPosition: UInt64, endCursor: String? = nil) {
        state.withLock { state in
            guard var source = state.sources[sourceID] else { return }
            state.outstanding -= 1
            source.acknowledged[sequence] = endPosition
            if let endCursor { source.acknowledgedCursors[sequence] = endCursor }
            while let position = source.acknowledged.removeValue(forKey: source.nextToCommit) {
                source.committedPosition = position
                if let cursor = source.acknowledgedCursors.removeValue(forKey: source.nextToCommit) {
                    source.committedCursor = cursor
                }
                source.nextToCommit += 1
            }
            state.sources[sourceID] = source
        }
    }

    /// Positions up to which every line is acknowledged, by source.
    public func committedPositions() -> [String: (origin: String, position: UInt64)] {
        state.withLock { state in
            state.sources.mapValues { ($0.origin, $0.committedPosition) }
        }
    }

    /// Cursors up to which every entry is acknowledged, for the sources that have them.
    public func committedCursors() -> [String: String] {
        state.withLock { state in
            state.sources.compactMapValues(\.committedCursor)
        }
    }

    /// Batches handed on and not yet acknowledged.
    public var outstanding: Int {
        state.withLock { $0.outstanding }
    }

    public func forget(sourceID: String) {
        state.withLock { _ = $0.sources.removeValue(forKey: sourceID) }
    }
}

import Foundation

extension PipelineRunner {
    /// Bytes in the followed files beyond the acknowledged positions: what a crash
    /// now would read again, and what is still on its way. Files no longer at their
    /// path (rotated away) are left out, since their size cannot be read by name.
    /// Nil for the journal, whose positions are cursors.
    public func checkpointLagBytes() -> UInt64? {
        guard plan.source.type == .file else { return nil }
        let entries = ledger.committedPositions().map { sourceID, committed in
            CheckpointStore.Entry(sourceID: sourceID, path: committed.origin, position: committed.position, updated: Date())
        }
        return FileCheckpointReport.make(pipeline: plan.name, entries: entries).reduce(0) { $0 + ($1.lag ?? 0) }
    }
}

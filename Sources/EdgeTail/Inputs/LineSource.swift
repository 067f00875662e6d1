/// A source of line batches: files today, the journal next.
///
/// `next()` returns the next batch, or nil when nothing new is there right now; the
/// runner then calls `waitForData(upTo:)` (or, in `--once` mode, finishes). Batches of
/// one source id must come in order with consecutive ledger sequence numbers, since
/// the checkpoint advances over them in that order.
public protocol LineSource: AnyObject {
    func next() throws -> LineBatch?
    /// Returns when new data may be there, at the latest after `limit`; a source
    /// that can be notified (inotify) returns early.
    func waitForData(upTo limit: Duration) async
    /// Set when the pipeline stops: `waitForData` then returns at once.
    var wakeLatch: WakeLatch { get }
}

extension LineSource {
    public func waitForData(upTo limit: Duration) async {
        try? await Task.sleep(for: limit)
    }
}

extension FileSource: LineSource {}

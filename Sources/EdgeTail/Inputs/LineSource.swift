/// A source of line batches: files today, the journal next.
///
/// `next()` returns the next batch, or nil when nothing new is there right now; the
/// runner then waits a poll interval (or, in `--once` mode, finishes). Batches of one
/// source id must come in order with consecutive ledger sequence numbers, since the
/// checkpoint advances over them in that order.
public protocol LineSource: AnyObject {
    func next() throws -> LineBatch?
}

extension FileSource: LineSource {}

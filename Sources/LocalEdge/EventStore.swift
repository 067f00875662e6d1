/// Where accepted events go. Two shapes: a SQLite dataset, or counters only
/// (for benchmarking a sender, where the receiver must stay cheap).
protocol EventStore: Sendable {
    /// Stores one request's events atomically; returns how many were duplicates.
    /// Returning means the events are committed.
    func store(_ events: [ValidatedEvent], requestID: String, datastreamID: String) async throws -> Int
    func recordTokenIssued() async throws
    /// Remembers a refused collect request for the console (bounded per code).
    func recordRejection(_ rejection: RecordedRejection) async throws
    /// Reads for the console, `nil` when nothing is kept (`--no-store`).
    var console: ConsoleQueries? { get }
    /// Stored counts; `requests` is left empty for the caller to fill.
    func stats() async throws -> LocalEdgeStats
    func close() async
}

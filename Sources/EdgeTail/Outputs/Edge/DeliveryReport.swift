/// What became of an Edge sink's events by the end of a run: the part of the run
/// summary that says whether the run delivered, and if not, what is left and where.
public struct DeliveryReport: Sendable, Codable, Equatable {
    public var delivered: Int
    public var deadLettered: Int
    /// Events in the disk buffer, sent on the next run.
    public var waitingOnDisk: Int
    /// Events neither delivered nor on disk: their lines are read again on the next run.
    public var unsent: Int
    /// Events an earlier run had delivered, found again after a crash and not resent.
    public var resendsAvoided: Int
    public var requests: Int
    public var retries: Int
    /// Problems by EXEG code (or `HTTP NNN`), warnings by EXEG code.
    public var errors: [String: Int]
    public var warnings: [String: Int]
    /// Why the sink stopped sending, when it did.
    public var stopped: String?
    public var bufferDirectory: String
    public var deadLetterFile: String

    public init(counts: EdgeSinkCounts, bufferDirectory: String, deadLetterFile: String) {
        delivered = counts.eventsDelivered
        deadLettered = counts.eventsDeadLettered
        waitingOnDisk = counts.buffer.diskEvents
        unsent = counts.unsentAtStop
        resendsAvoided = counts.resendsAvoided
        requests = counts.requests.values.reduce(0, +)
        retries = counts.retries
        errors = counts.errors
        warnings = counts.warnings
        stopped = counts.fatalError
        self.bufferDirectory = bufferDirectory
        self.deadLetterFile = deadLetterFile
    }

    /// Every event was delivered or dead-lettered by policy, and the sink did not stop.
    public var settled: Bool { waitingOnDisk == 0 && unsent == 0 && stopped == nil }

    /// One line for the run summary.
    public func line(sink: String) -> String {
        var text = "sink \(sink): \(delivered) delivered, \(deadLettered) dead-lettered"
        if deadLettered > 0 { text += " (\(deadLetterFile))" }
        text += ", \(waitingOnDisk) waiting on disk"
        if waitingOnDisk > 0 { text += " (\(bufferDirectory), sent on the next run)" }
        if unsent > 0 { text += ", \(unsent) unsent (their lines are read again on the next run)" }
        if resendsAvoided > 0 { text += ", \(resendsAvoided) not resent (delivered before a restart)" }
        text += "; \(requests) requests, \(retries) retries"
        if !errors.isEmpty { text += "; errors " + Self.list(errors) }
        if !warnings.isEmpty { text += "; warnings " + Self.list(warnings) }
        if let stopped { text += "\nsink \(sink) stopped: \(stopped)" }
        return text
    }

    private static func list(_ counts: [String: Int]) -> String {
        counts.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
    }
}

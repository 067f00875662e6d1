import Foundation
import GRDB
import Logging
import Synchronization
import Testing
@testable import EdgeTail
import LocalEdge

/// Counts acknowledged events, for waiting until a sink has settled everything.
final class AcknowledgementCounter: Sendable {
    private let count = Mutex(0)
    func add(_ value: Int) { count.withLock { $0 += value } }
    var value: Int { count.withLock { $0 } }
}

/// Log lines kept in memory, to check what the process would have logged.
final class CapturedLogs: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }

    func logger(label: String = "test") -> Logger {
        Logger(label: label) { _ in CapturingHandler(logs: self) }
    }

    struct CapturingHandler: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            logs.append("\(event.level) \(event.message) \(merged)")
        }
    }
}

/// Builds real events from generated combined-log lines through the real pipeline code.
enum EdgeHarness {
    static func plan() throws -> PipelinePlan {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("p.yaml").path
        try """
        sinks: { out: { type: console } }
        pipelines:
          - name: edge-test
            source: { type: file, include: ["/dev/null"] }
            parser: { format: combined }
            site: { base_url: "https://www.example.com" }
            events: [{ type: pageView }]
            identity: [{ namespace: FPID, derive: [client_ip], salt: test }]
            sink: out
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
        return try PipelinePlan(configuration.pipelines[0], file: path)
    }

    /// `count` page-view lines, one second apart, from `visitors` addresses; line n requests `/p/n`.
    static func log(count: Int, visitors: Int, padding: Int = 0) -> [UInt8] {
        var text = ""
        let start = 1_780_000_000
        for index in 0..<count {
            let seconds = start + index
            let days = seconds / 86_400
            let (year, month, day) = LogTime.civilFromDays(days)
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            let time = String(format: "%02d/%@/%04d:%02d:%02d:%02d +0000", day, months[month - 1], year, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60)
            let pad = padding > 0 ? "?pad=" + String(repeating: "x", count: padding) : ""
            text += "10.0.\(index % visitors / 250).\(index % visitors % 250) - - [\(time)] \"GET /p/\(index)\(pad) HTTP/1.1\" 200 10 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"\n"
        }
        return Array(text.utf8)
    }

    /// The log framed and mapped into event batches whose acknowledgements count into `counter`.
    static func batches(_ log: [UInt8], plan: PipelinePlan, counter: AcknowledgementCounter, linesPerBatch: Int = 500) -> [EventBatch] {
        var framer = LineFramer(maxLineBytes: 1 << 20, startOffset: 0)
        let framed = log.withUnsafeBufferPointer { framer.frame($0) }
        var processor = LineProcessor(plan: plan)
        var result: [EventBatch] = []
        var start = 0
        while start < framed.lines.count {
            let end = min(start + linesPerBatch, framed.lines.count)
            let batch = LineBatch(sourceID: "harness", origin: "harness", bytes: framed.bytes, lines: Array(framed.lines[start..<end]),
                                  endPosition: 0, sequence: UInt64(result.count))
            let output = processor.process(batch)
            let count = output.events.count
            result.append(EventBatch(pipeline: plan.name, bytes: output.bytes, events: output.events,
                                     acknowledgement: Acknowledgement(count: count) { counter.add(count) }))
            start = end
        }
        return result
    }

    static func sinkConfiguration(endpoint: String, tweak: (inout EdgeSinkConfiguration) -> Void = { _ in }) -> EdgeSinkConfiguration {
        var configuration = EdgeSinkConfiguration(endpoint: endpoint, datastreamID: "ds-test")
        configuration.linger = 0.05
        configuration.retryBase = 0.05
        configuration.retryCap = 0.5
        // Generous: on a loaded machine the in-process stand-in's synchronous commits can
        // take seconds, and a timed-out request means an outage (events parked, sent again).
        // Tests of timeouts set their own.
        configuration.timeout = 30
        tweak(&configuration)
        return configuration
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-edge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}

/// Waits for a condition, failing the test at the deadline; `state` says, then, how
/// far things got (what a stalled wait cannot tell from a slow one).
func waitUntil(_ what: String, timeout: Duration = .seconds(60), state: (() async -> String)? = nil,
               _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        if ContinuousClock.now > deadline {
            let reached = await state?() ?? ""
            Issue.record("timed out waiting until \(what)\(reached.isEmpty ? "" : "; \(reached)")")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Rows of the stand-in's dataset, in the order they were stored.
func storedRows(_ databasePath: String) throws -> [(id: String, identity: String, timestamp: String, body: String)] {
    let queue = try DatabaseQueue(path: databasePath)
    return try queue.read { db in
        try Row.fetchAll(db, sql: "SELECT id, identity_id, timestamp, body FROM events ORDER BY rowid").map {
            ($0["id"], $0["identity_id"], $0["timestamp"], $0["body"])
        }
    }
}

/// A logger that prints nothing, for tests that do not look at logs.
let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

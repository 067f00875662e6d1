import ArgumentParser
import EdgeTail
import Foundation

/// `edgetail tap`: what the running daemon does with each line, as it happens —
/// read from its bounded tap (`/api/v1/tap`), which drops samples rather than slow
/// a pipeline when this reader falls behind.
struct TapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tap", abstract: "Streams what the running daemon does with each line: outcome, reason, event.")

    @OptionGroup var daemon: DaemonAddress

    @Option(help: "Only this pipeline's lines (repeatable).")
    var pipeline: [String] = []

    @Option(help: "Only lines with this outcome: page_view, link_click, dropped, failed (repeatable).")
    var outcome: [String] = []

    @Option(help: "Only lines whose drop or failure reason is this, or starts with it (repeatable).")
    var reason: [String] = []

    @Option(help: "Stop after this many lines.")
    var limit: Int?

    @Flag(help: "Print the daemon's NDJSON as it comes.")
    var json = false

    func validate() throws {
        if let limit, limit <= 0 { throw ValidationError("--limit: expected a whole number greater than 0") }
        for value in outcome where TapSample.Outcome(rawValue: value) == nil {
            throw ValidationError("--outcome: '\(value)' is not one of page_view, link_click, dropped, failed")
        }
    }

    func run() async throws {
        let client = try daemon.client()
        let query = TapQuery(pipelines: pipeline, outcomes: outcome.compactMap(TapSample.Outcome.init(rawValue:)),
                             reasons: reason, limit: limit)
        var printed = 0
        var reportedDrops = 0
        do {
            try await client.tap(query) { line in
                let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any]
                if let dropped = object?["dropped"] as? Int, object?.count == 1 {
                    if json { Self.emit(line) }
                    if dropped > reportedDrops {
                        FileHandle.standardError.write(Data("tap: \(dropped) lines not shown so far (this reader fell behind)\n".utf8))
                        reportedDrops = dropped
                    }
                    return true
                }
                Self.emit(json ? line : Data(Self.readable(object ?? [:]).utf8))
                printed += 1
                return limit.map { printed < $0 } ?? true
            }
        } catch let failure as APIClient.Failure {
            throw CommandFailure(message: failure.description)
        }
    }

    /// Writes a line at once, not when a buffer fills: a tap is read as it happens.
    static func emit(_ line: Data) {
        FileHandle.standardOutput.write(line + Data("\n".utf8))
    }

    /// `HH:MM:SS.mmm pipeline file@offset outcome [reason] [event]`.
    static func readable(_ sample: [String: Any]) -> String {
        var parts: [String] = []
        if let time = sample["time"] as? Double {
            let date = Date(timeIntervalSince1970: time)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = .current
            let clock = calendar.dateComponents([.hour, .minute, .second, .nanosecond], from: date)
            parts.append(String(format: "%02d:%02d:%02d.%03d", clock.hour ?? 0, clock.minute ?? 0, clock.second ?? 0,
                                (clock.nanosecond ?? 0) / 1_000_000))
        }
        parts.append(sample["pipeline"] as? String ?? "?")
        parts.append("\(sample["file"] as? String ?? "?")@\(sample["offset"] as? Int ?? 0)")
        parts.append(sample["outcome"] as? String ?? "?")
        if let reason = sample["reason"] as? String { parts.append(reason) }
        if let event = sample["event"],
           let data = try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes]) {
            parts.append(String(decoding: data, as: UTF8.self))
        }
        return parts.joined(separator: "  ")
    }
}

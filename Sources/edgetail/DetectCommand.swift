import ArgumentParser
import EdgeTail
import Foundation

/// `edgetail detect`: which format a log is in, from a sample of its lines, and the
/// `parser:` lines to start a pipeline file with.
struct DetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect", abstract: "Guesses a log's format from its first lines and suggests the parser configuration.")

    @Argument(help: "The log file (standard input when omitted).")
    var file: String?

    @Option(help: "How many lines to look at.")
    var lines = 200

    func run() async throws {
        let handle: FileHandle
        if let file {
            guard let opened = FileHandle(forReadingAtPath: file) else {
                throw CommandFailure(message: "cannot open \(file): " + (FileManager.default.fileExists(atPath: file) ? "permission denied" : "no such file"))
            }
            handle = opened
        } else {
            handle = FileHandle.standardInput
        }
        var sample: [[UInt8]] = []
        var pending: [UInt8] = []
        while sample.count < lines, let chunk = try handle.read(upToCount: 64 << 10), !chunk.isEmpty {
            pending += chunk
            while let newline = pending.firstIndex(of: 0x0A), sample.count < lines {
                sample.append(Array(pending[..<newline]))
                pending.removeSubrange(...newline)
            }
        }
        if sample.count < lines && !pending.isEmpty { sample.append(pending) }
        guard !sample.isEmpty else { throw CommandFailure(message: "no lines to look at") }

        let candidates = FormatDetector.detect(sample)
        TextTable.print(header: ["FORMAT", "PARSED", "FAILED", "FIRST FAILURE"], rows: candidates.map {
            [$0.format, "\($0.parsed)", "\($0.failed)", $0.firstError ?? "-"]
        })
        guard let best = candidates.first, best.parsed > 0 else {
            print("\nno known format parses these lines; try format: nginx or apache with your log_format, or format: regex with a pattern")
            return
        }
        print("\nsuggested (\(best.parsed) of \(sample.count) lines):\n    parser: \(best.parserYAML)")
        print("fields found: \(best.roles.joined(separator: ", "))")
        let missing = ["client", "time", "url", "user_agent"].filter { !best.roles.contains($0) }
        if !missing.isEmpty && (best.format == "json" || best.format == "logfmt") {
            print("not found: \(missing.joined(separator: ", ")) — name them with parser.fields (e.g. fields: { client: peer })")
        }
        if best.extraFields > 0 {
            print("quoted fields after the user agent: extra.1 … extra.\(best.extraFields) (a cookie header there: cookie_field: extra.N)")
        }
        if best.format == "haproxy" {
            print("HAProxy writes its accept date without a zone: add timezone: (e.g. Europe/Paris) unless the host runs in UTC")
            if best.otherFields.contains("captured_request_headers") {
                print("captured request headers: name them in capture order with request_headers: [Host, User-Agent, Referer]")
            }
        }
        if !best.otherFields.isEmpty {
            print("other fields, as {var.NAME}: \(best.otherFields.joined(separator: ", "))")
        }
    }
}

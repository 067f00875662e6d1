import Foundation
import Testing

/// `edgetail run` as a user runs it: a real process, a real log file, a file sink.
@Suite(.serialized) struct RunEndToEndTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func writeConfiguration() throws -> String {
        let path = directory.appendingPathComponent("edgetail.yaml").path
        try """
        data_dir: \(directory.path)/data
        sinks:
          out: { type: file, path: \(directory.path)/events.jsonl }
        pipelines:
          - name: e2e
            source: { type: file, include: ["\(directory.path)/logs/*.log"], read_from: beginning }
            parser: { format: combined }
            site: { base_url: "https://www.example.com" }
            events:
              - type: linkClick
                when: { path: "^/out$", query: [u] }
                link: { url: "{query.u}", kind: exit }
              - type: linkClick
                when: { extension: [pdf, zip, gz] }
                link: { kind: download }
              - type: pageView
                when: { method: [GET], status: [2xx, 304] }
            identity:
              - { namespace: FPID, derive: [client_ip, user_agent], salt: e2e }
            sink: out
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Every line of the sample log ends in exactly one outcome, and the events the
    /// run wrote are exactly the ones `parse` predicts, each once.
    @Test func everyLineIsAccountedForExactlyOnce() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try writeConfiguration()
        let logs = directory.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let sample = EdgeTailProcess.packageRoot.appendingPathComponent("samples/access.log")
        let sampleData = try Data(contentsOf: sample)
        // Add an overlong line and invalid UTF-8 to the real sample.
        var fixture = sampleData
        fixture.append(Data(("1.2.3.4 - - [02/Nov/2026:09:00:00 +0100] \"GET /" + String(repeating: "a", count: 2 << 20) + " HTTP/1.1\" 200 1 \"-\" \"Mozilla/5.0\"\n").utf8))
        fixture.append(Data(#"1.2.3.4 - - [02/Nov/2026:09:00:01 +0100] "GET /caf"#.utf8) + Data([0xE9, 0xFF]) + Data(#" HTTP/1.1" 200 1 "-" "Mozilla/5.0 (X11)""#.utf8) + Data([0x0A]))
        try fixture.write(to: logs.appendingPathComponent("access.log"))
        let lineCount = fixture.split(separator: 0x0A, omittingEmptySubsequences: false).count - 1

        let summaryPath = directory.appendingPathComponent("summary.json").path
        let run = try await EdgeTailProcess.run(["run", "-c", config, "--once", "--summary-json", summaryPath])
        #expect(run.status == 0, "\(run.stderr)")

        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: summaryPath))) as? [String: [String: Any]])
        let counts = try #require(summary["e2e"])
        let lines = try #require(counts["lines"] as? Int)
        let pageViews = try #require(counts["pageViews"] as? Int)
        let linkClicks = try #require(counts["linkClicks"] as? Int)
        let failed = try #require(counts["failed"] as? Int)
        let dropped = (counts["dropped"] as? [String: Int] ?? [:]).values.reduce(0, +)
        #expect(lines == lineCount)
        #expect(pageViews + linkClicks + failed + dropped == lineCount)
        #expect(counts["overlongLines"] as? Int == 1)

        let events = try readJSONLines(directory.appendingPathComponent("events.jsonl").path)
        #expect(events.count == pageViews + linkClicks)
        let ids = events.compactMap { ($0["xdm"] as? [String: Any])?["_id"] as? String }
        #expect(Set(ids).count == events.count, "every event once")

        let rejected = try readJSONLines(directory.appendingPathComponent("data/rejected/e2e.jsonl").path)
        #expect(rejected.count == failed)
        #expect(rejected.contains { ($0["reason"] as? String)?.contains("max_line_bytes") == true })

        // `parse` over the same bytes predicts the same outcomes line by line.
        let parse = try await EdgeTailProcess.run(["parse", "-c", config], stdin: fixture)
        #expect(parse.status == 0, "\(parse.stderr)")
        let outcomes = try parse.stdout.split(separator: 0x0A).map { try #require(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]) }
        #expect(outcomes.count == lineCount)
        #expect(outcomes.filter { $0["outcome"] as? String == "pageView" }.count == pageViews)
        #expect(outcomes.filter { $0["outcome"] as? String == "linkClick" }.count == linkClicks)
        #expect(outcomes.filter { $0["outcome"] as? String == "failed" }.count == failed)
        #expect(outcomes.map { $0["line"] as? Int } == (1...lineCount).map { $0 })
        let eventTypes = events.compactMap { ($0["xdm"] as? [String: Any])?["eventType"] as? String }
        let predicted = outcomes.compactMap { (($0["event"] as? [String: Any])?["xdm"] as? [String: Any])?["eventType"] as? String }
        #expect(eventTypes == predicted)

        // A second run resumes at the checkpoint: only appended lines are new.
        let handle = try FileHandle(forWritingTo: logs.appendingPathComponent("access.log"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((#"198.51.100.1 - - [02/Nov/2026:10:00:00 +0100] "GET /new-page HTTP/1.1" 200 10 "-" "Mozilla/5.0 (X11)""# + "\n").utf8))
        try handle.close()
        let again = try await EdgeTailProcess.run(["run", "-c", config, "--once", "--summary-json", summaryPath])
        #expect(again.status == 0, "\(again.stderr)")
        let secondSummary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: summaryPath))) as? [String: [String: Any]])
        #expect(secondSummary["e2e"]?["lines"] as? Int == 1)
        let allEvents = try readJSONLines(directory.appendingPathComponent("events.jsonl").path)
        #expect(allEvents.count == events.count + 1)
    }

    @Test func validateListsProblemsAndExitsNonZero() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bad.yaml").path
        try """
        sinks: { out: { type: console } }
        pipelines:
          - name: x
            source: { type: file, include: ["/nonexistent/*.log"] }
            parser: { format: combined }
            events: [{ type: pageView, when: { status: [9xx] } }]
            identity: [{ namespace: FPID, field: "cookie.FPID" }]
            sink: nowhere
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await EdgeTailProcess.run(["validate", "-c", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("unknown sink 'nowhere'"))
        #expect(result.stderr.contains("unknown status '9xx'"))
        #expect(result.stderr.contains("matches no file yet"))

        let goodResult = try await EdgeTailProcess.run(["validate", "-c", EdgeTailProcess.packageRoot.appendingPathComponent("pipelines/demo.yaml").path])
        #expect(goodResult.status == 0, "\(goodResult.stderr)")

        // A bundled pipelines.d fragment: checked with the sinks of the main file it is meant for.
        let fragment = EdgeTailProcess.packageRoot.appendingPathComponent("pipelines/nginx-combined.yaml").path
        let main = directory.appendingPathComponent("edgetail.yaml").path
        try """
        data_dir: \(directory.path)/data
        sinks: { edge: { type: edge, endpoint: "https://edge.adobedc.net", datastream_id: ds } }
        """.write(toFile: main, atomically: true, encoding: .utf8)
        let fragmentResult = try await EdgeTailProcess.run(["validate", "-c", fragment, "--main", main], environment: ["EDGETAIL_SALT": "s"])
        #expect(fragmentResult.status == 0, "\(fragmentResult.stderr)")
        #expect(fragmentResult.stderr.contains("is a pipelines.d fragment: checked with the sinks of \(main)"))
        let withoutMain = try await EdgeTailProcess.run(["validate", "-c", fragment, "--main", directory.appendingPathComponent("none.yaml").path],
                                                        environment: ["EDGETAIL_SALT": "s"])
        #expect(withoutMain.status == 1)
    }
}

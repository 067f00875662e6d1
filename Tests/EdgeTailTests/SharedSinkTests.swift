import Foundation
import Logging
import Testing
@testable import EdgeTail

/// Pipelines that share a sink: each drains through the shared sink once, and all finish.
@Suite struct SharedSinkTests {
    @Test func twoPipelinesShareOneSinkAndBothCheckpoint() async throws {
        let directory = try TemporaryDirectory()
        let line = #"10.0.0.1 - - [02/Nov/2026:09:00:00 +0100] "GET /a HTTP/1.1" 200 1 "-" "Mozilla/5.0 (X11; Linux x86_64)""# + "\n"
        try directory.write("one.log", String(repeating: line, count: 30))
        try directory.write("two.log", String(repeating: line, count: 40))
        var text = "data_dir: \(directory.path)/data\nsinks: { out: { type: file, path: \(directory.path)/events.jsonl } }\npipelines:\n"
        for name in ["one", "two"] {
            text += """
              - name: \(name)
                source: { type: file, include: ["\(directory.path)/\(name).log"], read_from: beginning }
                parser: { format: combined }
                site: { base_url: "https://www.example.com" }
                events: [{ type: pageView }]
                identity: [{ namespace: FPID, derive: [client_ip], salt: s }]
                sink: out

            """
        }
        let configuration = try ConfigurationLoader(environment: [:]).load(path: try directory.write("edgetail.yaml", text))
        let runtime = try EdgeTailRuntime(configuration: configuration, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        try await runtime.run(mode: .once, stop: StopSignal())
        #expect(runtime.counts["one"]?.pageViews == 30)
        #expect(runtime.counts["two"]?.pageViews == 40)
        let events = try String(contentsOfFile: directory.path + "/events.jsonl", encoding: .utf8)
        #expect(events.split(separator: "\n").count == 70)
        for name in ["one", "two"] {
            let entries = try #require(try CheckpointStore(dataDirectory: directory.path + "/data", pipeline: name).load())
            #expect(entries.first?.position == UInt64((name == "one" ? 30 : 40) * line.utf8.count))
        }
    }
}

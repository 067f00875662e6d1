import Foundation
import Testing

/// A log in a positional format, as an operator meets it: `edgetail detect` names it
/// and prints the parser, and `edgetail run` with that parser accounts for every
/// line, directive lines included.
@Suite(.serialized) struct FormatsEndToEndTests {
    /// An IIS log restarted once: IIS writes its directive block again after a restart.
    static let iisLog = """
    #Software: Microsoft Internet Information Services 10.0
    #Version: 1.0
    #Date: 2024-01-15 10:15:30
    #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken
    2024-01-15 10:15:30 10.0.0.5 GET /default.htm id=3 443 - 203.0.113.7 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) https://www.example.com/ 200 0 0 15
    2024-01-15 10:15:31 10.0.0.5 GET /styles/site.css - 443 - 203.0.113.7 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) - 200 0 0 2
    2024-01-15 10:15:32 10.0.0.5 GET /robots.txt - 443 - 66.249.66.1 Mozilla/5.0+(compatible;+Googlebot/2.1;++http://www.google.com/bot.html) - 200 0 0 1
    #Software: Microsoft Internet Information Services 10.0
    #Version: 1.0
    #Date: 2024-01-15 11:00:00
    #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken
    2024-01-15 11:00:01 10.0.0.5 GET /docs/guide.htm - 443 alice 203.0.113.8 Mozilla/5.0+(X11;+Linux+x86_64) - 200 0 0 31
    2024-01-15 11:00:02 10.0.0.5 GET /broken 443

    """

    @Test func detectThenRunAnIISLog() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("logs"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("logs/u_ex240115.log")
        try Data(Self.iisLog.utf8).write(to: log)

        let detect = try await EdgeTailProcess.run(["detect", log.path])
        #expect(detect.status == 0, "\(detect.stderr)")
        let report = String(decoding: detect.stdout, as: UTF8.self)
        #expect(report.contains("parser: { format: w3c }"), "\(report)")
        #expect(report.contains("suggested (4 of 13 lines)"), "\(report)")

        let config = directory.appendingPathComponent("edgetail.yaml").path
        try """
        data_dir: \(directory.path)/data
        sinks:
          out: { type: file, path: \(directory.path)/events.jsonl }
        pipelines:
          - name: iis
            source: { type: file, include: ["\(directory.path)/logs/*.log"], read_from: beginning }
            parser: { format: w3c }
            site: { base_url: "https://www.example.com" }
            events:
              - type: pageView
                when: { method: [GET], status: [2xx, 304] }
            identity:
              - { namespace: FPID, derive: [client_ip, user_agent], salt: e2e }
            sink: out
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let summaryPath = directory.appendingPathComponent("summary.json").path
        let run = try await EdgeTailProcess.run(["run", "-c", config, "--once", "--summary-json", summaryPath])
        #expect(run.status == 0, "\(run.stderr)")

        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: summaryPath))) as? [String: [String: Any]])
        let counts = try #require(summary["iis"])
        let dropped = counts["dropped"] as? [String: Int] ?? [:]
        #expect(counts["lines"] as? Int == 13)
        #expect(counts["pageViews"] as? Int == 2)
        #expect(dropped["directive"] == 8)
        #expect(dropped["static"] == 1)
        #expect(dropped["bot"] == 1)
        #expect(counts["failed"] as? Int == 1)

        let events = try readJSONLines(directory.appendingPathComponent("events.jsonl").path)
        let urls = events.compactMap { (($0["xdm"] as? [String: Any])?["web"] as? [String: Any]).flatMap { ($0["webPageDetails"] as? [String: Any])?["URL"] as? String } }
        #expect(urls == ["https://www.example.com/default.htm?id=3", "https://www.example.com/docs/guide.htm"])
        let rejected = try readJSONLines(directory.appendingPathComponent("data/rejected/iis.jsonl").path)
        #expect(rejected.count == 1)
        #expect((rejected.first?["reason"] as? String)?.contains("missing") == true, "\(rejected)")
    }
}

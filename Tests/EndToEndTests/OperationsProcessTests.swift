import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import LocalEdge

/// A real `edgetail run` process: SIGHUP reloads, JSON logs, and secrets kept out of logs.
@Suite(.serialized) struct OperationsProcessTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-ops-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("logs"), withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Two pipelines with a file sink each; `section` goes into pipeline b's events.
    func writeConfiguration(section: String, extra: String = "") throws -> String {
        let config = path("edgetail.yaml")
        var text = """
        data_dir: \(path("data"))
        api: { listen: "127.0.0.1:0" }
        log: { format: json, level: info, summary_interval: 0.2 }
        sinks:
          a: { type: file, path: \(path("a.jsonl")) }
          b: { type: file, path: \(path("b.jsonl")) }
        pipelines:

        """
        for name in ["a", "b"] {
            text += """
              - name: \(name)
                source: { type: file, include: ["\(path("logs/\(name).log"))"], read_from: beginning, poll_interval: 0.05 }
                parser: { format: combined }
                site: { base_url: "https://www.example.com", site_section: "\(name == "b" ? section : "fixed")" }
                filters: { bots: keep, static: keep }
                events: [{ type: pageView }]
                identity: [{ namespace: FPID, derive: [client_ip, user_agent], salt: ops }]
                sink: \(name)

            """
        }
        try (text + extra).write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    func append(_ name: String, _ range: Range<Int>) throws {
        if !FileManager.default.fileExists(atPath: path("logs/\(name).log")) {
            _ = FileManager.default.createFile(atPath: path("logs/\(name).log"), contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path("logs/\(name).log")))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(range.map(TailingFixture.line).joined().utf8))
        try handle.close()
    }

    /// Events written by a file sink, with the site section they carry.
    func events(_ name: String) -> [(id: String, section: String)] {
        guard let data = FileManager.default.contents(atPath: path("\(name).jsonl")) else { return [] }
        return lines(of: data).compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
                  let xdm = object["xdm"] as? [String: Any], let id = xdm["_id"] as? String,
                  let web = xdm["web"] as? [String: Any], let page = web["webPageDetails"] as? [String: Any] else { return nil }
            return (id, page["siteSection"] as? String ?? "")
        }
    }

    /// The JSON log lines the process wrote so far.
    func logLines(_ process: BackgroundProcess) -> [[String: String]] {
        process.stderr.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: String]
        }
    }

    func metrics(_ process: BackgroundProcess) async throws -> String {
        let address = try #require(logLines(process).first { $0["message"] == "api listening" }?["address"])
        let url = try #require(URL(string: "http://\(address)/metrics"))
        return String(decoding: try await URLSession.shared.data(from: url).0, as: UTF8.self)
    }

    @Test func sighupRestartsOnlyChangedPipelinesAndRejectsAnInvalidConfiguration() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try writeConfiguration(section: "first")
        try append("a", 0..<50)
        try append("b", 0..<50)
        let process = try BackgroundProcess.edgetail(["run", "-c", config], stderrPath: path("stderr"))
        try await waitUntil("both pipelines delivered their first lines") { events("a").count == 50 && events("b").count == 50 }
        try await waitUntil("the API is up") { logLines(process).contains { $0["message"] == "api listening" } }

        // A valid change to pipeline b only.
        _ = try writeConfiguration(section: "second")
        kill(process.process.processIdentifier, SIGHUP)
        try await waitUntil("the reload is applied") { logLines(process).contains { $0["message"] == "configuration reloaded" } }
        let reloaded = try #require(logLines(process).first { $0["message"] == "configuration reloaded" })
        #expect(reloaded["restarted"] == #"["b"]"#)
        #expect(reloaded["unchanged"] == #"["a"]"#)
        try append("a", 50..<80)
        try append("b", 50..<80)
        try await waitUntil("new lines delivered by both") { events("a").count == 80 && events("b").count == 80 }
        // b resumed from its checkpoint: nothing read twice, the new lines carry the new section.
        #expect(Set(events("b").map(\.id)).count == 80)
        #expect(events("b").suffix(30).allSatisfy { $0.section == "second" })
        #expect(events("b").prefix(50).allSatisfy { $0.section == "first" })
        // a kept running: it opened its file once.
        let opened = logLines(process).filter { $0["message"] == "following file" }
        #expect(opened.filter { $0["pipeline"] == "a" }.count == 1)
        #expect(opened.filter { $0["pipeline"] == "b" }.count == 2)

        // An invalid configuration is rejected; the running one goes on.
        _ = try writeConfiguration(section: "third", extra: "bogus_key: 1\n")
        kill(process.process.processIdentifier, SIGHUP)
        try await waitUntil("the reload is rejected") {
            logLines(process).contains { $0["message"] == "new configuration rejected; the running one stays" }
        }
        let rejected = try #require(logLines(process).first { $0["message"] == "new configuration rejected; the running one stays" })
        #expect(rejected["error"]?.contains("unknown key 'bogus_key'") == true)
        #expect(process.process.isRunning)
        try append("b", 80..<90)
        try await waitUntil("the old configuration still delivers") { events("b").count == 90 }
        #expect(events("b").suffix(10).allSatisfy { $0.section == "second" })

        try await waitUntil("a summary line with every line read") {
            logLines(process).contains { $0["message"] == "summary" && $0["lines"] == "170" && $0["page_views"] == "170" }
        }
        let scraped = try await metrics(process)
        #expect(scraped.contains(#"edgetail_reloads_total{result="applied"} 1"#), "\(scraped)")
        #expect(scraped.contains(#"edgetail_reloads_total{result="rejected"} 1"#))
        #expect(scraped.contains(#"edgetail_lines_read_total{pipeline="b"} 90"#), "counts survive the restart")

        try await process.stop()
        #expect(process.process.terminationStatus == 0, "\(process.stderr.suffix(2000))")
    }

    @Test func configuredSecretsNeverAppearInLogs() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try append("a", 0..<20)
        let tokenFile = path("token")
        let apiKey = "key-5ecr3t-api-value"
        for (token, format, expectedStatus) in [("tok-right-5ecr3t-value", "json", Int32(0)), ("tok-wrong-5ecr3t-value", "text", Int32(1))] {
            // A stand-in of its own for each run: the right token is delivered, the wrong one refused.
            var edgeConfiguration = LocalEdgeConfiguration()
            edgeConfiguration.databasePath = path("edge-\(format).sqlite")
            edgeConfiguration.requireAuth = true
            edgeConfiguration.staticToken = "tok-right-5ecr3t-value"
            edgeConfiguration.orgID = "ORG@AdobeOrg"
            let standIn = LocalEdgeServer(configuration: edgeConfiguration)
            _ = try await standIn.start()
            try Data((token + "\n").utf8).write(to: URL(fileURLWithPath: tokenFile))
            let config = path("secret.yaml")
            try """
            data_dir: \(path("data-\(format)"))
            log: { format: \(format), level: trace }
            sinks:
              edge:
                type: edge
                endpoint: "\(await standIn.baseURL)"
                datastream_id: ds-test
                linger: 0.05
                auth: { type: token, token_file: \(tokenFile), api_key: "\(apiKey)", org_id: ORG@AdobeOrg }
            pipelines:
              - name: a
                source: { type: file, include: ["\(path("logs/a.log"))"], read_from: beginning }
                parser: { format: combined }
                site: { base_url: "https://www.example.com" }
                events: [{ type: pageView }]
                identity: [{ namespace: FPID, derive: [client_ip, user_agent], salt: ops }]
                sink: edge
            """.write(toFile: config, atomically: true, encoding: .utf8)
            // Standard error goes to a file: the stand-in serves from this process, whose
            // few threads must not be held by blocking pipe reads.
            let run = try BackgroundProcess.edgetail(["run", "-c", config, "--once"], stderrPath: path("stderr-\(format)"))
            try await run.waitForExit(timeout: .seconds(90))
            #expect(run.process.terminationStatus == expectedStatus, "\(run.stderr.suffix(2000))")
            #expect(run.stderr.split(separator: "\n").count > 3, "the run logged something")
            for secret in [token, apiKey] {
                #expect(!run.stderr.contains(secret), "a log line holds a configured secret")
            }
            await standIn.stop()
        }
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import EdgeTail

/// `/api/v1/tap`, `/api/v1/stats` and `edgetail tap` against a runtime tailing a
/// file into a file sink, served by the real server on an ephemeral loopback port.
@Suite struct TapEndToEndTests {
    struct Running {
        let fixture: TailingFixture
        let runtime: EdgeTailRuntime
        let served: ServedTelemetry
        var port: Int { served.port }
        let stop: StopSignal
        let task: Task<Void, any Error>

        var log: String { fixture.logs.appendingPathComponent("access.log").path }
        var client: APIClient { APIClient(host: "127.0.0.1", port: port) }

        func get(_ path: String) async throws -> (status: Int, body: String) {
            let url = try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))
            let (data, response) = try await URLSession.shared.data(from: url)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }

        func append(_ text: String) throws {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        }

        func finish() async {
            stop.stop()
            _ = try? await task.value
            await served.stop()
            fixture.remove()
        }
    }

    /// A page view, a static asset (dropped: `static`) and a line no format reads (failed).
    static func pageView(_ number: Int) -> String { TailingFixture.line(number) }
    static let asset = "10.0.0.9 - - [02/Nov/2026:09:00:00 +0100] \"GET /style.css HTTP/1.1\" 200 1 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"\n"
    static let garbage = "this is not an access log line\n"

    func start(tap: LineTap = LineTap()) async throws -> Running {
        let fixture = try TailingFixture()
        _ = FileManager.default.createFile(atPath: fixture.logs.appendingPathComponent("access.log").path, contents: nil)
        let path = fixture.directory.appendingPathComponent("edgetail.yaml").path
        try """
        data_dir: \(fixture.directory.path)/data
        api: { listen: "127.0.0.1:0" }
        sinks:
          out: { type: file, path: \(fixture.events) }
        pipelines:
          - name: web
            source: { type: file, include: ["\(fixture.logs.path)/access.log"], read_from: beginning, poll_interval: 0.05 }
            parser: { format: combined }
            site: { base_url: "https://www.example.com" }
            events: [{ type: pageView }]
            identity: [{ namespace: FPID, derive: [client_ip, user_agent], salt: tap }]
            sink: out
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
        let runtime = try EdgeTailRuntime(configuration: configuration, logger: quietLogger, metrics: MetricsExporter(), tap: tap)
        let api = try #require(configuration.api)
        let server = TelemetryServer(configuration: api, exporter: MetricsExporter(), logger: quietLogger, tap: runtime.tap,
                                     stats: { runtime.statsDocument() }) { runtime.telemetrySnapshot() }
        let served = try await ServedTelemetry(server)
        let stop = StopSignal()
        let task = Task { try await runtime.run(mode: .follow, stop: stop) }
        return Running(fixture: fixture, runtime: runtime, served: served, stop: stop, task: task)
    }

    /// Collects up to `limit` samples of a query through the HTTP tap.
    static func collect(_ client: APIClient, _ query: TapQuery) async throws -> [[String: Any]] {
        var samples: [[String: Any]] = []
        try await client.tap(query) { line in
            let object = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
            if object["dropped"] == nil { samples.append(object) }
            return samples.count < (query.limit ?? .max)
        }
        return samples
    }

    @Test func subscribersSeeEachLineWithItsOutcomeThroughTheirFilters() async throws {
        let running = try await start()
        let client = running.client
        async let everything = Self.collect(client, TapQuery(limit: 6))
        async let assets = Self.collect(client, TapQuery(outcomes: [.dropped], reasons: ["static"], limit: 2))
        async let failures = Self.collect(client, TapQuery(pipelines: ["web"], outcomes: [.failed], limit: 1))
        try await waitUntil("three subscribers") { running.runtime.tap.subscriberCount == 3 }
        let lines = [Self.pageView(1), Self.asset, Self.pageView(2), Self.garbage, Self.asset, Self.pageView(3)]
        try running.append(lines.joined())

        let all = try await everything
        #expect(all.map { $0["outcome"] as? String } == ["page_view", "dropped", "page_view", "failed", "dropped", "page_view"])
        var offset = 0
        for (sample, line) in zip(all, lines) {
            #expect(sample["pipeline"] as? String == "web")
            #expect(sample["file"] as? String == running.log)
            #expect(sample["offset"] as? Int == offset)
            #expect(sample["source"] as? String != nil)
            offset += line.utf8.count
        }
        let event = try #require(all[0]["event"] as? [String: Any])
        let web = (event["xdm"] as? [String: Any])?["web"] as? [String: Any]
        #expect((web?["webPageDetails"] as? [String: Any])?["name"] as? String == "/n/1")
        #expect(all[0]["reason"] == nil)
        #expect(all[1]["reason"] as? String == "static")
        #expect(all[1]["event"] == nil)

        let dropped = try await assets
        #expect(dropped.count == 2)
        #expect(dropped.allSatisfy { $0["outcome"] as? String == "dropped" && $0["reason"] as? String == "static" })
        let failed = try await failures
        #expect(failed.count == 1)
        #expect(failed.first?["outcome"] as? String == "failed")
        #expect((failed.first?["reason"] as? String)?.isEmpty == false)
        // Each response ended at its limit and left the tap.
        try await waitUntil("subscribers gone") { running.runtime.tap.subscriberCount == 0 }
        await running.finish()
    }

    @Test func aSubscriberThatNeverReadsDoesNotHoldThePipelineBack() async throws {
        let running = try await start(tap: LineTap(queueCapacity: 16))
        let idle = try running.runtime.tap.subscribe(LineTap.Filter())
        try running.append((0..<200).map(Self.pageView).joined())
        try await waitUntil("every line delivered to the sink") { running.fixture.delivered().count == 200 }
        #expect(idle.dropped == 200 - 16)
        #expect(running.runtime.tap.droppedTotal == 200 - 16)
        let metrics = try await running.get("/metrics").body
        #expect(metrics.contains("edgetail_tap_subscribers 1\n"), "\(metrics)")
        #expect(metrics.contains("edgetail_tap_dropped_samples_total 184\n"))
        // What did fit is the first lines, in order.
        var queued: [Int] = []
        idle.cancel()
        for await message in idle.messages {
            if case .sample(let sample) = message,
               let object = try JSONSerialization.jsonObject(with: Data(sample.json)) as? [String: Any] {
                queued.append(object["offset"] as? Int ?? -1)
            }
        }
        let lengths = (0..<16).map { Self.pageView($0).utf8.count }
        #expect(queued == lengths.indices.map { lengths.prefix($0).reduce(0, +) })
        #expect(running.runtime.tap.subscriberCount == 0)
        await running.finish()
    }

    @Test func aClientThatFallsBehindIsToldHowManySamplesItLost() async throws {
        let running = try await start(tap: LineTap(queueCapacity: 4))
        let client = running.client
        // One batch of 200 lines lands in a queue of 4: every line is either received
        // or counted in the `{"dropped":N}` lines, which carry the running total.
        async let seen: (samples: Int, dropped: Int) = {
            var samples = 0
            var dropped = 0
            try await client.tap(TapQuery()) { line in
                let object = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
                if let count = object["dropped"] as? Int { dropped = count } else { samples += 1 }
                return samples + dropped < 200
            }
            return (samples, dropped)
        }()
        try await waitUntil("the client subscribed") { running.runtime.tap.subscriberCount == 1 }
        try running.append((0..<200).map(Self.pageView).joined())
        let (samples, dropped) = try await seen
        #expect(samples + dropped == 200)
        #expect(running.runtime.tap.droppedTotal == dropped)
        await running.finish()
    }

    @Test func refusesBeyondTheSubscriberCapAndRejectsBadQueries() async throws {
        let running = try await start(tap: LineTap(subscriberLimit: 2))
        let first = try running.runtime.tap.subscribe(LineTap.Filter())
        let second = try running.runtime.tap.subscribe(LineTap.Filter())
        let refused = try await running.get("/api/v1/tap")
        #expect(refused.status == 503)
        #expect(refused.body.contains("2 subscribers are tapping already"), "\(refused.body)")
        first.cancel()
        second.cancel()
        try await waitUntil("the cap frees up") { running.runtime.tap.subscriberCount == 0 }
        let bad = try await running.get("/api/v1/tap?outcome=bogus")
        #expect(bad.status == 400)
        #expect(bad.body.contains("outcome 'bogus' is not one of page_view, link_click, dropped, failed"), "\(bad.body)")
        #expect(try await running.get("/api/v1/tap?limit=0").status == 400)
        #expect(running.runtime.tap.subscriberCount == 0)
        await running.finish()
    }

    @Test func statsDocumentCarriesCountsAndTime() async throws {
        let running = try await start()
        try running.append(Self.pageView(1) + Self.asset)
        try await waitUntil("both lines counted") { running.runtime.counts["web"]?.lines == 2 }
        let document = try await running.client.stats(timeout: .seconds(30))
        #expect(document.time > 0)
        #expect(document.running)
        #expect(document.health.isHealthy)
        #expect(document.pipelines["web"]?.counts.pageViews == 1)
        #expect(document.pipelines["web"]?.counts.dropped["static"] == 1)
        #expect(document.pipelines["web"]?.sink == "out")
        #expect(document.tap.subscribers == 0)
        await running.finish()
    }

    @Test func tapCommandPrintsSamplesAndEndsAtItsLimit() async throws {
        let running = try await start()
        let address = "127.0.0.1:\(running.port)"
        async let readable = EdgeTailProcess.run(["tap", "--address", address, "--outcome", "dropped", "--limit", "1"])
        async let raw = EdgeTailProcess.run(["tap", "--address", address, "--outcome", "failed", "--limit", "1", "--json"])
        try await waitUntil("both commands subscribed") { running.runtime.tap.subscriberCount == 2 }
        try running.append(Self.pageView(1) + Self.asset + Self.garbage)
        let text = try await readable
        #expect(text.status == 0, "\(text.stderr)")
        let printed = String(decoding: text.stdout, as: UTF8.self)
        #expect(printed.contains("web  \(running.log)@\(Self.pageView(1).utf8.count)  dropped  static"), "\(printed)")
        let json = try await raw
        #expect(json.status == 0, "\(json.stderr)")
        let lines = json.stdout.split(separator: 0x0A)
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: lines.first ?? Data()) as? [String: Any])
        #expect(object["outcome"] as? String == "failed")
        await running.finish()
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Testing
@testable import EdgeTail
import LocalEdge

/// `/metrics` and `/health` served by the real server over the real runtime, with
/// the local stand-in of the Edge Network on loopback.
@Suite struct TelemetryEndToEndTests {
    struct Running {
        let directory: URL
        let standIn: LocalEdgeServer
        let runtime: EdgeTailRuntime
        let served: ServedTelemetry
        var port: Int { served.port }
        let stop: StopSignal
        let task: Task<Void, any Error>

        func get(_ path: String) async throws -> (status: Int, body: String) {
            let url = try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))
            let (data, response) = try await URLSession.shared.data(from: url)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }

        func finish() async {
            stop.stop()
            _ = try? await task.value
            await served.stop()
            await standIn.stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Starts the stand-in, a runtime tailing `lines` generated lines into an Edge
    /// sink with `auth`, and the telemetry server on an ephemeral port.
    func start(lines: Int, token: String? = nil, standInToken: String? = nil) async throws -> Running {
        let directory = try EdgeHarness.temporaryDirectory()
        var edgeConfiguration = LocalEdgeConfiguration()
        edgeConfiguration.databasePath = directory.appendingPathComponent("edge.sqlite").path
        if let standInToken {
            edgeConfiguration.requireAuth = true
            edgeConfiguration.staticToken = standInToken
            edgeConfiguration.orgID = "ORG@AdobeOrg"
        }
        let standIn = LocalEdgeServer(configuration: edgeConfiguration)
        _ = try await standIn.start()
        try Data(EdgeHarness.log(count: lines, visitors: 7)).write(to: directory.appendingPathComponent("access.log"))
        let auth = token.map { "{ type: token, token: \($0), api_key: key, org_id: ORG@AdobeOrg }" } ?? "{ type: none }"
        let path = directory.appendingPathComponent("edgetail.yaml").path
        try """
        data_dir: \(directory.path)/data
        api: { listen: "127.0.0.1:0", health_max_event_age: 600 }
        sinks:
          edge: { type: edge, endpoint: "\(await standIn.baseURL)", datastream_id: ds-test, linger: 0.05, retry_base: 0.05, retry_cap: 0.5, auth: \(auth) }
        pipelines:
          - name: web
            source: { type: file, include: ["\(directory.path)/access.log"], read_from: beginning, poll_interval: 0.05 }
            parser: { format: combined }
            site: { base_url: "https://www.example.com" }
            events: [{ type: pageView }]
            identity: [{ namespace: FPID, derive: [client_ip], salt: test }]
            sink: edge
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
        let metrics = MetricsExporter()
        let runtime = try EdgeTailRuntime(configuration: configuration, logger: quietLogger, metrics: metrics)
        let api = try #require(configuration.api)
        let server = TelemetryServer(configuration: api, exporter: metrics, logger: quietLogger) { runtime.telemetrySnapshot() }
        let served = try await ServedTelemetry(server)
        let stop = StopSignal()
        let task = Task { try await runtime.run(mode: .follow, stop: stop) }
        return Running(directory: directory, standIn: standIn, runtime: runtime, served: served, stop: stop, task: task)
    }

    @Test func metricsAfterAShortRun() async throws {
        let running = try await start(lines: 120)
        try await waitUntil("every event delivered") {
            running.runtime.edgeSinks["edge"]?.statistics.snapshot.eventsDelivered == 120
        }
        try await waitUntil("the checkpoint caught up with the file") {
            running.runtime.telemetrySnapshot().pipelines["web"]?.checkpointLagBytes == 0
        }
        let (status, metrics) = try await running.get("/metrics")
        #expect(status == 200)
        for expected in [
            #"edgetail_up 1.0"#,
            #"edgetail_lines_read_total{pipeline="web"} 120"#,
            #"edgetail_events_total{pipeline="web",type="page_view"} 120"#,
            #"edgetail_parse_failures_total{pipeline="web"} 0"#,
            #"edgetail_sink_events_total{sink="edge",namespace="FPID",outcome="delivered"} 120"#,
            #"edgetail_sink_retries_total{sink="edge"} 0"#,
            #"edgetail_sink_dead_letters_total{sink="edge"} 0"#,
            #"edgetail_buffer_bytes{sink="edge",tier="memory"}"#,
            #"edgetail_buffer_events{sink="edge",tier="disk"}"#,
            #"edgetail_checkpoint_lag_bytes{pipeline="web"} 0.0"#,
            #"edgetail_sink_stopped{sink="edge"} 0.0"#,
            "# TYPE edgetail_sink_request_duration_seconds histogram",
        ] {
            #expect(metrics.contains(expected), "missing \(expected) in:\n\(metrics)")
        }
        // Requests by status (204: silent) and a latency observation for each.
        let requests = metrics.split(separator: "\n").filter { $0.hasPrefix(#"edgetail_sink_requests_total{sink="edge",status="20"#) }
        let requestCount = requests.compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
        #expect(requestCount > 0)
        #expect(metrics.contains(#"edgetail_sink_request_duration_seconds_count{sink="edge"} \#(requestCount)"#), "\(metrics)")
        // One request unit per 8 KB of body, rounded up: at least one a request, at most
        // eight for a request of max_bytes (60,000).
        let units = metrics.split(separator: "\n").first { $0.hasPrefix(#"edgetail_sink_request_units_total{sink="edge"} "#) }
            .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        #expect(units >= requestCount && units <= 8 * requestCount, "\(units) units for \(requestCount) requests")
        let health = try await running.get("/health")
        #expect(health.status == 200)
        #expect(health.body == #"{"status":"ok"}"#)
        // A second scrape does not count anything twice.
        let again = try await running.get("/metrics").body
        #expect(again.contains(#"edgetail_lines_read_total{pipeline="web"} 120"#))
        // Every metric served is in the README's list.
        let readme = try String(contentsOf: EdgeTailProcess.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let served = metrics.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        #expect(served.count > 20)
        for name in served {
            #expect(readme.contains("| `\(name)` |"), "\(name) is served but not in the README's metric list")
        }
        await running.finish()
    }

    /// An address in use: the second server's run ends with `cannotListen`, and
    /// whoever waits for it to listen (the pipelines, in `edgetail run`) is told so.
    @Test func anAddressInUseIsReportedToWhoeverWaitsForTheServer() async throws {
        let running = try await start(lines: 1)
        let api = APIConfiguration(host: "127.0.0.1", port: running.port)
        let second = TelemetryServer(configuration: api, exporter: MetricsExporter(), logger: quietLogger) { running.runtime.telemetrySnapshot() }
        await #expect(throws: TelemetryServer.Failure.self) {
            try await within(.seconds(60), "the second server to give up") { try await second.run() }
        }
        do {
            _ = try await second.listeningPort()
            Issue.record("listeningPort() returned for a server that could not listen")
        } catch {
            #expect("\(error)".contains("cannot serve the api on 127.0.0.1:\(running.port)"), "\(error)")
        }
        // The first server still answers.
        #expect(try await running.get("/health").status == 200)
        await running.finish()
    }

    @Test func healthTurnsUnavailableWhenTheSinkIsRefused() async throws {
        let running = try await start(lines: 10, token: "wrong-token", standInToken: "right-token")
        try await waitUntil("the sink stops on a second 401") {
            running.runtime.edgeSinks["edge"]?.statistics.snapshot.fatalError != nil
        }
        let health = try await running.get("/health")
        #expect(health.status == 503)
        let report = try JSONDecoder().decode(HealthReport.self, from: Data(health.body.utf8))
        #expect(report.status == "unavailable")
        #expect(report.reasons?.contains { $0.hasPrefix("sink 'edge' stopped:") } == true, "\(health.body)")
        #expect(!health.body.contains("wrong-token"))
        let metrics = try await running.get("/metrics").body
        #expect(metrics.contains(#"edgetail_sink_stopped{sink="edge"} 1.0"#))
        #expect(metrics.contains(#"edgetail_sink_requests_total{sink="edge",status="401"}"#))
        await running.finish()
    }
}

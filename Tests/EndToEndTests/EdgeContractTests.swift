import Foundation
import Testing
@testable import EdgeTail
import LocalEdge

/// The Edge sink against the stand-in, one test per class of EDGE-CONTRACT.md's
/// table that needs a real exchange: a request-level stop, a failing service held
/// rather than dead-lettered, and what `run --once` says when it could not deliver.
@Suite struct EdgeContractTests {
    func startStandIn(port: Int = 0, databasePath: String? = nil,
                      _ tweak: (inout LocalEdgeConfiguration) -> Void = { _ in }) async throws -> (LocalEdgeServer, URL) {
        let directory = try EdgeHarness.temporaryDirectory()
        var configuration = LocalEdgeConfiguration()
        configuration.port = port
        configuration.databasePath = databasePath ?? directory.appendingPathComponent("edge.sqlite").path
        tweak(&configuration)
        let server = LocalEdgeServer(configuration: configuration)
        _ = try await server.start()
        return (server, directory)
    }

    @Test func aWrongDatastreamStopsTheSinkWithinAHandfulOfRequests() async throws {
        let (server, directory) = try await startStandIn { $0.datastreams = ["right-datastream"] }
        defer { try? FileManager.default.removeItem(at: directory) }
        let counter = AcknowledgementCounter()
        let batches = EdgeHarness.batches(EdgeHarness.log(count: 400, visitors: 40), plan: try EdgeHarness.plan(), counter: counter, linesPerBatch: 100)
        let sink = try EdgeSink(name: "edge", configuration: EdgeHarness.sinkConfiguration(endpoint: await server.baseURL) {
            $0.datastreamID = "wrong-datastream"; $0.maxEvents = 20
        }, dataDirectory: directory.path, logger: quietLogger)
        async let sinkRun: Void = sink.runUntilDrained()
        for batch in batches {
            do { try await sink.submit(batch) } catch is EdgeSink.FatalError { break }
        }
        try await waitUntil("the sink stops") { sink.statistics.snapshot.fatalError != nil }
        await #expect(throws: EdgeSink.FatalError.self) { try await sink.drain(timeout: .milliseconds(500)) }
        await sinkRun
        let stats = try await server.stats()
        await server.stop()
        let reason = sink.statistics.snapshot.fatalError ?? ""
        #expect(reason.contains("EXEG-0003-400") && reason.contains("datastream_id"), "\(reason)")
        // One request per lane at most: the first answer stops every lane.
        #expect(stats.requests.values.reduce(0, +) <= 4, "\(stats.requests)")
        #expect(stats.eventsStored == 0)
        #expect(sink.statistics.snapshot.eventsDeadLettered == 0)
        #expect(!FileManager.default.fileExists(atPath: DeadLetterStore.path(dataDirectory: directory.path, sink: "edge")))
        #expect(counter.value == 0, "nothing acknowledged, so no checkpoint moves")
        #expect(sink.statistics.snapshot.errors["EXEG-0003-400"] ?? 0 >= 1)
    }

    /// Request-level codes other than a wrong id stop the same way, each naming its fix.
    @Test func aDisabledDatastreamOrMissingCredentialsStopWithTheirFix() async throws {
        for (tweak, code, fix) in [
            ({ (c: inout LocalEdgeConfiguration) in c.disabledDatastreams = ["ds-test"] } as (inout LocalEdgeConfiguration) -> Void,
             "EXEG-0004-422", "enable it"),
            ({ (c: inout LocalEdgeConfiguration) in c.mode = .server }, "EXEG-0500-401", "set auth"),
        ] {
            let (server, directory) = try await startStandIn(tweak)
            defer { try? FileManager.default.removeItem(at: directory) }
            let counter = AcknowledgementCounter()
            let batches = EdgeHarness.batches(EdgeHarness.log(count: 50, visitors: 10), plan: try EdgeHarness.plan(), counter: counter)
            let sink = try EdgeSink(name: "edge", configuration: EdgeHarness.sinkConfiguration(endpoint: await server.baseURL),
                                    dataDirectory: directory.path, logger: quietLogger)
            async let sinkRun: Void = sink.runUntilDrained()
            for batch in batches { try? await sink.submit(batch) }
            try await waitUntil("the sink stops on \(code)") { sink.statistics.snapshot.fatalError != nil }
            try? await sink.drain(timeout: .milliseconds(500))
            await sinkRun
            let stats = try await server.stats()
            await server.stop()
            let reason = sink.statistics.snapshot.fatalError ?? ""
            #expect(reason.contains(code) && reason.contains(fix), "\(reason)")
            #expect(stats.requests.values.reduce(0, +) <= 4, "\(stats.requests)")
            #expect(sink.statistics.snapshot.eventsDeadLettered == 0)
            #expect(counter.value == 0)
        }
    }

    /// 200 with `warnings[]` (and 207 with `errors[]`) delivers, and each code is counted.
    @Test func warningsAndErrorsOfAcceptedRequestsAreCountedByCode() async throws {
        for (warning, code, stored) in [(InjectedWarning.upstreamWarning, "EXEG-0204-200", true),
                                        (.noConsent, "EXEG-0301-200", false),
                                        (.upstreamError, "EXEG-0201-503", true)] {
            let (server, directory) = try await startStandIn { $0.faults = FaultInjection(warnRate: 1, warning: warning, seed: 9) }
            defer { try? FileManager.default.removeItem(at: directory) }
            let counter = AcknowledgementCounter()
            let batches = EdgeHarness.batches(EdgeHarness.log(count: 40, visitors: 8), plan: try EdgeHarness.plan(), counter: counter)
            let logs = CapturedLogs()
            let sink = try EdgeSink(name: "edge", configuration: EdgeHarness.sinkConfiguration(endpoint: await server.baseURL) { $0.timeout = 30 },
                                    dataDirectory: directory.path, logger: logs.logger())
            async let sinkRun: Void = sink.runUntilDrained()
            for batch in batches { try await sink.submit(batch) }
            try await waitUntil("all 40 events are delivered") { sink.statistics.snapshot.eventsDelivered == 40 }
            try await sink.drain()
            await sinkRun
            let stats = try await server.stats()
            await server.stop()
            let counts = sink.statistics.snapshot
            let requests = counts.requests.values.reduce(0, +)
            let tally = warning == .upstreamError ? counts.errors[code] : counts.warnings[code]
            #expect(tally == requests, "\(code): \(counts.warnings) \(counts.errors) over \(requests) requests")
            #expect(counts.eventsDeadLettered == 0 && counts.retries == 0)
            #expect(stats.eventsStored == (stored ? 40 : 0), "\(code)")
            // Logged once for the code, then only counted.
            #expect(logs.all.filter { $0.contains(code) && $0.contains("accepted a request with a problem") }.count == 1, "\(code)")
        }
    }

    @Test func aServiceAnswering500ToEverythingIsHeldNotDeadLettered() async throws {
        // The port stays reserved between the failing stand-in and the healthy one.
        let reserved = try ReservedPort()
        let (failing, directory) = try await startStandIn(port: reserved.port) {
            $0.faults = FaultInjection(failRate: 1, failStatus: 500, seed: 5)
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let base = await failing.baseURL
        let counter = AcknowledgementCounter()
        let batches = EdgeHarness.batches(EdgeHarness.log(count: 60, visitors: 12), plan: try EdgeHarness.plan(), counter: counter)
        let sink = try EdgeSink(name: "edge", configuration: EdgeHarness.sinkConfiguration(endpoint: base) {
            $0.retryCap = 0.2; $0.maxEvents = 16; $0.timeout = 30
        }, dataDirectory: directory.path, logger: quietLogger)
        async let sinkRun: Void = sink.runUntilDrained()
        for batch in batches { try await sink.submit(batch) }
        // Bisecting one bad event out of 16 takes at most 6 answers of 500 in a row: well past that, the sink holds.
        try await waitUntil("many 500 answers") { (try await failing.stats().requests["500"] ?? 0) >= 40 }
        #expect(sink.statistics.snapshot.eventsDeadLettered == 0)
        #expect(sink.statistics.snapshot.retries > 0)
        #expect(sink.statistics.snapshot.errors.keys.allSatisfy { $0.hasSuffix("-500") || $0 == "HTTP 500" })
        await failing.stop()

        // The service recovers: everything arrives, nothing was lost or dead-lettered.
        let (healthy, other) = try await startStandIn(port: reserved.port)
        defer { try? FileManager.default.removeItem(at: other) }
        try await waitUntil("all 60 events are acknowledged") { counter.value == 60 && sink.statistics.snapshot.eventsDelivered == 60 }
        try await sink.drain()
        await sinkRun
        let stats = try await healthy.stats()
        await healthy.stop()
        #expect(stats.eventsStored - stats.duplicates == 60)
        #expect(sink.statistics.snapshot.eventsDeadLettered == 0)
    }

    /// Tried as a new user would: `run --once` against an endpoint that refuses
    /// connections must not report success; run again once it answers, it delivers.
    @Test func runOnceSaysWhatWasNotDeliveredAndWhere() async throws {
        let directory = try EdgeHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let reserved = try ReservedPort()
        let port = reserved.port
        let logs = directory.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        try Data(EdgeHarness.log(count: 100, visitors: 10)).write(to: logs.appendingPathComponent("access.log"))
        let config = directory.appendingPathComponent("edgetail.yaml").path
        try """
        data_dir: \(directory.path)/data
        sinks:
          edge:
            type: edge
            endpoint: http://127.0.0.1:\(port)
            datastream_id: ds-once
            timeout: 20
            linger: 0.05
            retry_base: 0.05
            retry_cap: 0.2
            shutdown_timeout: 3
        pipelines:
          - name: web
            source: { type: file, include: ["\(logs.path)/*.log"], read_from: beginning }
            parser: { format: combined }
            site: { base_url: "https://www.example.com" }
            events: [{ type: pageView }]
            identity: [{ namespace: FPID, derive: [client_ip], salt: once }]
            sink: edge
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let summaryPath = directory.appendingPathComponent("summary.json").path

        let refused = try await EdgeTailProcess.run(["run", "-c", config, "--once", "--summary-json", summaryPath])
        #expect(refused.status == 75, "\(refused.stderr)")
        #expect(refused.stderr.contains("sink edge: 0 delivered, 0 dead-lettered, 100 waiting on disk"), "\(refused.stderr)")
        #expect(refused.stderr.contains("sent on the next run"))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: summaryPath))) as? [String: Any])
        let sinks = try #require(summary["sinks"] as? [String: [String: Any]])
        #expect(sinks["edge"]?["waitingOnDisk"] as? Int == 100)
        #expect(sinks["edge"]?["delivered"] as? Int == 0)
        #expect((summary["web"] as? [String: Any])?["pageViews"] as? Int == 100)

        let (server, standInDirectory) = try await startStandIn(port: reserved.port)
        defer { try? FileManager.default.removeItem(at: standInDirectory) }
        // Patient this time: the stand-in shares this test process with other suites, so
        // on a loaded machine its answers may take seconds; the run ends once all is delivered.
        let patient = directory.appendingPathComponent("patient.yaml").path
        try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "shutdown_timeout: 3", with: "shutdown_timeout: 120")
            .write(toFile: patient, atomically: true, encoding: .utf8)
        let delivered = try await EdgeTailProcess.run(["run", "-c", patient, "--once", "--summary-json", summaryPath], timeout: .seconds(300))
        let stats = try await server.stats()
        await server.stop()
        #expect(delivered.status == 0, "\(delivered.stderr)")
        #expect(delivered.stderr.contains("sink edge: 100 delivered, 0 dead-lettered, 0 waiting on disk"), "\(delivered.stderr)")
        #expect(stats.eventsStored == 100)
    }
}

import Foundation
import Logging
import Testing
@testable import EdgeTail
import LocalEdge

/// The Edge sink against the real local stand-in on loopback.
@Suite struct EdgeSinkTests {
    struct Setup {
        var directory: URL
        var server: LocalEdgeServer
        var databasePath: String
    }

    func startStandIn(_ tweak: (inout LocalEdgeConfiguration) -> Void = { _ in }) async throws -> Setup {
        let directory = try EdgeHarness.temporaryDirectory()
        var configuration = LocalEdgeConfiguration()
        configuration.databasePath = directory.appendingPathComponent("edge.sqlite").path
        tweak(&configuration)
        let server = LocalEdgeServer(configuration: configuration)
        _ = try await server.start()
        return Setup(directory: directory, server: server, databasePath: configuration.databasePath ?? "")
    }

    func send(_ batches: [EventBatch], to sink: EdgeSink) async throws {
        for batch in batches { try await sink.submit(batch) }
    }

    @Test func everyEventStoredOnceInOrderPerIdentity() async throws {
        let setup = try await startStandIn { $0.faults = FaultInjection(latencyMilliseconds: 3) }
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let counter = AcknowledgementCounter()
        let batches = EdgeHarness.batches(EdgeHarness.log(count: 3000, visitors: 97), plan: try EdgeHarness.plan(), counter: counter)
        // Nothing fails here, so nothing may be sent twice: a request timeout (a retry) is
        // a failure too, and a loaded machine running other suites could reach the
        // harness's 2 s, so this test allows 30 s.
        let sink = try EdgeSink(name: "edge", configuration: EdgeHarness.sinkConfiguration(endpoint: await setup.server.baseURL) { $0.timeout = 30 },
                                dataDirectory: setup.directory.path, logger: quietLogger)
        // As a `Service` outside a service group: it runs until drained by its owner.
        async let sinkRun: Void = sink.run()
        try await send(batches, to: sink)
        try await waitUntil("all 3000 events are acknowledged") { counter.value == 3000 }
        try await sink.drain()
        try await sinkRun
        let stats = try await setup.server.stats()
        await setup.server.stop()
        #expect(stats.eventsStored == 3000)
        #expect(stats.duplicates == 0, "retries: \(sink.statistics.snapshot.retries)")
        #expect(stats.identities == 97)
        #expect(sink.statistics.snapshot.eventsDelivered == 3000)
        #expect(sink.statistics.snapshot.byNamespace["FPID"]?["delivered"] == 3000)
        // Requests stay under the Edge limit, so several were needed.
        #expect((stats.requests["202"] ?? 0) > 3000 * 300 / 60_000)
        let rows = try storedRows(setup.databasePath)
        var last: [String: String] = [:]
        for row in rows {
            if let previous = last[row.identity] { #expect(previous < row.timestamp, "identity \(row.identity) out of order") }
            last[row.identity] = row.timestamp
        }
    }

    @Test func retryAfterIsHonoured() async throws {
        let setup = try await startStandIn { $0.faults = FaultInjection(failRate: 1, failStatus: 503, retryAfter: 1, seed: 1) }
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let counter = AcknowledgementCounter()
        let batches = EdgeHarness.batches(EdgeHarness.log(count: 1, visitors: 1), plan: try EdgeHarness.plan(), counter: counter)
        // Backoff alone would retry within milliseconds; only Retry-After makes it wait.
        let sink = try EdgeSink(name: "edge", configuration: EdgeHarness.sinkConfiguration(endpoint: await setup.server.baseURL) {
            $0.retryBase = 0.001; $0.retryCap = 0.002; $0.linger = 0
        }, dataDirectory: setup.directory.path, logger: quietLogger)
        async let sinkRun: Void = sink.runUntilDrained()
        let start = ContinuousClock.now
        try await send(batches, to: sink)
        try await waitUntil("three 503 answers") { (try await setup.server.stats().requests["503"] ?? 0) >= 3 }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(1900), "two Retry-After waits of 1 s took \(elapsed)")
        #expect(sink.statistics.snapshot.retries >= 2)
        // Not delivered, but parked on disk at the first failure: its source may checkpoint.
        #expect(counter.value == 1)
        #expect(sink.statistics.snapshot.eventsDelivered == 0)
        #expect(sink.statistics.snapshot.buffer.diskEvents == 1)
        try? await sink.drain(timeout: .milliseconds(100))
        await sinkRun
        await setup.server.stop()
    }

    @Test func failuresAndHangsLoseNothing() async throws {
        let setup = try await startStandIn { $0.faults = FaultInjection(failRate: 0.3, failStatus: 503, hangRate: 0.1, seed: 42) }
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let counter = AcknowledgementCounter()
        let batches = EdgeHarness.batches(EdgeHarness.log(count: 2000, visitors: 50), plan: try EdgeHarness.plan(), counter: counter)
        let sink = try EdgeSink(name: "edge", configuration: EdgeHarness.sinkConfiguration(endpoint: await setup.server.baseURL) {
            $0.timeout = 0.5; $0.maxEvents = 50
        }, dataDirectory: setup.directory.path, logger: quietLogger)
        async let sinkRun: Void = sink.runUntilDrained()
        try await send(batches, to: sink)
        // Acknowledged includes parked on disk during the failures: wait for delivery itself.
        try await waitUntil("all 2000 events are delivered", timeout: .seconds(120)) {
            counter.value == 2000 && sink.statistics.snapshot.eventsDelivered == 2000
        }
        try await sink.drain()
        await sinkRun
        let stats = try await setup.server.stats()
        await setup.server.stop()
        // A request whose answer came after the client gave up is sent again: at-least-once.
        // The stand-in keeps every copy, as the data lake does; each event is there at least once.
        #expect(stats.eventsStored - stats.duplicates == 2000, "\(sink.statistics.snapshot)")
        #expect((stats.requests["503"] ?? 0) > 0)
        #expect(sink.statistics.snapshot.retries > 0)
        #expect(sink.statistics.snapshot.eventsDeadLettered == 0)
    }

    @Test func oneInvalidEventIsDeadLetteredAndTheRestStored() async throws {
        let setup = try await startStandIn()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let counter = AcknowledgementCounter()
        var batch = try #require(EdgeHarness.batches(EdgeHarness.log(count: 50, visitors: 50), plan: try EdgeHarness.plan(), counter: counter).first)
        // Event #17 loses its primary flag: the Edge Network refuses the whole request.
        let victim = batch.events[17].range
        var json = String(decoding: batch.bytes[victim.start..<victim.end], as: UTF8.self)
        json = json.replacingOccurrences(of: "\"primary\":true", with: "\"primary\":false")
        var bytes = Array(batch.bytes[0..<victim.start]) + Array(json.utf8)
        let shift = json.utf8.count - victim.count
        bytes += batch.bytes[victim.end...]
        for index in batch.events.indices where index > 17 {
            batch.events[index].range = ByteRange(batch.events[index].range.start + shift, batch.events[index].range.end + shift)
        }
        batch.events[17].range = ByteRange(victim.start, victim.start + json.utf8.count)
        batch.bytes = bytes
        // A generous timeout: a retry on a loaded machine would add requests to the count below.
        let sink = try EdgeSink(name: "edge", configuration: EdgeHarness.sinkConfiguration(endpoint: await setup.server.baseURL) {
            $0.lanes = 1; $0.timeout = 30
        }, dataDirectory: setup.directory.path, logger: quietLogger)
        async let sinkRun: Void = sink.runUntilDrained()
        try await sink.submit(batch)
        try await waitUntil("all 50 events are settled") { counter.value == 50 }
        try await sink.drain()
        await sinkRun
        let stats = try await setup.server.stats()
        await setup.server.stop()
        #expect(stats.eventsStored == 49)
        // Only the detail's "#17" names the event (no machine-readable index): the request,
        // the two readings of the index (0- and 1-based) each alone, then the other 48.
        #expect(stats.requests.values.reduce(0, +) <= 4, "\(stats.requests)")
        let letters = try readJSONLines(DeadLetterStore.path(dataDirectory: setup.directory.path, sink: "edge"))
        #expect(letters.count == 1)
        #expect(letters.first?["status"] as? Int == 400)
        #expect((letters.first?["response"] as? String)?.contains("EXEG-0306-400") == true)
        #expect((letters.first?["reason"] as? String)?.contains("EXEG-0306-400") == true)
        #expect((letters.first?["identity"] as? [String: Any])?["namespace"] as? String == "FPID")
        #expect(sink.statistics.snapshot.byNamespace["FPID"]?["dead_lettered"] == 1)
    }

    @Test func deadLettersAreReplayedOnceTheCauseIsFixed() async throws {
        // An endpoint that keeps failing, and a sink told to give up after two retries.
        let failing = try await startStandIn { $0.faults = FaultInjection(failRate: 1, failStatus: 503, retryAfter: 0, seed: 3) }
        defer { try? FileManager.default.removeItem(at: failing.directory) }
        let counter = AcknowledgementCounter()
        let batches = EdgeHarness.batches(EdgeHarness.log(count: 20, visitors: 5), plan: try EdgeHarness.plan(), counter: counter)
        let impatient = try EdgeSink(name: "edge", configuration: EdgeHarness.sinkConfiguration(endpoint: await failing.server.baseURL) {
            $0.maxRetries = 2
        }, dataDirectory: failing.directory.path, logger: quietLogger)
        async let impatientRun: Void = impatient.runUntilDrained()
        try await send(batches, to: impatient)
        try await waitUntil("all 20 events are settled") { counter.value == 20 && impatient.statistics.snapshot.eventsDeadLettered == 20 }
        try await impatient.drain()
        await impatientRun
        await failing.server.stop()
        let path = DeadLetterStore.path(dataDirectory: failing.directory.path, sink: "edge")
        let letters = try DeadLetterReplay.read(path: path)
        #expect(letters.count == 20)
        #expect(letters.allSatisfy { $0.reason.contains("max_retries 2") })

        let healthy = try await startStandIn()
        defer { try? FileManager.default.removeItem(at: healthy.directory) }
        let fixed = EdgeHarness.sinkConfiguration(endpoint: await healthy.server.baseURL)
        let outcome = try await DeadLetterReplay.replay(sink: "edge", configuration: fixed, dataDirectory: failing.directory.path, logger: quietLogger)
        #expect(outcome.resent == 20)
        #expect(outcome.accepted == 20)
        #expect(try DeadLetterReplay.read(path: path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: path + ".replaying"))
        let stats = try await healthy.server.stats()
        await healthy.server.stop()
        #expect(stats.eventsStored == 20)
        #expect(stats.identities == 5)
    }

    @Test func requestsTooLargeForTheEndpointAreSplit() async throws {
        let setup = try await startStandIn()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let counter = AcknowledgementCounter()
        let batches = EdgeHarness.batches(EdgeHarness.log(count: 400, visitors: 7, padding: 600), plan: try EdgeHarness.plan(), counter: counter)
        // Packing 200 KB requests: the stand-in answers 413 and the sink splits them.
        let sink = try EdgeSink(name: "edge", configuration: EdgeHarness.sinkConfiguration(endpoint: await setup.server.baseURL) {
            $0.maxBytes = 200_000; $0.maxEvents = 1000; $0.lanes = 1; $0.linger = 0.2
        }, dataDirectory: setup.directory.path, logger: quietLogger)
        async let sinkRun: Void = sink.runUntilDrained()
        try await send(batches, to: sink)
        try await waitUntil("all 400 events are acknowledged") { counter.value == 400 }
        try await sink.drain()
        await sinkRun
        let stats = try await setup.server.stats()
        await setup.server.stop()
        #expect((stats.requests["413"] ?? 0) > 0)
        #expect(stats.eventsStored - stats.duplicates == 400)
        #expect(sink.statistics.snapshot.eventsDeadLettered == 0)
    }

    @Test func imsTokenIsMintedRenewedAndNeverLogged() async throws {
        let secret = "s3cr3t-" + UUID().uuidString
        let setup = try await startStandIn {
            $0.requireAuth = true; $0.clientID = "client-1"; $0.clientSecret = secret; $0.orgID = "ORG@AdobeOrg"; $0.tokenTTL = 10
        }
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let logs = CapturedLogs()
        let counter = AcknowledgementCounter()
        let plan = try EdgeHarness.plan()
        let all = EdgeHarness.batches(EdgeHarness.log(count: 200, visitors: 20), plan: plan, counter: counter, linesPerBatch: 100)
        let base = await setup.server.baseURL
        let auth = EdgeAuthConfiguration.ims(clientID: "client-1", clientSecret: .value(secret), orgID: "ORG@AdobeOrg",
                                             scopes: ["openid", "AdobeID"], tokenURL: base + "/ims/token/v3")
        let sink = try EdgeSink(name: "edge", configuration: EdgeHarness.sinkConfiguration(endpoint: base) { $0.auth = auth },
                            dataDirectory: setup.directory.path, logger: logs.logger())
        async let sinkRun: Void = sink.runUntilDrained()
        try await sink.submit(all[0])
        try await waitUntil("the first 100 events are stored") { counter.value == 100 }
        // Once the first token has expired, sending goes on with a new one.
        // Ten seconds, not fewer: a token must outlive a stall of this process's few threads
        // while other suites run beside it, from its minting to the request that uses it.
        let expired = ContinuousClock.now + .milliseconds(10_200)
        try await waitUntil("the first token expired") { ContinuousClock.now > expired }
        try await sink.submit(all[1])
        try await waitUntil("all 200 events are stored") { counter.value == 200 }
        try await sink.drain()
        await sinkRun
        let stats = try await setup.server.stats()
        // Distinct events: a request answered after the harness's timeout is sent again.
        #expect(stats.eventsStored - stats.duplicates == 200)
        #expect(stats.tokensIssued >= 2)
        #expect(await sink.tokensMinted() >= 2)

        // A wrong secret: IMS refuses, the error says so without the secret.
        let wrong = try EdgeSink(name: "edge2", configuration: EdgeHarness.sinkConfiguration(endpoint: base) {
            $0.auth = .ims(clientID: "client-1", clientSecret: .value(secret + "-wrong"), orgID: "ORG@AdobeOrg", scopes: [], tokenURL: base + "/ims/token/v3")
            $0.retryCap = 0.05
        }, dataDirectory: setup.directory.path, logger: logs.logger())
        async let wrongRun: Void = wrong.runUntilDrained()
        let more = EdgeHarness.batches(EdgeHarness.log(count: 5, visitors: 5), plan: plan, counter: AcknowledgementCounter())
        try await wrong.submit(more[0])
        try await waitUntil("the refusal is logged") { logs.all.contains { $0.contains("IMS refused a token: HTTP 401") } }
        try? await wrong.drain(timeout: .milliseconds(100))
        await wrongRun
        await setup.server.stop()
        #expect(!logs.all.isEmpty)
        for line in logs.all {
            #expect(!line.contains(secret), "secret in log line: \(line)")
        }
    }

    @Test func forbiddenStopsTheSinkAndKeepsTheData() async throws {
        let setup = try await startStandIn { $0.requireAuth = true; $0.staticToken = "right"; $0.orgID = "ORG@AdobeOrg" }
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let counter = AcknowledgementCounter()
        let batches = EdgeHarness.batches(EdgeHarness.log(count: 10, visitors: 3), plan: try EdgeHarness.plan(), counter: counter)
        let sink = try EdgeSink(name: "edge", configuration: EdgeHarness.sinkConfiguration(endpoint: await setup.server.baseURL) {
            $0.auth = .token(token: .value("wrong"), apiKey: .value("key"), orgID: "ORG@AdobeOrg")
        }, dataDirectory: setup.directory.path, logger: quietLogger)
        async let sinkRun: Void = sink.runUntilDrained()
        try await send(batches, to: sink)
        try await waitUntil("the sink stops") { sink.statistics.snapshot.fatalError != nil }
        #expect(counter.value == 0, "nothing acknowledged, so nothing is checkpointed")
        await #expect(throws: EdgeSink.FatalError.self) { try await sink.drain(timeout: .milliseconds(200)) }
        await sinkRun
        #expect(try await setup.server.stats().eventsStored == 0)
        #expect(!FileManager.default.fileExists(atPath: DeadLetterStore.path(dataDirectory: setup.directory.path, sink: "edge")))
        await setup.server.stop()
    }

    @Test func memoryOnlyBufferHoldsTheSourcesDuringAnOutageAndDeliversEverythingAfterwards() async throws {
        let directory = try EdgeHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let reserved = try ReservedPort()
        let counter = AcknowledgementCounter()
        let batches = EdgeHarness.batches(EdgeHarness.log(count: 3000, visitors: 40), plan: try EdgeHarness.plan(), counter: counter, linesPerBatch: 100)
        let sink = try EdgeSink(name: "edge", configuration: EdgeHarness.sinkConfiguration(endpoint: reserved.baseURL) {
            $0.buffer = BufferConfiguration(memoryBytes: 1 << 16, diskBytes: 0); $0.retryCap = 0.2; $0.timeout = 20
        }, dataDirectory: directory.path, logger: quietLogger)
        async let sinkRun: Void = sink.runUntilDrained()
        let submitted = AcknowledgementCounter()
        let producer = Task {
            for batch in batches {
                try await sink.submit(batch)
                submitted.add(1)
            }
        }
        // The endpoint is down: the sink holds its memory budget and the producer waits.
        try await waitUntil("the producer is held back") {
            let held = await sink.lanes.asyncMap { await $0.heldBytes }.reduce(0, +)
            return held > 0 && submitted.value > 0 && (sink.statistics.snapshot.requests["error"] ?? 0) > 5
        }
        let heldDuringOutage = await sink.lanes.asyncMap { await $0.heldBytes }.reduce(0, +)
        #expect(submitted.value < batches.count, "submission must block while the endpoint is down")
        // The budget is raised to two full requests per lane: 4 × 2 × 60,000 bytes.
        #expect(heldDuringOutage <= 480_000 + 64 * 1024, "held \(heldDuringOutage) bytes")
        var configuration = LocalEdgeConfiguration()
        configuration.port = reserved.port
        configuration.databasePath = directory.appendingPathComponent("edge.sqlite").path
        let second = LocalEdgeServer(configuration: configuration)
        _ = try await second.start()
        try await producer.value
        try await waitUntil("all 3000 events are acknowledged") { counter.value == 3000 }
        try await sink.drain()
        await sinkRun
        let stats = try await second.stats()
        await second.stop()
        #expect(stats.eventsStored == 3000)
        #expect(stats.duplicates == 0)
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}

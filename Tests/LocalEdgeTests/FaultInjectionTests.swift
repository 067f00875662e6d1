import Foundation
import Testing
@testable import LocalEdge

/// Injected failures, warnings, latency and hangs.
@Suite struct FaultInjectionTests {
    /// Statuses of `count` sequential requests against a fresh collector.
    static func statusSequence(seed: UInt64, count: Int) async throws -> [Int] {
        try await withCollector({ $0.faults = FaultInjection(failRate: 0.5, failStatus: 503, retryAfter: 7, seed: seed) }) { collector in
            var statuses: [Int] = []
            for _ in 0..<count {
                let reply = try await collector.collect([xdmEvent()])
                if reply.status == 503 {
                    expectProblem(reply, "EXEG-0000-503", status: 503)
                    #expect(reply.headers["retry-after"].first == "7")
                }
                statuses.append(reply.status)
            }
            let stats = try await collector.storedStats()
            #expect(stats.eventsStored == statuses.filter { $0 == 202 }.count)
            return statuses
        }
    }

    @Test func failuresReplayForTheSameSeed() async throws {
        let first = try await Self.statusSequence(seed: 42, count: 40)
        let second = try await Self.statusSequence(seed: 42, count: 40)
        let other = try await Self.statusSequence(seed: 7, count: 40)
        #expect(first == second)
        #expect(first != other)
        #expect(first.contains(202) && first.contains(503))
        #expect(Set(first).isSubset(of: [202, 503]))
    }

    @Test(arguments: [(500, "EXEG-0001-500", false), (502, "EXEG-0202-502", false), (503, "EXEG-0000-503", true), (504, "EXEG-0200-504", false)])
    func injectedStatusCarriesItsCode(status: Int, code: String, retryAfter: Bool) async throws {
        try await withCollector({ $0.faults = FaultInjection(failRate: 1, failStatus: status, retryAfter: 3) }) { collector in
            let reply = try await collector.collect([xdmEvent()], query: "datastreamId=ds1&requestId=f-1")
            expectProblem(reply, code, status: status)
            #expect(reply.report["requestId"] as? String == "f-1")
            #expect(reply.report["configId"] as? String == "ds1")
            #expect((reply.headers["retry-after"].first == "3") == retryAfter)
            #expect(try await collector.storedStats().eventsStored == 0)
        }
    }

    /// Adobe documents throttling by status and `Retry-After` only: no EXEG code is made up.
    @Test func injected429HasNoCode() async throws {
        try await withCollector({ $0.faults = FaultInjection(failRate: 1, failStatus: 429, retryAfter: 2) }) { collector in
            let reply = try await collector.collect([xdmEvent()])
            #expect(reply.status == 429)
            #expect(reply.headers["content-type"].first == "application/problem+json")
            #expect(reply.headers["retry-after"].first == "2")
            #expect(reply.json["type"] as? String == "about:blank")
            #expect(reply.json["status"] as? Int == 429)
            #expect(!String(decoding: reply.body, as: UTF8.self).contains("EXEG"))
            #expect(!reply.mentionsEventIndex)
            #expect(try await collector.storedStats().eventsStored == 0)
        }
    }

    /// `warnRate` 1: every good request gets the warning; `silent=true` hides it behind a 204.
    @Test func upstreamWarningIs200WithWarnings() async throws {
        try await withCollector({ $0.faults = FaultInjection(warnRate: 1, warning: .upstreamWarning) }) { collector in
            let reply = try await collector.collect([xdmEvent()], query: "datastreamId=ds1&requestId=w-1")
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"].first == "application/json")
            #expect(reply.json["requestId"] as? String == "w-1")
            let warnings = reply.json["warnings"] as? [[String: Any]] ?? []
            #expect(warnings.count == 1)
            #expect(warnings.first?["type"] as? String == "https://ns.adobe.com/aep/errors/EXEG-0204-200")
            #expect(warnings.first?["status"] as? Int == 200)
            #expect(reply.json["errors"] == nil)
            #expect(!reply.mentionsEventIndex)
            let silent = try await collector.collect([xdmEvent()], query: "datastreamId=ds1&silent=true")
            #expect(silent.status == 204)
            #expect(silent.body.isEmpty)
            let bad = try await collector.collect([xdmEvent(primary: false)])
            expectProblem(bad, "EXEG-0306-400", status: 400)
            #expect(try await collector.storedStats().eventsStored == 2)
        }
    }

    /// EXEG-0301-200: ignored for lack of consent, so nothing is stored, silent or not.
    @Test func noConsentIs200AndStoresNothing() async throws {
        try await withCollector({ $0.faults = FaultInjection(warnRate: 1, warning: .noConsent) }) { collector in
            let reply = try await collector.collect([xdmEvent(), xdmEvent()])
            #expect(reply.status == 200)
            let warnings = reply.json["warnings"] as? [[String: Any]] ?? []
            #expect(warnings.first?["type"] as? String == "https://ns.adobe.com/aep/errors/EXEG-0301-200")
            let silent = try await collector.collect([xdmEvent()], query: "datastreamId=ds1&silent=true")
            #expect(silent.status == 204)
            #expect(try await collector.storedStats().eventsStored == 0)
            #expect(try await collector.storedStats().requests == ["200": 1, "204": 1])
        }
    }

    @Test func upstreamErrorIs207WithErrors() async throws {
        try await withCollector({ $0.faults = FaultInjection(warnRate: 1, warning: .upstreamError) }) { collector in
            let reply = try await collector.collect([xdmEvent()])
            #expect(reply.status == 207)
            let errors = reply.json["errors"] as? [[String: Any]] ?? []
            #expect(errors.first?["type"] as? String == "https://ns.adobe.com/aep/errors/EXEG-0201-503")
            #expect(errors.first?["status"] as? Int == 503)
            #expect(reply.json["warnings"] == nil)
            let silent = try await collector.collect([xdmEvent()], query: "datastreamId=ds1&silent=true")
            #expect(silent.status == 204)
            #expect(try await collector.storedStats().eventsStored == 2)
        }
    }

    /// A fraction of requests warn, the same ones for the same seed.
    @Test func warningsReplayForTheSameSeed() async throws {
        func statuses() async throws -> [Int] {
            try await withCollector({ $0.faults = FaultInjection(warnRate: 0.5, seed: 3) }) { collector in
                var statuses: [Int] = []
                for _ in 0..<30 { statuses.append(try await collector.collect([xdmEvent()]).status) }
                #expect(try await collector.storedStats().eventsStored == 30)
                return statuses
            }
        }
        let first = try await statuses()
        #expect(first == (try await statuses()))
        #expect(Set(first) == [200, 202])
    }

    @Test func rateOutsideZeroToOneIsRefusedAtStart() async throws {
        var configuration = LocalEdgeConfiguration()
        configuration.faults.warnRate = 1.5
        let server = LocalEdgeServer(configuration: configuration)
        await #expect(throws: LocalEdgeError.self) { _ = try await server.start() }
    }

    @Test func unsupportedFailStatusIsRefusedAtStart() async throws {
        var configuration = LocalEdgeConfiguration()
        configuration.faults.failStatus = 418
        let server = LocalEdgeServer(configuration: configuration)
        await #expect(throws: LocalEdgeError.self) { _ = try await server.start() }
    }

    @Test func latencyDelaysEveryAnswer() async throws {
        try await withCollector({ $0.faults.latencyMilliseconds = 300 }) { collector in
            let clock = ContinuousClock()
            let start = clock.now
            let reply = try await collector.collect([xdmEvent()])
            let elapsed = clock.now - start
            #expect(reply.status == 202)
            // A lower bound only: how fast an answer comes back on a busy machine is
            // for benchmarks, not for a test.
            #expect(elapsed >= .milliseconds(300))
        }
    }

    /// A hung request is held until the server stops, then released.
    @Test(.timeLimit(.minutes(1))) func hungRequestIsReleasedOnStop() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = LocalEdgeConfiguration()
        configuration.databasePath = directory.appendingPathComponent("events.sqlite").path
        configuration.faults.hangRate = 1
        let server = LocalEdgeServer(configuration: configuration)
        _ = try await server.start()
        let collector = Collector(server: server, directory: directory, client: .shared, baseURL: await server.baseURL)
        let pending = Task { try await collector.collect([xdmEvent()]) }
        try await waitUntil("request held") { await server.heldRequestCount == 1 }
        // Released by the stop, not by a timeout: the test's time limit catches a hang.
        await server.stop()
        let outcome = await pending.result
        if case .success(let reply) = outcome {
            expectProblem(reply, "EXEG-0000-503", status: 503)
        }
        #expect(await server.heldRequestCount == 0)
        #expect(try CollectorStatsReader.read(databasePath: collector.databasePath).eventsStored == 0)
    }
}

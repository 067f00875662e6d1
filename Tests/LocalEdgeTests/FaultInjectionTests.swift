import Foundation
import Testing
@testable import LocalEdge

/// Injected failures, latency and hangs.
@Suite struct FaultInjectionTests {
    /// Statuses of `count` sequential requests against a fresh collector.
    static func statusSequence(seed: UInt64, count: Int) async throws -> [Int] {
        try await withCollector({ $0.faults = FaultInjection(failRate: 0.5, failStatus: 503, retryAfter: 7, seed: seed) }) { collector in
            var statuses: [Int] = []
            for _ in 0..<count {
                let reply = try await collector.collect([xdmEvent()])
                if reply.status == 503 {
                    #expect(reply.problemCode == "EXEG-0201-503")
                    #expect(reply.headers["retry-after"].first == "7")
                    #expect(reply.headers["content-type"].first == "application/problem+json")
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

    @Test(arguments: [(429, "EXEG-0007-429", true), (500, "EXEG-0200-500", false), (502, "EXEG-0202-502", false), (504, "EXEG-0204-504", false)])
    func injectedStatusCarriesItsCode(status: Int, code: String, retryAfter: Bool) async throws {
        try await withCollector({ $0.faults = FaultInjection(failRate: 1, failStatus: status, retryAfter: 3) }) { collector in
            let reply = try await collector.collect([xdmEvent()], query: "dataStreamId=ds1&requestId=f-1")
            #expect(reply.status == status)
            #expect(reply.problemCode == code)
            #expect(reply.report["requestId"] as? String == "f-1")
            #expect((reply.headers["retry-after"].first == "3") == retryAfter)
            #expect(try await collector.storedStats().eventsStored == 0)
        }
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
        let clock = ContinuousClock()
        let start = clock.now
        await server.stop()
        let outcome = await pending.result
        #expect(clock.now - start < .seconds(10))
        if case .success(let reply) = outcome {
            #expect(reply.status == 503)
            #expect(reply.problemCode == "EXEG-0201-503")
        }
        #expect(await server.heldRequestCount == 0)
        #expect(try CollectorStatsReader.read(databasePath: collector.databasePath).eventsStored == 0)
    }
}

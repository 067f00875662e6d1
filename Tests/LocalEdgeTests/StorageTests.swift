import Foundation
import GRDB
import Testing
@testable import LocalEdge

/// The SQLite dataset: atomic requests, duplicates, concurrency, persistence.
@Suite struct StorageTests {
    /// 50 concurrent clients sending distinct events: nothing lost, nothing doubled.
    @Test func fiftyConcurrentClientsLoseNothing() async throws {
        try await withCollector { collector in
            let clients = 50, requestsPerClient = 4, eventsPerRequest = 5
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<clients {
                    group.addTask {
                        var statuses: [Int] = []
                        for _ in 0..<requestsPerClient {
                            let events = (0..<eventsPerRequest).map { _ in xdmEvent() }
                            statuses.append(try await collector.collect(events).status)
                        }
                        return statuses
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(statuses.count == clients * requestsPerClient)
            #expect(statuses.allSatisfy { $0 == 202 })
            let expected = clients * requestsPerClient * eventsPerRequest
            let queue = try DatabaseQueue(path: collector.databasePath)
            let rows = try await queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") }
            let distinct = try await queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT id) FROM events") }
            try queue.close()
            #expect(rows == expected)
            #expect(distinct == expected)
            #expect(try await collector.storedStats().duplicates == 0)
        }
    }

    /// A repeated `_id` is counted, not stored twice, and the count survives a restart.
    @Test func duplicateIDsAreCountedAndPersisted() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let event = xdmEvent(id: "dup-1")
        try await withCollector(directory: directory) { collector in
            #expect(try await collector.collect([event]).status == 202)
            #expect(try await collector.collect([event, xdmEvent()]).status == 202)
            #expect(try await collector.collect([xdmEvent(id: "dup-2"), xdmEvent(id: "dup-2")]).status == 202)
            let stats = try await collector.storedStats()
            #expect(stats.eventsStored == 3)
            #expect(stats.duplicates == 2)
        }
        try await withCollector(directory: directory) { collector in
            let stats = try await collector.storedStats()
            #expect(stats.eventsStored == 3)
            #expect(stats.duplicates == 2)
            #expect(stats.requests.isEmpty)
        }
        let offline = try CollectorStatsReader.read(databasePath: directory.appendingPathComponent("events.sqlite").path)
        #expect(offline.eventsStored == 3)
        #expect(offline.duplicates == 2)
    }

    /// Rows carry the columns documented in docs/collector.md.
    @Test func rowsCarryTheDocumentedColumns() async throws {
        try await withCollector { collector in
            let fpid = UUID().uuidString
            let reply = try await collector.collect(
                [xdmEvent(id: "row-1", eventType: "web.webinteraction.linkClicks", fpid: fpid)],
                query: "dataStreamId=ds9&requestId=req-9"
            )
            #expect(reply.status == 202)
            let queue = try DatabaseQueue(path: collector.databasePath)
            let row = try queue.read { db in try Row.fetchOne(db, sql: "SELECT * FROM events WHERE id = 'row-1'") }
            let mode = try await queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
            try queue.close()
            let stored = try #require(row)
            #expect(stored["request_id"] as String? == "req-9")
            #expect(stored["datastream_id"] as String? == "ds9")
            #expect(stored["event_type"] as String? == "web.webinteraction.linkClicks")
            #expect(stored["identity_namespace"] as String? == "FPID")
            #expect(stored["identity_id"] as String? == fpid)
            #expect(stored["timestamp"] as String? == "2026-11-27T10:15:30.123Z")
            let receivedAt: String = stored["received_at"] ?? ""
            #expect(receivedAt.hasSuffix("Z") && receivedAt.contains("."))
            let body = Data((stored["body"] as String? ?? "").utf8)
            let event = try JSONSerialization.jsonObject(with: body) as? [String: Any]
            #expect((event?["xdm"] as? [String: Any])?["_id"] as? String == "row-1")
            #expect(mode == "wal")
        }
    }
}

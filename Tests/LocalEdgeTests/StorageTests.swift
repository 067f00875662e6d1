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

    /// Every copy of a repeated `_id` is stored, as in the data lake; each repeat is
    /// counted, and the count survives a restart.
    @Test func duplicatesAreStoredAndCounted() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let event = xdmEvent(id: "dup-1")
        try await withCollector(directory: directory) { collector in
            #expect(try await collector.collect([event]).status == 202)
            #expect(try await collector.collect([event, xdmEvent()]).status == 202)
            #expect(try await collector.collect([xdmEvent(id: "dup-2"), xdmEvent(id: "dup-2")]).status == 202)
            let stats = try await collector.storedStats()
            #expect(stats.eventsStored == 5)
            #expect(stats.duplicates == 2)
        }
        try await withCollector(directory: directory) { collector in
            #expect(try await collector.collect([event]).status == 202)
            let stats = try await collector.storedStats()
            #expect(stats.eventsStored == 6)
            #expect(stats.duplicates == 3)
            #expect(stats.requests == ["202": 1])
        }
        let path = directory.appendingPathComponent("events.sqlite").path
        let offline = try CollectorStatsReader.read(databasePath: path)
        #expect(offline.eventsStored == 6)
        #expect(offline.duplicates == 3)
        let queue = try DatabaseQueue(path: path)
        let copies = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT id, COUNT(*) AS n FROM events GROUP BY id HAVING n > 1 ORDER BY id")
        }
        try queue.close()
        #expect(copies.map { $0["id"] as String } == ["dup-1", "dup-2"])
        #expect(copies.map { $0["n"] as Int } == [3, 2])
    }

    /// `dedupe` models the Profile store: a repeat is counted but not stored again.
    @Test func dedupeStoresEachIDOnce() async throws {
        try await withCollector({ $0.dedupe = true }) { collector in
            let event = xdmEvent(id: "p-1")
            #expect(try await collector.collect([event]).status == 202)
            #expect(try await collector.collect([event, xdmEvent(id: "p-2"), xdmEvent(id: "p-2")]).status == 202)
            let stats = try await collector.storedStats()
            #expect(stats.eventsStored == 2)
            #expect(stats.duplicates == 2)
        }
    }

    /// A dataset written before every copy was kept (`_id` unique) is migrated in place.
    @Test func oldDatasetIsMigrated() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("events.sqlite").path
        let queue = try DatabaseQueue(path: path)
        var v1 = DatabaseMigrator()
        v1.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE events (id TEXT PRIMARY KEY NOT NULL, request_id TEXT NOT NULL, datastream_id TEXT NOT NULL,
                    event_type TEXT NOT NULL, identity_namespace TEXT NOT NULL, identity_id TEXT NOT NULL,
                    timestamp TEXT NOT NULL, received_at TEXT NOT NULL, body TEXT NOT NULL);
                CREATE INDEX events_event_type ON events(event_type);
                CREATE INDEX events_identity ON events(identity_namespace, identity_id);
                CREATE TABLE counters (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL DEFAULT 0);
                INSERT INTO events VALUES ('old-1', 'r', 'ds', 'web.webpagedetails.pageViews', 'FPID', 'f', 't', 'x', '{}');
                INSERT INTO counters VALUES ('duplicates', 4);
                """)
        }
        try v1.migrate(queue)
        try queue.close()
        try await withCollector(directory: directory) { collector in
            #expect(try await collector.collect([xdmEvent(id: "old-1")]).status == 202)
            let stats = try await collector.storedStats()
            #expect(stats.eventsStored == 2)
            #expect(stats.duplicates == 5)
        }
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

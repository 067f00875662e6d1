import Foundation
import GRDB

/// The dataset: one row per accepted event in a WAL-mode SQLite file.
///
/// Every accepted event is stored, repeats of an `_id` included, as in Adobe's data lake;
/// an event whose `_id` is already stored counts as a duplicate. With `dedupe` (Adobe's
/// Profile store) a repeat is counted but not stored again. Each request is one write
/// transaction committed before the 2xx goes out, with `synchronous=FULL`, so a 2xx
/// means the events are on disk.
final class SQLiteEventStore: EventStore {
    private let pool: DatabasePool
    private let dedupe: Bool

    init(path: String, dedupe: Bool = false) throws {
        self.dedupe = dedupe
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw LocalEdgeError.databaseUnavailable(path: path, reason: "\(error)")
        }
    }

    /// The schema, documented in docs/collector.md.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE events (
                    id TEXT PRIMARY KEY NOT NULL,
                    request_id TEXT NOT NULL,
                    datastream_id TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    identity_namespace TEXT NOT NULL,
                    identity_id TEXT NOT NULL,
                    timestamp TEXT NOT NULL,
                    received_at TEXT NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE INDEX events_event_type ON events(event_type);
                CREATE INDEX events_identity ON events(identity_namespace, identity_id);
                CREATE TABLE counters (
                    name TEXT PRIMARY KEY NOT NULL,
                    value INTEGER NOT NULL DEFAULT 0
                );
                """)
        }
        // Every copy of an event is a row of its own (the data lake keeps repeats),
        // in arrival order; `_id` is indexed, not unique; `event_type` is optional in XDM.
        migrator.registerMigration("v2-every-copy") { db in
            try db.execute(sql: """
                CREATE TABLE events_v2 (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL,
                    request_id TEXT NOT NULL,
                    datastream_id TEXT NOT NULL,
                    event_type TEXT,
                    identity_namespace TEXT NOT NULL,
                    identity_id TEXT NOT NULL,
                    timestamp TEXT NOT NULL,
                    received_at TEXT NOT NULL,
                    body TEXT NOT NULL
                );
                INSERT INTO events_v2
                    (id, request_id, datastream_id, event_type, identity_namespace, identity_id, timestamp, received_at, body)
                    SELECT id, request_id, datastream_id, event_type, identity_namespace, identity_id, timestamp, received_at, body
                    FROM events ORDER BY rowid;
                DROP TABLE events;
                ALTER TABLE events_v2 RENAME TO events;
                CREATE INDEX events_id ON events(id);
                CREATE INDEX events_event_type ON events(event_type);
                CREATE INDEX events_identity ON events(identity_namespace, identity_id);
                """)
        }
        // Refused requests, for the console: the latest of each code and a count per code.
        migrator.registerMigration("v3-rejections") { db in
            try RejectionTable.create(db)
        }
        return migrator
    }

    var console: ConsoleQueries? { ConsoleQueries(reader: pool) }

    func recordRejection(_ rejection: RecordedRejection) async throws {
        try await pool.write { db in try RejectionTable.insert(rejection, into: db) }
    }

    func store(_ events: [ValidatedEvent], requestID: String, datastreamID: String) async throws -> Int {
        let receivedAt = ISO8601Shape.utcMilliseconds(Date())
        let dedupe = self.dedupe
        return try await pool.write { db in
            let seen = try db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM events WHERE id = ?)")
            let insert = try db.cachedStatement(sql: """
                INSERT INTO events
                (id, request_id, datastream_id, event_type, identity_namespace, identity_id, timestamp, received_at, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            var duplicates = 0
            for event in events {
                let repeated = try Bool.fetchOne(seen, arguments: [event.id]) ?? false
                if repeated { duplicates += 1 }
                if repeated, dedupe { continue }
                try insert.execute(arguments: [
                    event.id, requestID, datastreamID, event.eventType,
                    event.identityNamespace, event.identityID, event.timestamp, receivedAt, event.body,
                ])
            }
            if duplicates > 0 {
                try Self.increment(db, counter: "duplicates", by: duplicates)
            }
            return duplicates
        }
    }

    func recordTokenIssued() async throws {
        try await pool.write { db in
            try Self.increment(db, counter: "tokens_issued", by: 1)
        }
    }

    func stats() async throws -> LocalEdgeStats {
        try await pool.read { db in try Self.stats(db) }
    }

    func close() async {
        try? pool.close()
    }

    static func increment(_ db: Database, counter: String, by amount: Int) throws {
        try db.execute(
            sql: """
                INSERT INTO counters(name, value) VALUES (?, ?)
                ON CONFLICT(name) DO UPDATE SET value = value + excluded.value
                """,
            arguments: [counter, amount]
        )
    }

    /// Stored counts, shared with ``CollectorStatsReader``.
    static func stats(_ db: Database) throws -> LocalEdgeStats {
        let stored = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0
        let identities = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM (SELECT DISTINCT identity_namespace, identity_id FROM events)"
        ) ?? 0
        var eventTypes: [String: Int] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT event_type, COUNT(*) FROM events WHERE event_type IS NOT NULL GROUP BY event_type"
        ) {
            eventTypes[row[0]] = row[1]
        }
        var counters: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, value FROM counters") {
            counters[row[0]] = row[1]
        }
        return LocalEdgeStats(
            eventsStored: stored,
            duplicates: counters["duplicates"] ?? 0,
            identities: identities,
            eventTypes: eventTypes,
            tokensIssued: counters["tokens_issued"] ?? 0
        )
    }
}

/// Reads the stored counts of a collector database, running or not.
public struct CollectorStatsReader: Sendable {
    public static func read(databasePath: String) throws -> LocalEdgeStats {
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw LocalEdgeError.databaseUnavailable(path: databasePath, reason: "no such file")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        do {
            let queue = try DatabaseQueue(path: databasePath, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in try SQLiteEventStore.stats(db) }
        } catch {
            throw LocalEdgeError.databaseUnavailable(path: databasePath, reason: "\(error)")
        }
    }
}

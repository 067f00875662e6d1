import Foundation
import GRDB

/// A collect request the stand-in refused, as the console lists it: the problem it
/// answered, kept so a pipeline's author can see why Edge would refuse its requests.
struct RecordedRejection: Codable, Sendable, Equatable {
    /// `EXEG-NNNN-SSS`, or `nil` for an answer without a code (429).
    var code: String?
    var status: Int
    var title: String
    var detail: String
    var requestID: String
    var datastreamID: String?
    /// ISO-8601 UTC with milliseconds.
    var receivedAt: String
    /// The `application/problem+json` body exactly as answered.
    var problem: String

    enum CodingKeys: String, CodingKey {
        case code, status, title, detail, problem
        case requestID = "requestId"
        case datastreamID = "datastreamId"
        case receivedAt
    }

    init(_ problem: EdgeProblem, context: ProblemContext, receivedAt: Date = Date()) {
        code = problem.code
        status = problem.status
        title = problem.title
        detail = problem.detail
        requestID = context.requestID
        datastreamID = context.configID
        self.receivedAt = ISO8601Shape.utcMilliseconds(receivedAt)
        self.problem = String(buffer: problem.body(context))
    }

    init(code: String?, status: Int, title: String, detail: String, requestID: String, datastreamID: String?, receivedAt: String, problem: String) {
        self.code = code
        self.status = status
        self.title = title
        self.detail = detail
        self.requestID = requestID
        self.datastreamID = datastreamID
        self.receivedAt = receivedAt
        self.problem = problem
    }
}

/// Rejected requests in the dataset: every one counted by code, the latest
/// ``keptPerCode`` of each kept whole, so a sender refused in a loop cannot fill the disk.
enum RejectionTable {
    static let keptPerCode = 20

    /// The `v3-rejections` migration, documented in docs/collector.md.
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE rejections (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                code TEXT NOT NULL,
                status INTEGER NOT NULL,
                title TEXT NOT NULL,
                detail TEXT NOT NULL,
                request_id TEXT NOT NULL,
                datastream_id TEXT,
                received_at TEXT NOT NULL,
                problem TEXT NOT NULL
            );
            CREATE INDEX rejections_code ON rejections(code, seq);
            CREATE TABLE rejection_counts (
                code TEXT PRIMARY KEY NOT NULL,
                status INTEGER NOT NULL,
                title TEXT NOT NULL,
                total INTEGER NOT NULL,
                last_at TEXT NOT NULL
            );
            """)
    }

    /// Stores one rejection and drops the oldest of its code beyond ``keptPerCode``.
    /// A rejection without a code is filed under `""`.
    static func insert(_ rejection: RecordedRejection, into db: Database) throws {
        let key = rejection.code ?? ""
        try db.execute(
            sql: """
                INSERT INTO rejections (code, status, title, detail, request_id, datastream_id, received_at, problem)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                key, rejection.status, rejection.title, rejection.detail, rejection.requestID,
                rejection.datastreamID, rejection.receivedAt, rejection.problem,
            ]
        )
        try db.execute(
            sql: """
                INSERT INTO rejection_counts (code, status, title, total, last_at) VALUES (?, ?, ?, 1, ?)
                ON CONFLICT(code) DO UPDATE SET total = total + 1, status = excluded.status,
                    title = excluded.title, last_at = excluded.last_at
                """,
            arguments: [key, rejection.status, rejection.title, rejection.receivedAt]
        )
        try db.execute(
            sql: """
                DELETE FROM rejections WHERE code = ? AND seq <= (
                    SELECT seq FROM rejections WHERE code = ? ORDER BY seq DESC LIMIT 1 OFFSET ?
                )
                """,
            arguments: [key, key, keptPerCode]
        )
    }
}

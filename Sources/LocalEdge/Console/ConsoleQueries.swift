import Foundation
import GRDB

/// What the console's list of events is narrowed to; empty members narrow nothing.
struct EventFilter: Sendable, Equatable {
    /// Part of an identity id, or `NAMESPACE:id` exactly.
    var identity = ""
    /// `pageView`, `linkClick` or a raw `xdm.eventType`.
    var type = ""
    /// Text anywhere in the stored event.
    var text = ""

    var isEmpty: Bool { identity.isEmpty && type.isEmpty && text.isEmpty }
}

/// Refused requests of one code: how many, and the latest kept whole.
struct RejectionGroup: Codable, Sendable, Equatable {
    var code: String?
    var status: Int
    var title: String
    var total: Int
    var lastAt: String
    var recent: [RecordedRejection]
}

/// Page views and link clicks of one minute of event time.
struct ChartMinute: Codable, Sendable, Equatable {
    /// `YYYY-MM-DDTHH:MM`, the minute of `xdm.timestamp` as sent (edgetail sends UTC).
    var minute: String
    var pageViews: Int
    var linkClicks: Int
}

/// The console's reads of the dataset. Read-only and concurrent with collect's writes
/// (WAL), so watching the console never slows a sender down.
struct ConsoleQueries: Sendable {
    let reader: any DatabaseReader

    /// Most the events list returns at once.
    static let maximumLimit = 500
    /// Most events of one visitor's timeline.
    static let timelineLimit = 1000

    private static let eventColumns =
        "seq, id, event_type, timestamp, received_at, identity_namespace, identity_id, datastream_id, body"

    /// Matching events, newest first: the latest `limit`, or with `after` only those
    /// that arrived since (`seq > after`), at most `limit` of them.
    func events(_ filter: EventFilter, after: Int64? = nil, limit: Int = 100) async throws -> (events: [ConsoleEvent], matching: Int) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        Self.narrow(filter, conditions: &conditions, arguments: &arguments)
        let countWhere = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let countArguments = arguments
        if let after {
            conditions.append("seq > ?")
            arguments += [after]
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let bounded = max(1, min(limit, Self.maximumLimit))
        let selectArguments = arguments + [bounded]
        return try await reader.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT \(Self.eventColumns) FROM events\(whereClause) ORDER BY seq DESC LIMIT ?",
                arguments: selectArguments
            )
            let matching = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events\(countWhere)", arguments: countArguments) ?? 0
            return (rows.map(Self.event), matching)
        }
    }

    /// Every event of one identity in event-time order (arrival order among equal
    /// timestamps); any namespace unless one is given.
    func timeline(identity: String, namespace: String? = nil) async throws -> [ConsoleEvent] {
        var sql = "SELECT \(Self.eventColumns) FROM events WHERE identity_id = ?"
        var arguments: StatementArguments = [identity]
        if let namespace, !namespace.isEmpty {
            sql += " AND identity_namespace = ?"
            arguments += [namespace]
        }
        sql += " ORDER BY timestamp, seq LIMIT \(Self.timelineLimit)"
        let query = sql
        let queryArguments = arguments
        return try await reader.read { db in
            try Row.fetchAll(db, sql: query, arguments: queryArguments).map(Self.event)
        }
    }

    /// Refused requests by code, the most recently seen code first.
    func rejections() async throws -> [RejectionGroup] {
        try await reader.read { db in
            try Row.fetchAll(db, sql: """
                SELECT code, status, title, total, last_at FROM rejection_counts
                ORDER BY (SELECT MAX(seq) FROM rejections WHERE rejections.code = rejection_counts.code) DESC, code
                """)
                .map { row in
                    let key: String = row["code"]
                    let recent = try Row.fetchAll(
                        db,
                        sql: """
                            SELECT code, status, title, detail, request_id, datastream_id, received_at, problem
                            FROM rejections WHERE code = ? ORDER BY seq DESC
                            """,
                        arguments: [key]
                    ).map { recent in
                        let code: String = recent["code"]
                        return RecordedRejection(
                            code: code.isEmpty ? nil : code,
                            status: recent["status"],
                            title: recent["title"],
                            detail: recent["detail"],
                            requestID: recent["request_id"],
                            datastreamID: recent["datastream_id"],
                            receivedAt: recent["received_at"],
                            problem: recent["problem"]
                        )
                    }
                    return RejectionGroup(
                        code: key.isEmpty ? nil : key,
                        status: row["status"],
                        title: row["title"],
                        total: row["total"],
                        lastAt: row["last_at"],
                        recent: recent
                    )
                }
        }
    }

    /// Page views and link clicks per minute of event time over the last `minutes`
    /// minutes that end with the latest event's, minutes without events included as zero.
    func chart(minutes: Int = 180) async throws -> [ChartMinute] {
        let rows = try await reader.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT substr(timestamp, 1, 16) AS minute,
                           SUM(event_type = ?) AS page_views,
                           SUM(event_type = ?) AS link_clicks
                    FROM events GROUP BY minute ORDER BY minute DESC LIMIT ?
                    """,
                arguments: [ConsoleEvent.pageViewType, ConsoleEvent.linkClickType, max(1, minutes)]
            ).map { ChartMinute(minute: $0["minute"], pageViews: $0["page_views"] ?? 0, linkClicks: $0["link_clicks"] ?? 0) }
        }
        return Self.filled(rows.reversed(), minutes: minutes)
    }

    /// Inserts the empty minutes between counted ones, keeping the last `minutes`.
    static func filled(_ counted: [ChartMinute], minutes: Int) -> [ChartMinute] {
        guard let last = counted.last, let end = minuteDate(last.minute) else { return counted }
        let byMinute = Dictionary(counted.map { ($0.minute, $0) }, uniquingKeysWith: { first, _ in first })
        let firstDate = counted.first.flatMap { minuteDate($0.minute) } ?? end
        let span = min(minutes, Int(end.timeIntervalSince(firstDate) / 60) + 1)
        guard span > 0 else { return counted }
        return (0..<span).map { offset in
            let date = end.addingTimeInterval(Double(offset - span + 1) * 60)
            let key = minuteKey(date)
            return byMinute[key] ?? ChartMinute(minute: key, pageViews: 0, linkClicks: 0)
        }
    }

    private static func minuteDate(_ minute: String) -> Date? {
        try? Date(minute + ":00Z", strategy: Date.ISO8601FormatStyle(timeZone: .gmt))
    }

    private static func minuteKey(_ date: Date) -> String {
        String(date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt)).prefix(16))
    }

    private static func narrow(_ filter: EventFilter, conditions: inout [String], arguments: inout StatementArguments) {
        let identity = filter.identity.trimmingCharacters(in: .whitespaces)
        if !identity.isEmpty {
            conditions.append("(identity_id LIKE ? ESCAPE '\\' OR identity_namespace || ':' || identity_id = ?)")
            arguments += [likePattern(identity), identity]
        }
        if !filter.type.isEmpty {
            conditions.append("event_type = ?")
            arguments += [ConsoleEvent.eventType(forFilter: filter.type)]
        }
        let text = filter.text.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty {
            conditions.append("body LIKE ? ESCAPE '\\'")
            arguments += [likePattern(text)]
        }
    }

    /// `%text%` with LIKE's wildcards taken literally.
    static func likePattern(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%" + escaped + "%"
    }

    private static func event(_ row: Row) -> ConsoleEvent {
        ConsoleEvent(
            seq: row["seq"],
            id: row["id"],
            eventType: row["event_type"],
            timestamp: row["timestamp"],
            receivedAt: row["received_at"],
            namespace: row["identity_namespace"],
            identity: row["identity_id"],
            datastreamID: row["datastream_id"],
            body: row["body"]
        )
    }
}

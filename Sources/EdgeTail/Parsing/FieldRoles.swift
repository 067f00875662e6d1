/// Which named field of a line is which part of an access-log record, for the
/// formats whose fields carry names of their own (`json`, `logfmt`, `regex`).
///
/// Without `fields:`, the usual names are recognised: nginx's variable names
/// (`remote_addr`, `time_iso8601`, `request_uri`, …, as `log_format … escape=json`
/// writes them), Caddy's (`request.remote_ip`, `request.uri`, `request.headers.User-Agent`)
/// and Traefik's (`ClientHost`, `RequestPath`, `DownstreamStatus`). `fields:` names the
/// field for a role explicitly; that role then takes only that field.
public struct FieldRoles: Sendable {
    public enum Role: String, CaseIterable, Sendable {
        case client, user, time, method, request, url, path, query, `protocol`, status, bytes, referer
        case userAgent = "user_agent"
        case host, cookie
    }

    struct Entry: Sendable {
        var name: [UInt8]
        var slot: LogFormatTemplate.Slot
        /// The slot when it carries nothing but its kind, assigned without a copy of `slot`.
        var plain: PlainSlot?

        init(name: [UInt8], slot: LogFormatTemplate.Slot) {
            self.name = name
            self.slot = slot
            plain = slot.plain
        }
    }

    let entries: [Entry]

    static let defaultNames: [Role: [String]] = [
        .client: ["remote_addr", "realip_remote_addr", "client_ip", "client", "ip", "remote_ip", "request.remote_ip", "request.client_ip", "ClientHost"],
        .user: ["remote_user", "user", "user_id", "request.user_id"],
        .time: ["time", "timestamp", "ts", "@timestamp", "StartUTC", "start_time"],
        .method: ["request_method", "method", "request.method", "RequestMethod"],
        .request: ["request"],
        .url: ["request_uri", "url", "request.uri", "RequestPath"],
        .path: ["uri", "path", "document_uri"],
        .query: ["args", "query_string", "query"],
        .protocol: ["server_protocol", "protocol", "proto", "request.proto", "RequestProtocol"],
        .status: ["status", "status_code", "DownstreamStatus"],
        .bytes: ["body_bytes_sent", "bytes_sent", "bytes", "size", "DownstreamContentSize"],
        .referer: ["http_referer", "referer", "referrer", "request.headers.Referer", "request_Referer"],
        .userAgent: ["http_user_agent", "user_agent", "ua", "request.headers.User-Agent", "request_User-Agent"],
        .host: ["host", "http_host", "server_name", "request.host", "RequestHost"],
        .cookie: ["http_cookie", "cookie", "request.headers.Cookie", "request_Cookie"],
    ]

    /// - Parameter fields: role → field name, from `fields:`.
    public init(fields: [Role: String], time: TimeParsing = TimeParsing()) {
        var entries: [Entry] = []
        for role in Role.allCases {
            let names = fields[role].map { [$0] } ?? Self.defaultNames[role] ?? []
            for name in names {
                entries.append(Entry(name: Array(name.utf8), slot: Self.slot(role, time: time)))
            }
        }
        // Named time variables of nginx say how they are written.
        if fields[.time] == nil {
            entries += [Entry(name: Array("time_local".utf8), slot: .timeLocal), Entry(name: Array("time_iso8601".utf8), slot: .timeISO8601),
                        Entry(name: Array("msec".utf8), slot: .timeEpoch)]
        }
        self.entries = entries
    }

    static func slot(_ role: Role, time: TimeParsing) -> LogFormatTemplate.Slot {
        switch role {
        case .client: .client
        case .user: .user
        case .time: .time(time)
        case .method: .method
        case .request: .request
        case .url: .target
        case .path: .path
        case .query: .query
        case .protocol: .protocolName
        case .status: .status
        case .bytes: .bytes
        case .referer: .referer
        case .userAgent: .userAgent
        case .host: .host
        case .cookie: .cookieHeader
        }
    }

    /// The entry of the field named by `name` (bytes), or nil for other fields.
    @inline(__always)
    func entry(named name: UnsafeBufferPointer<UInt8>) -> Int? {
        for position in entries.indices where entries[position].name.count == name.count && entries[position].name.first == name.first {
            var index = 1
            while index < name.count && entries[position].name[index] == name[index] { index += 1 }
            if index == name.count { return position }
        }
        return nil
    }
}

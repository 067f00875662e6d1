/// `format: haproxy`: HAProxy's HTTP log format (`option httplog`), as HAProxy sends
/// it to syslog or as a syslog daemon writes it to a file (the `Feb  6 12:14:14 host
/// haproxy[14389]: ` prefix is skipped):
///
///     10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750
///     - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"
///
/// The accept date has no zone: it is in `timezone` (UTC by default). Headers captured
/// with `capture request header` appear in the first `{…}` in the order they are
/// captured; `request_headers` names them, so `Host`, `User-Agent`, `Referer` and
/// `Cookie` fill their roles and others become `{var.http_NAME}`.
public struct HAProxyLineParser: Sendable {
    /// One reference, as the parser is copied out of its `LineParser` case per line.
    final class Settings: Sendable {
        let requestHeaders: [LogFormatTemplate.Slot]
        let time: TimeParsing

        init(requestHeaders: [LogFormatTemplate.Slot], time: TimeParsing) {
            self.requestHeaders = requestHeaders
            self.time = time
        }
    }

    let settings: Settings

    static let acceptDate = TimeParsing.Form.pattern([
        .day, .literal(UInt8(ascii: "/")), .monthName, .literal(UInt8(ascii: "/")), .year, .literal(UInt8(ascii: ":")),
        .hour, .literal(UInt8(ascii: ":")), .minute, .literal(UInt8(ascii: ":")), .second, .literal(UInt8(ascii: ".")), .fraction,
    ])
    static let timerNames = ["TR", "Tw", "Tc", "Tr", "Ta"].map { Array($0.utf8) }
    static let frontendName = Array("frontend_name".utf8)
    static let backendName = Array("backend_name".utf8)
    static let serverName = Array("server_name".utf8)
    static let requestCookie = Array("captured_request_cookie".utf8)
    static let responseCookie = Array("captured_response_cookie".utf8)
    static let terminationState = Array("termination_state".utf8)
    static let cookiesAndState = [requestCookie, responseCookie, terminationState]
    static let capturedRequestHeaders = Array("captured_request_headers".utf8)
    static let capturedResponseHeaders = Array("captured_response_headers".utf8)

    /// - Parameter requestHeaders: the captured request headers' names, in capture order.
    public init(requestHeaders: [String] = [], zone: TimeParsing.Zone = .fixed(seconds: 0)) {
        settings = Settings(requestHeaders: requestHeaders.map(Self.slot(forHeader:)), time: TimeParsing(form: Self.acceptDate, zone: zone))
    }

    static func slot(forHeader name: String) -> LogFormatTemplate.Slot {
        switch name.lowercased() {
        case "host": .host
        case "user-agent": .userAgent
        case "referer", "referrer": .referer
        case "cookie": .cookieHeader
        default: .named(Array(("http_" + name.lowercased().replacingOccurrences(of: "-", with: "_")).utf8))
        }
    }

    public func parse(_ buffer: UnsafeBufferPointer<UInt8>, line: ByteRange, into record: inout AccessLogRecord) throws(LineParseError) {
        let requestHeaders = settings.requestHeaders, time = settings.time
        record.reset()
        var end = line.end
        while end > line.start && (buffer[end - 1] == 0x0D || buffer[end - 1] == 0x20) { end -= 1 }
        if end <= line.start { throw .empty }
        var scanner = FieldScanner(buffer, from: Self.payloadStart(buffer, line.start, end), to: end, separator: .spaces, brackets: true)
        var sawTime = false

        guard let client = try scanner.next("client_ip:client_port") else { throw .empty }
        record.client = ColumnLineParser.addressWithoutPort(buffer, client)
        guard scanner.nextByte == UInt8(ascii: "["), let date = try scanner.next("accept_date") else { throw .missingField("[accept_date]") }
        try LogFormatTemplate.Slot.time(time).assign(date, name: "accept_date", buffer, &record, sawTime: &sawTime)
        guard let frontend = try scanner.next("frontend_name") else { throw .missingField("frontend_name") }
        record.named.append(.init(name: Self.frontendName, range: frontend))
        guard let backendServer = try scanner.next("backend_name/server_name") else { throw .missingField("backend_name/server_name") }
        var parts = Self.split(buffer, backendServer, by: UInt8(ascii: "/"))
        record.named.append(.init(name: Self.backendName, range: parts.next() ?? .empty))
        record.named.append(.init(name: Self.serverName, range: parts.next() ?? .empty))
        guard let timers = try scanner.next("TR/Tw/Tc/Tr/Ta") else { throw .missingField("TR/Tw/Tc/Tr/Ta") }
        var timer = Self.split(buffer, timers, by: UInt8(ascii: "/"))
        for name in Self.timerNames {
            guard let value = timer.next() else { break }
            record.named.append(.init(name: name, range: value))
        }
        guard let status = try scanner.next("status_code") else { throw .missingField("status_code") }
        try LogFormatTemplate.Slot.status.assign(status, name: "status_code", buffer, &record, sawTime: &sawTime)
        guard var bytes = try scanner.next("bytes_read") else { throw .missingField("bytes_read") }
        if !bytes.isEmpty && buffer[bytes.start] == UInt8(ascii: "+") { bytes = ByteRange(bytes.start + 1, bytes.end) }
        try LogFormatTemplate.Slot.bytes.assign(bytes, name: "bytes_read", buffer, &record, sawTime: &sawTime)
        for name in Self.cookiesAndState {
            guard let value = try scanner.next(String(decoding: name, as: UTF8.self)) else { throw .missingField(String(decoding: name, as: UTF8.self)) }
            record.named.append(.init(name: name, range: value))
        }
        guard try scanner.next("actconn/feconn/beconn/srv_conn/retries") != nil else { throw .missingField("actconn/feconn/beconn/srv_conn/retries") }
        guard try scanner.next("srv_queue/backend_queue") != nil else { throw .missingField("srv_queue/backend_queue") }
        var braces = 0
        while scanner.nextByte == UInt8(ascii: "{"), let captured = try scanner.next("captured headers") {
            if braces == 0 && !requestHeaders.isEmpty {
                var values = Self.split(buffer, captured, by: UInt8(ascii: "|"))
                for slot in requestHeaders {
                    guard let value = values.next() else { break }
                    try slot.assign(value, name: "captured request header", buffer, &record, sawTime: &sawTime)
                }
            } else {
                record.named.append(.init(name: braces == 0 ? Self.capturedRequestHeaders : Self.capturedResponseHeaders, range: captured))
            }
            braces += 1
        }
        guard scanner.nextByte == UInt8(ascii: "\""), let request = try scanner.next("http_request") else {
            throw .missingField("\"http_request\" (is this an HTTP log? TCP logs and custom log-format lines are not the HTTP format)")
        }
        try LogFormatTemplate.Slot.request.assign(request, name: "http_request", buffer, &record, sawTime: &sawTime)
        guard scanner.atEnd else { throw .trailingContent }
    }

    /// Where HAProxy's own text starts: after a syslog prefix ending in `: ` when the
    /// line does not start with the client's `address:port`.
    static func payloadStart(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var index = start
        var lastColon = -1
        var addressLike = true
        while index < end && buffer[index] != 0x20 {
            let byte = buffer[index]
            if byte == UInt8(ascii: ":") { lastColon = index }
            if !(LogEscapes.hexValue(byte) != nil || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
                 || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")) { addressLike = false }
            index += 1
        }
        if addressLike && lastColon > start && lastColon + 1 < index { return start }
        var cursor = start
        while cursor + 1 < end {
            if buffer[cursor] == UInt8(ascii: ":") && buffer[cursor + 1] == 0x20 { return cursor + 2 }
            cursor += 1
        }
        return start
    }

    /// The parts of `range` between `separator` bytes.
    static func split(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange, by separator: UInt8) -> ByteSplitter {
        ByteSplitter(buffer: buffer, range: range, separator: separator)
    }
}

/// The parts of a byte range between separator bytes (`backend/server`, `a|b|c`).
struct ByteSplitter: IteratorProtocol {
    let buffer: UnsafeBufferPointer<UInt8>
    let range: ByteRange
    let separator: UInt8
    private var cursor: Int
    private var done: Bool

    init(buffer: UnsafeBufferPointer<UInt8>, range: ByteRange, separator: UInt8) {
        self.buffer = buffer
        self.range = range
        self.separator = separator
        cursor = range.start
        done = range.isEmpty
    }

    mutating func next() -> ByteRange? {
        guard !done else { return nil }
        let start = cursor
        while cursor < range.end && buffer[cursor] != separator { cursor += 1 }
        if cursor >= range.end { done = true } else { cursor += 1 }
        return ByteRange(start, cursor - (done ? 0 : 1))
    }
}

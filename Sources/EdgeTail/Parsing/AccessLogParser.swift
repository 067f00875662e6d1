/// Parses the NCSA common and combined access-log formats over raw bytes.
///
/// Accepted shapes, each optionally led by a virtual host (`host` or `host:port`,
/// as in Apache's `vhost_combined`):
///
///     common:   client ident user [time] "request" status bytes
///     combined: common "referer" "user-agent" ["extra" …]
///
/// Quoted fields honour backslash escapes (Apache writes `\"`, nginx `\x22`).
/// A request that is not `METHOD target PROTOCOL` (TLS probes, `"-"`) still parses:
/// its method stays empty, so rules decide what it is.
public struct AccessLogParser: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case common
        case combined
    }

    public let format: Format

    public init(format: Format) {
        self.format = format
    }

    /// Parses `line` (a range of `buffer`, without its newline) into `record`.
    public func parse(_ buffer: UnsafeBufferPointer<UInt8>, line: ByteRange, into record: inout AccessLogRecord) throws(LineParseError) {
        record.reset()
        var cursor = line.start
        let end = trimmedEnd(buffer, line)
        if cursor >= end { throw .empty }

        // Up to four space-separated tokens before `[`: [vhost] client ident user.
        var tokens: (ByteRange, ByteRange, ByteRange, ByteRange) = (.empty, .empty, .empty, .empty)
        var tokenCount = 0
        while cursor < end && buffer[cursor] != UInt8(ascii: "[") {
            let start = cursor
            while cursor < end && buffer[cursor] != UInt8(ascii: " ") { cursor += 1 }
            let token = ByteRange(start, cursor)
            switch tokenCount {
            case 0: tokens.0 = token
            case 1: tokens.1 = token
            case 2: tokens.2 = token
            case 3: tokens.3 = token
            default: throw .malformedField("client, ident and user (too many fields before the time)")
            }
            tokenCount += 1
            while cursor < end && buffer[cursor] == UInt8(ascii: " ") { cursor += 1 }
        }
        switch tokenCount {
        case 3:
            record.client = tokens.0; record.ident = tokens.1; record.user = tokens.2
        case 4:
            record.virtualHost = tokens.0; record.client = tokens.1; record.ident = tokens.2; record.user = tokens.3
        default:
            throw cursor >= end ? .missingField("time") : .missingField("client, ident and user")
        }

        // [10/Oct/2000:13:55:36 -0700]
        guard cursor < end, buffer[cursor] == UInt8(ascii: "[") else { throw .missingField("time") }
        let timeStart = cursor + 1
        var timeEnd = timeStart
        while timeEnd < end && buffer[timeEnd] != UInt8(ascii: "]") { timeEnd += 1 }
        guard timeEnd < end else { throw .unterminatedQuote("time") }
        record.timeText = ByteRange(timeStart, timeEnd)
        guard let time = Self.parseCommonLogTime(buffer, record.timeText) else { throw .malformedField("time") }
        record.time = time
        cursor = timeEnd + 1
        try expectSpace(buffer, &cursor, end, before: "request")

        record.request = try quoted(buffer, &cursor, end, name: "request")
        splitRequest(buffer, &record)
        try expectSpace(buffer, &cursor, end, before: "status")

        let statusStart = cursor
        while cursor < end && buffer[cursor] != UInt8(ascii: " ") { cursor += 1 }
        guard cursor - statusStart == 3, let status = Self.integer(buffer, ByteRange(statusStart, cursor)) else {
            throw cursor == statusStart ? .missingField("status") : .malformedField("status")
        }
        record.status = status
        try expectSpace(buffer, &cursor, end, before: "bytes")

        let bytesStart = cursor
        while cursor < end && buffer[cursor] != UInt8(ascii: " ") { cursor += 1 }
        let bytesRange = ByteRange(bytesStart, cursor)
        if bytesRange.count == 1 && buffer[bytesStart] == UInt8(ascii: "-") {
            record.bytesSent = 0
        } else if let sent = Self.integer(buffer, bytesRange) {
            record.bytesSent = sent
        } else {
            throw bytesRange.isEmpty ? .missingField("bytes") : .malformedField("bytes")
        }

        guard format == .combined else {
            if cursor < end { throw .trailingContent }
            return
        }
        try expectSpace(buffer, &cursor, end, before: "referer")
        record.referer = try quoted(buffer, &cursor, end, name: "referer")
        try expectSpace(buffer, &cursor, end, before: "user agent")
        record.userAgent = try quoted(buffer, &cursor, end, name: "user agent")
        while cursor < end {
            while cursor < end && buffer[cursor] == UInt8(ascii: " ") { cursor += 1 }
            if cursor >= end { break }
            if buffer[cursor] == UInt8(ascii: "\"") {
                record.extras.append(try quoted(buffer, &cursor, end, name: "extra field"))
            } else {
                // Unquoted trailing tokens (e.g. nginx `$request_time`) are kept too.
                let start = cursor
                while cursor < end && buffer[cursor] != UInt8(ascii: " ") { cursor += 1 }
                record.extras.append(ByteRange(start, cursor))
            }
        }
    }

    @inline(__always)
    private func trimmedEnd(_ buffer: UnsafeBufferPointer<UInt8>, _ line: ByteRange) -> Int {
        var end = line.end
        while end > line.start, buffer[end - 1] == UInt8(ascii: "\r") || buffer[end - 1] == UInt8(ascii: " ") {
            end -= 1
        }
        return end
    }

    @inline(__always)
    private func expectSpace(_ buffer: UnsafeBufferPointer<UInt8>, _ cursor: inout Int, _ end: Int, before name: StaticString) throws(LineParseError) {
        guard cursor < end else { throw .missingField("\(name)") }
        guard buffer[cursor] == UInt8(ascii: " ") else { throw .malformedField("separator before \(name)") }
        while cursor < end && buffer[cursor] == UInt8(ascii: " ") { cursor += 1 }
    }

    /// Reads `"…"` at `cursor`; returns the content range (escapes left in place).
    /// Jumps from quote to quote: a quote with a backslash before it is looked at
    /// again after the byte the backslash escapes.
    @inline(__always)
    private func quoted(_ buffer: UnsafeBufferPointer<UInt8>, _ cursor: inout Int, _ end: Int, name: StaticString) throws(LineParseError) -> ByteRange {
        guard cursor < end else { throw .missingField("\(name)") }
        guard buffer[cursor] == UInt8(ascii: "\"") else { throw .malformedField("\(name) (expected a quoted field)") }
        let start = cursor + 1
        var index = start
        while let quote = ByteSearch.firstIndex(of: UInt8(ascii: "\""), in: buffer, from: index, to: end) {
            if let backslash = ByteSearch.firstIndex(of: UInt8(ascii: "\\"), in: buffer, from: index, to: quote) {
                index = backslash + 2
                continue
            }
            cursor = quote + 1
            return ByteRange(start, quote)
        }
        throw .unterminatedQuote("\(name)")
    }

    /// Splits `METHOD target PROTOCOL`, and the target into path and query.
    @inline(__always)
    private func splitRequest(_ buffer: UnsafeBufferPointer<UInt8>, _ record: inout AccessLogRecord) {
        Self.splitRequest(buffer, &record)
    }

    /// Splits `METHOD target PROTOCOL`, and the target into path and query.
    @inline(__always)
    static func splitRequest(_ buffer: UnsafeBufferPointer<UInt8>, _ record: inout AccessLogRecord) {
        let request = record.request
        var index = request.start
        while index < request.end && buffer[index] != UInt8(ascii: " ") { index += 1 }
        guard index < request.end else { return }
        let method = ByteRange(request.start, index)
        // Methods are upper-case tokens; anything else (binary probes) is not a request.
        var valid = !method.isEmpty
        for position in method.start..<method.end where !(buffer[position] >= 0x41 && buffer[position] <= 0x5A) {
            valid = false
        }
        guard valid else { return }
        index += 1
        let targetStart = index
        while index < request.end && buffer[index] != UInt8(ascii: " ") { index += 1 }
        record.method = method
        record.target = ByteRange(targetStart, index)
        if index < request.end {
            record.protocolName = ByteRange(index + 1, request.end)
        }
        splitTarget(buffer, &record)
    }

    /// Splits the target into path and query (without its `?`).
    @inline(__always)
    static func splitTarget(_ buffer: UnsafeBufferPointer<UInt8>, _ record: inout AccessLogRecord) {
        var target = record.target
        if let authority = absoluteURLAuthority(buffer, target) {
            // `GET http://www.example.com:80/a?b HTTP/1.1` (load balancers, forward proxies).
            if record.virtualHost.isEmpty { record.virtualHost = authority }
            target = ByteRange(authority.end, target.end)
        }
        var questionMark = target.start
        while questionMark < target.end && buffer[questionMark] != UInt8(ascii: "?") { questionMark += 1 }
        record.path = ByteRange(target.start, questionMark)
        record.query = questionMark < target.end ? ByteRange(questionMark + 1, target.end) : .empty
    }

    /// The `host:port` of an absolute `http://` or `https://` target, or nil.
    @inline(__always)
    static func absoluteURLAuthority(_ buffer: UnsafeBufferPointer<UInt8>, _ target: ByteRange) -> ByteRange? {
        let t = target.start
        guard target.count > 7, buffer[t] == UInt8(ascii: "h"), buffer[t + 1] == UInt8(ascii: "t"), buffer[t + 2] == UInt8(ascii: "t"),
              buffer[t + 3] == UInt8(ascii: "p") else { return nil }
        var start = t + 4
        if buffer[start] == UInt8(ascii: "s") { start += 1 }
        guard start + 3 <= target.end, buffer[start] == UInt8(ascii: ":"), buffer[start + 1] == UInt8(ascii: "/"), buffer[start + 2] == UInt8(ascii: "/") else { return nil }
        start += 3
        var end = start
        while end < target.end && buffer[end] != UInt8(ascii: "/") && buffer[end] != UInt8(ascii: "?") { end += 1 }
        return ByteRange(start, end)
    }

    @inline(__always)
    static func integer(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange) -> Int? {
        guard !range.isEmpty, range.count <= 18 else { return nil }
        var value = 0
        for index in range.start..<range.end {
            let digit = buffer[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }

    /// Parses `10/Oct/2000:13:55:36 -0700` (the `%t` of common log format).
    public static func parseCommonLogTime(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange) -> LogTime? {
        guard range.count == 26 else { return nil }
        let base = range.start
        @inline(__always) func digits(_ offset: Int, _ count: Int) -> Int? {
            var value = 0
            for index in 0..<count {
                let digit = buffer[base + offset + index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        guard buffer[base + 2] == UInt8(ascii: "/"), buffer[base + 6] == UInt8(ascii: "/"),
              buffer[base + 11] == UInt8(ascii: ":"), buffer[base + 14] == UInt8(ascii: ":"),
              buffer[base + 17] == UInt8(ascii: ":"), buffer[base + 20] == UInt8(ascii: " "),
              let day = digits(0, 2), let year = digits(7, 4), let hour = digits(12, 2),
              let minute = digits(15, 2), let second = digits(18, 2),
              let offsetHours = digits(22, 2), let offsetMinutes = digits(24, 2),
              let month = monthNumber(buffer[base + 3], buffer[base + 4], buffer[base + 5]),
              day >= 1, day <= 31, hour < 24, minute < 60, second <= 60, offsetMinutes < 60
        else { return nil }
        let sign = buffer[base + 21]
        guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        var offset = offsetHours * 3600 + offsetMinutes * 60
        if sign == UInt8(ascii: "-") { offset = -offset }
        let days = LogTime.daysFromCivil(year: year, month: month, day: day)
        let local = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return LogTime(epochSeconds: local - Int64(offset), offsetSeconds: Int32(offset))
    }

    @inline(__always)
    static func monthNumber(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        let key = (UInt32(a | 0x20) << 16) | (UInt32(b | 0x20) << 8) | UInt32(c | 0x20)
        switch key {
        case 0x6A_61_6E: return 1   // jan
        case 0x66_65_62: return 2   // feb
        case 0x6D_61_72: return 3   // mar
        case 0x61_70_72: return 4   // apr
        case 0x6D_61_79: return 5   // may
        case 0x6A_75_6E: return 6   // jun
        case 0x6A_75_6C: return 7   // jul
        case 0x61_75_67: return 8   // aug
        case 0x73_65_70: return 9   // sep
        case 0x6F_63_74: return 10  // oct
        case 0x6E_6F_76: return 11  // nov
        case 0x64_65_63: return 12  // dec
        default: return nil
        }
    }
}

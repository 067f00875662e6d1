/// A named field of a parsed line, as written in templates (`{query.q}`),
/// identity rules (`cookie.FPID`) and `derive:` lists.
public enum FieldReference: Sendable, Hashable {
    case clientIP, ident, user, method, path, target, query, protocolName
    case status, bytesSent, referer, userAgent, host
    case extra(Int)
    case queryParameter([UInt8])
    case cookie([UInt8])
    /// A variable of the log format (`var.upstream_addr`, `var.http_x_forwarded_for`).
    case variable([UInt8])
    /// A field of the journal entry the line came from (`journal._HOSTNAME`).
    case journal([UInt8])

    /// The plain field names, for error messages and documentation.
    public static let plainNames: [String: FieldReference] = [
        "client_ip": .clientIP, "ident": .ident, "user": .user, "method": .method,
        "path": .path, "target": .target, "query": .query, "protocol": .protocolName,
        "status": .status, "bytes": .bytesSent, "referer": .referer,
        "user_agent": .userAgent, "host": .host,
    ]

    public struct UnknownField: Error, Sendable, CustomStringConvertible {
        public var name: String
        public var description: String {
            let names = FieldReference.plainNames.keys.sorted().joined(separator: ", ")
            return "unknown field '\(name)'; expected one of: \(names), query.NAME, cookie.NAME, extra.N, var.NAME, journal.FIELD"
        }
    }

    public init(parsing name: String) throws(UnknownField) {
        if let plain = Self.plainNames[name] {
            self = plain
        } else if name.hasPrefix("query."), name.count > 6 {
            self = .queryParameter(Array(name.utf8.dropFirst(6)))
        } else if name.hasPrefix("cookie."), name.count > 7 {
            self = .cookie(Array(name.utf8.dropFirst(7)))
        } else if name.hasPrefix("var."), name.count > 4 {
            self = .variable(Array(name.utf8.dropFirst(4)))
        } else if name.hasPrefix("journal."), name.count > 8 {
            self = .journal(Array(name.utf8.dropFirst(8)))
        } else if name.hasPrefix("extra."), let position = Int(name.dropFirst(6)), position >= 1 {
            self = .extra(position)
        } else {
            throw UnknownField(name: name)
        }
    }
}

/// Reads field values out of a parsed line, resolving log escapes and URL encoding.
public struct FieldExtractor: Sendable {
    /// Where `{cookie.NAME}` looks.
    public var cookieField: FieldReference

    public init(cookieField: FieldReference) {
        self.cookieField = cookieField
    }

    /// Appends the field's value to `out`; false when the line has no value for it
    /// (absent, empty, or `-`).
    public func append(_ field: FieldReference, _ buffer: UnsafeBufferPointer<UInt8>, _ record: AccessLogRecord, to out: inout [UInt8]) -> Bool {
        switch field {
        case .status:
            guard record.status > 0 else { return false }
            appendDecimal(record.status, to: &out)
            return true
        case .bytesSent:
            appendDecimal(record.bytesSent, to: &out)
            return true
        case .host:
            let host = Self.hostWithoutPort(buffer, record.virtualHost)
            return appendRaw(buffer, host, to: &out)
        case .queryParameter(let name):
            guard let value = Self.queryParameter(buffer, record.query, named: name) else { return false }
            let before = out.count
            LogEscapes.percentDecode(buffer, value, into: &out)
            return out.count > before
        case .cookie(let name):
            if let value = Self.named(record, Array("cookie_".utf8) + name) { return appendRaw(buffer, value, to: &out) }
            let header = record.cookieHeader.isEmpty ? range(of: cookieField, buffer, record) : record.cookieHeader
            guard let cookies = header, let value = Self.cookie(buffer, cookies, named: name) else { return false }
            return appendRaw(buffer, value, to: &out)
        case .journal:
            guard let value = range(of: field, buffer, record) else { return false }
            return appendRaw(buffer, value, to: &out)
        case .userAgent where record.userAgentIsURLEncoded:
            guard let value = range(of: field, buffer, record) else { return false }
            LogEscapes.percentDecode(buffer, value, into: &out)
            return true
        default:
            guard let range = range(of: field, buffer, record) else { return false }
            return appendUnescaped(buffer, range, to: &out)
        }
    }

    /// For a field whose value `append` takes from one slice of the line and unescapes
    /// (its `default` case), that slice, as it lies: its bytes decide the value, so a
    /// cache can be keyed by them without building the value. `.some(nil)` when the
    /// line has no value; nil for the fields whose value is built otherwise (numbers,
    /// decoded query parameters and cookies, a URL-encoded agent, the host, journal fields).
    public func valueSlice(of field: FieldReference, _ buffer: UnsafeBufferPointer<UInt8>, _ record: AccessLogRecord) -> ByteRange?? {
        switch field {
        case .status, .bytesSent, .host, .queryParameter, .cookie, .journal:
            return nil
        case .userAgent where record.userAgentIsURLEncoded:
            return nil
        default:
            return .some(range(of: field, buffer, record))
        }
    }

    /// The raw range of a field that is a plain slice of the line.
    public func range(of field: FieldReference, _ buffer: UnsafeBufferPointer<UInt8>, _ record: AccessLogRecord) -> ByteRange? {
        let range: ByteRange
        switch field {
        case .clientIP: range = record.client
        case .ident: range = record.ident
        case .user: range = record.user
        case .method: range = record.method
        case .path: range = record.path
        case .target: range = record.target
        case .query: range = record.query
        case .protocolName: range = record.protocolName
        case .referer: range = record.referer
        case .userAgent: range = record.userAgent
        case .host: range = Self.hostWithoutPort(buffer, record.virtualHost)
        case .extra(let position):
            guard position <= record.extras.count else { return nil }
            range = record.extras[position - 1]
        case .variable(let name):
            guard let value = Self.named(record, name) else { return nil }
            range = value
        case .journal(let name):
            guard let found = record.sourceFields.first(where: { buffer.bytes($0.name, equal: name) }) else { return nil }
            range = found.value
        case .status, .bytesSent, .queryParameter, .cookie:
            return nil
        }
        if range.isEmpty || (range.count == 1 && buffer[range.start] == UInt8(ascii: "-")) { return nil }
        return range
    }

    private func appendRaw(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange, to out: inout [UInt8]) -> Bool {
        guard !range.isEmpty else { return false }
        out.append(contentsOf: buffer[range: range])
        return true
    }

    private func appendUnescaped(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange, to out: inout [UInt8]) -> Bool {
        if LogEscapes.needsUnescape(buffer, range) {
            LogEscapes.unescape(buffer, range, into: &out)
        } else {
            out.append(contentsOf: buffer[range: range])
        }
        return true
    }

    private func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        JSONWriter.withDecimal(value) { out.append(contentsOf: $0) }
    }

    static func hostWithoutPort(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange) -> ByteRange {
        guard !range.isEmpty, buffer[range.start] != UInt8(ascii: "[") else { return range }
        var index = range.start
        while index < range.end && buffer[index] != UInt8(ascii: ":") { index += 1 }
        return ByteRange(range.start, index)
    }

    /// The value of a named log-format variable.
    static func named(_ record: AccessLogRecord, _ name: [UInt8]) -> ByteRange? {
        for field in record.named where field.name == name { return field.range }
        return nil
    }

    /// The raw (still encoded) value of `name` in a query string `a=1&b=2`.
    static func queryParameter(_ buffer: UnsafeBufferPointer<UInt8>, _ query: ByteRange, named name: [UInt8]) -> ByteRange? {
        var start = query.start
        while start < query.end {
            var end = start
            while end < query.end && buffer[end] != UInt8(ascii: "&") { end += 1 }
            var equals = start
            while equals < end && buffer[equals] != UInt8(ascii: "=") { equals += 1 }
            if buffer.bytes(ByteRange(start, equals), equal: name) {
                return ByteRange(min(equals + 1, end), end)
            }
            start = end + 1
        }
        return nil
    }

    /// The value of cookie `name` in a Cookie header `a=1; b=2`.
    static func cookie(_ buffer: UnsafeBufferPointer<UInt8>, _ header: ByteRange, named name: [UInt8]) -> ByteRange? {
        var start = header.start
        while start < header.end {
            // Spaces after `;`, or as W3C logs write them: `+` (IIS) and `%20` (CloudFront).
            while start < header.end {
                if buffer[start] == UInt8(ascii: " ") || buffer[start] == UInt8(ascii: "+") {
                    start += 1
                } else if header.end - start >= 3 && buffer[start] == UInt8(ascii: "%") && buffer[start + 1] == UInt8(ascii: "2") && buffer[start + 2] == UInt8(ascii: "0") {
                    start += 3
                } else {
                    break
                }
            }
            var end = start
            while end < header.end && buffer[end] != UInt8(ascii: ";") { end += 1 }
            var equals = start
            while equals < end && buffer[equals] != UInt8(ascii: "=") { equals += 1 }
            if equals < end && buffer.bytes(ByteRange(start, equals), equal: name) {
                return ByteRange(equals + 1, end)
            }
            start = end + 1
        }
        return nil
    }
}

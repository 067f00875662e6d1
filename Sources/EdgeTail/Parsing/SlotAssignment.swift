extension LogFormatTemplate.Slot {
    /// Puts a field's value where the record keeps it, parsing numbers and times.
    /// The name is built only for an error message, never on the way through.
    func assign(_ value: ByteRange, name: @autoclosure () -> String, _ buffer: UnsafeBufferPointer<UInt8>,
                _ record: inout AccessLogRecord, sawTime: inout Bool) throws(LineParseError) {
        if let plain {
            guard plain.assign(value, buffer, &record, sawTime: &sawTime) else { throw .malformedField(name()) }
            return
        }
        switch self {
        case .time(let parsing):
            guard let time = parsing.parse(buffer, value) else { throw .malformedField(name()) }
            record.timeText = value
            record.time = time
            sawTime = true
        case .named(let variable):
            record.named.append(AccessLogRecord.NamedField(name: variable, range: value))
        default:
            break
        }
    }

    /// The slot as a `PlainSlot` when it carries nothing but its kind.
    var plain: PlainSlot? {
        switch self {
        case .client: .client
        case .ident: .ident
        case .user: .user
        case .referer: .referer
        case .userAgent: .userAgent
        case .host: .host
        case .cookieHeader: .cookieHeader
        case .protocolName: .protocolName
        case .method: .method
        case .path: .path
        case .query: .query
        case .queryWithMark: .queryWithMark
        case .target: .target
        case .request: .request
        case .status: .status
        case .bytes: .bytes
        case .timeLocal: .timeLocal
        case .timeBracketed: .timeBracketed
        case .timeISO8601: .timeISO8601
        case .timeEpoch: .timeEpoch
        case .time, .named: nil
        }
    }
}

/// The slots that carry no value of their own: a parser's loop holds them without
/// reference counting, and assigns them without a call.
public enum PlainSlot: UInt8, Sendable {
    case client, ident, user, referer, userAgent, host, cookieHeader, protocolName, method, path, query, queryWithMark
    case target, request, status, bytes, timeLocal, timeBracketed, timeISO8601, timeEpoch

    /// False when the value is malformed for the slot (a status that is not a number).
    @inline(__always)
    func assign(_ value: ByteRange, _ buffer: UnsafeBufferPointer<UInt8>, _ record: inout AccessLogRecord, sawTime: inout Bool) -> Bool {
        switch self {
        case .client: record.client = value
        case .ident: record.ident = value
        case .user: record.user = value
        case .referer: record.referer = value
        case .userAgent: record.userAgent = value
        case .host: record.virtualHost = value
        case .cookieHeader: record.cookieHeader = value
        case .protocolName: record.protocolName = value
        case .method: record.method = value
        case .path: record.path = value
        case .query: record.query = value
        case .queryWithMark:
            record.query = value.count > 0 && buffer[value.start] == UInt8(ascii: "?") ? ByteRange(value.start + 1, value.end) : value
        case .target:
            record.target = value
            AccessLogParser.splitTarget(buffer, &record)
        case .request:
            record.request = value
            AccessLogParser.splitRequest(buffer, &record)
        case .status:
            guard let status = AccessLogParser.integer(buffer, value), (100...999).contains(status) else { return false }
            record.status = status
        case .bytes:
            // `-` (and an empty W3C `-`): nothing was sent.
            if value.isEmpty || value.count == 1 && buffer[value.start] == UInt8(ascii: "-") {
                record.bytesSent = 0
            } else {
                guard let bytes = AccessLogParser.integer(buffer, value) else { return false }
                record.bytesSent = bytes
            }
        case .timeLocal, .timeBracketed:
            let inner = self == .timeBracketed && value.count >= 2 ? ByteRange(value.start + 1, value.end - 1) : value
            guard let time = AccessLogParser.parseCommonLogTime(buffer, inner) else { return false }
            record.timeText = inner
            record.time = time
            sawTime = true
        case .timeISO8601:
            guard let time = LogFormatParser.parseISO8601(buffer, value) else { return false }
            record.timeText = value
            record.time = time
            sawTime = true
        case .timeEpoch:
            guard let time = LogFormatParser.parseEpoch(buffer, value) else { return false }
            record.timeText = value
            record.time = time
            sawTime = true
        }
        return true
    }
}

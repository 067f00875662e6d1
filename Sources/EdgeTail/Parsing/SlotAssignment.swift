extension LogFormatTemplate.Slot {
    /// Puts a field's value where the record keeps it, parsing numbers and times.
    /// The name is built only for an error message, never on the way through.
    func assign(_ value: ByteRange, name: @autoclosure () -> String, _ buffer: UnsafeBufferPointer<UInt8>,
                _ record: inout AccessLogRecord, sawTime: inout Bool) throws(LineParseError) {
        let slot = self
        switch slot {
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
            guard let status = AccessLogParser.integer(buffer, value), (100...999).contains(status) else { throw .malformedField(name()) }
            record.status = status
        case .bytes:
            if value.count == 1 && buffer[value.start] == UInt8(ascii: "-") {
                record.bytesSent = 0
            } else {
                guard let bytes = AccessLogParser.integer(buffer, value) else { throw .malformedField(name()) }
                record.bytesSent = bytes
            }
        case .timeLocal, .timeBracketed:
            let inner = slot == .timeBracketed && value.count >= 2 ? ByteRange(value.start + 1, value.end - 1) : value
            guard let time = AccessLogParser.parseCommonLogTime(buffer, inner) else { throw .malformedField(name()) }
            record.timeText = inner
            record.time = time
            sawTime = true
        case .timeISO8601:
            guard let time = LogFormatParser.parseISO8601(buffer, value) else { throw .malformedField(name()) }
            record.timeText = value
            record.time = time
            sawTime = true
        case .timeEpoch:
            guard let time = LogFormatParser.parseEpoch(buffer, value) else { throw .malformedField(name()) }
            record.timeText = value
            record.time = time
            sawTime = true
        case .time(let parsing):
            guard let time = parsing.parse(buffer, value) else { throw .malformedField(name()) }
            record.timeText = value
            record.time = time
            sawTime = true
        case .named(let variable):
            record.named.append(AccessLogRecord.NamedField(name: variable, range: value))
        }
    }
}

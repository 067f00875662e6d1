/// `format: logfmt`: `key=value key2="a quoted value" flag` pairs, over bytes. A key
/// without `=` is a flag with an empty value. Quoted values are ranges of the line, their
/// escapes decoded when written into an event, as in `format: json`.
public struct LogfmtParser: Sendable {
    let roles: FieldRoles

    public init(roles: FieldRoles) {
        self.roles = roles
    }

    public func parse(_ buffer: UnsafeBufferPointer<UInt8>, line: ByteRange, into record: inout AccessLogRecord) throws(LineParseError) {
        record.reset()
        var end = line.end
        while end > line.start && (buffer[end - 1] == 0x0D || buffer[end - 1] == 0x20) { end -= 1 }
        if end <= line.start { throw .empty }
        var sink = NamedFieldSink(roles: roles)
        var cursor = line.start
        var pairs = 0
        while cursor < end {
            while cursor < end && (buffer[cursor] == 0x20 || buffer[cursor] == 0x09) { cursor += 1 }
            guard cursor < end else { break }
            let keyStart = cursor
            while cursor < end && buffer[cursor] != UInt8(ascii: "=") && buffer[cursor] != 0x20 && buffer[cursor] != 0x09 {
                guard buffer[cursor] != UInt8(ascii: "\"") else { throw .malformedField("logfmt (a quote inside a key at byte \(cursor - line.start))") }
                cursor += 1
            }
            let key = ByteRange(keyStart, cursor)
            var value = ByteRange(cursor, cursor)
            if cursor < end && buffer[cursor] == UInt8(ascii: "=") {
                cursor += 1
                if cursor < end && buffer[cursor] == UInt8(ascii: "\"") {
                    cursor += 1
                    let start = cursor
                    while cursor < end && buffer[cursor] != UInt8(ascii: "\"") {
                        cursor += buffer[cursor] == UInt8(ascii: "\\") ? 2 : 1
                    }
                    guard cursor < end else { throw .unterminatedQuote("logfmt value of \(String(decoding: UnsafeBufferPointer(rebasing: buffer[key.start..<key.end]), as: UTF8.self))") }
                    value = ByteRange(start, cursor)
                    cursor += 1
                } else {
                    let start = cursor
                    while cursor < end && buffer[cursor] != 0x20 && buffer[cursor] != 0x09 { cursor += 1 }
                    value = ByteRange(start, cursor)
                }
            }
            guard !key.isEmpty else { throw .malformedField("logfmt (a value without a key at byte \(keyStart - line.start))") }
            try sink.put(name: UnsafeBufferPointer(rebasing: buffer[key.start..<key.end]), value: value, buffer, into: &record)
            pairs += 1
        }
        if pairs == 0 { throw .empty }
        if !sink.sawTime { throw .missingField("time") }
    }
}

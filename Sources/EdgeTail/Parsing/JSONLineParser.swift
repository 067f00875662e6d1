/// `format: json`: one JSON object per line (nginx `escape=json`, Caddy, Traefik),
/// scanned over bytes. Nested objects give dotted names (`request.headers.User-Agent`);
/// of an array, the first element stands for it (Caddy logs headers as arrays).
///
/// String values are ranges of the line between their quotes, so the scan copies
/// nothing; their escape sequences (`\"`, `\\`, `\/`, `\n`, `\uXXXX` with surrogate
/// pairs) are decoded by `LogEscapes` when a value is written into an event.
public struct JSONLineParser: Sendable {
    let roles: FieldRoles
    /// Deeper nesting than this is skipped, not followed.
    static let maxDepth = 8

    public init(roles: FieldRoles) {
        self.roles = roles
    }

    public func parse(_ buffer: UnsafeBufferPointer<UInt8>, line: ByteRange, into record: inout AccessLogRecord) throws(LineParseError) {
        record.reset()
        var scanner = Scanner(buffer: buffer, end: line.end, cursor: line.start, sink: NamedFieldSink(roles: roles))
        swap(&scanner.record, &record)
        defer { swap(&scanner.record, &record) }
        scanner.skipSpace()
        guard scanner.cursor < scanner.end else { throw .empty }
        guard buffer[scanner.cursor] == UInt8(ascii: "{") else { throw .malformedField("json (the line is not an object)") }
        try scanner.object(depth: 0)
        scanner.skipSpace()
        if scanner.cursor < scanner.end { throw .trailingContent }
        if !scanner.sink.sawTime { throw .missingField("time") }
    }

    struct Scanner {
        let buffer: UnsafeBufferPointer<UInt8>
        let end: Int
        var cursor: Int
        var sink: NamedFieldSink
        var record = AccessLogRecord()
        var name: [UInt8] = []

        init(buffer: UnsafeBufferPointer<UInt8>, end: Int, cursor: Int, sink: NamedFieldSink) {
            var end = end
            while end > cursor, buffer[end - 1] == 0x0D || buffer[end - 1] == 0x20 || buffer[end - 1] == 0x09 { end -= 1 }
            self.buffer = buffer
            self.end = end
            self.cursor = cursor
            self.sink = sink
            name.reserveCapacity(64)
        }

        mutating func skipSpace() {
            while cursor < end, buffer[cursor] == 0x20 || buffer[cursor] == 0x09 { cursor += 1 }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(LineParseError) {
            skipSpace()
            guard cursor < end, buffer[cursor] == byte else { throw .malformedField("json (expected \(what) at byte \(cursor))") }
            cursor += 1
        }

        /// The contents of the string at the cursor, without its quotes.
        mutating func string() throws(LineParseError) -> ByteRange {
            cursor += 1
            let start = cursor
            while cursor < end {
                let byte = buffer[cursor]
                if byte == UInt8(ascii: "\"") {
                    cursor += 1
                    return ByteRange(start, cursor - 1)
                }
                cursor += byte == UInt8(ascii: "\\") ? 2 : 1
            }
            throw .unterminatedQuote("json string")
        }

        mutating func object(depth: Int) throws(LineParseError) {
            cursor += 1
            skipSpace()
            if cursor < end && buffer[cursor] == UInt8(ascii: "}") {
                cursor += 1
                return
            }
            while true {
                skipSpace()
                guard cursor < end, buffer[cursor] == UInt8(ascii: "\"") else { throw .malformedField("json (expected a key at byte \(cursor))") }
                let key = try string()
                let mark = name.count
                if mark > 0 { name.append(UInt8(ascii: ".")) }
                name.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[key.start..<key.end]))
                try expect(UInt8(ascii: ":"), "':'")
                skipSpace()
                try value(depth: depth, emit: true)
                name.removeSubrange(mark...)
                skipSpace()
                guard cursor < end else { throw .malformedField("json (unterminated object)") }
                if buffer[cursor] == UInt8(ascii: ",") {
                    cursor += 1
                    continue
                }
                guard buffer[cursor] == UInt8(ascii: "}") else { throw .malformedField("json (expected ',' or '}' at byte \(cursor))") }
                cursor += 1
                return
            }
        }

        mutating func value(depth: Int, emit: Bool) throws(LineParseError) {
            guard cursor < end else { throw .malformedField("json (missing value)") }
            switch buffer[cursor] {
            case UInt8(ascii: "\""):
                let range = try string()
                if emit { try put(range) }
            case UInt8(ascii: "{"):
                if depth >= JSONLineParser.maxDepth || !emit {
                    try skipNested()
                } else {
                    try object(depth: depth + 1)
                }
            case UInt8(ascii: "["):
                cursor += 1
                skipSpace()
                var first = true
                while cursor < end && buffer[cursor] != UInt8(ascii: "]") {
                    try value(depth: depth + 1, emit: emit && first)
                    first = false
                    skipSpace()
                    if cursor < end && buffer[cursor] == UInt8(ascii: ",") {
                        cursor += 1
                        skipSpace()
                    }
                }
                try expect(UInt8(ascii: "]"), "']'")
            default:
                let start = cursor
                while cursor < end {
                    let byte = buffer[cursor]
                    if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || byte == 0x20 || byte == 0x09 { break }
                    cursor += 1
                }
                guard cursor > start else { throw .malformedField("json (missing value at byte \(start))") }
                let range = ByteRange(start, cursor)
                // `null` is no value at all.
                if emit && !buffer.bytes(range, equal: JSONLineParser.null) { try put(range) }
            }
        }

        /// Steps over an object or array nested too deep to follow.
        mutating func skipNested() throws(LineParseError) {
            var depth = 0
            while cursor < end {
                let byte = buffer[cursor]
                if byte == UInt8(ascii: "\"") {
                    _ = try string()
                    continue
                }
                if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth += 1 }
                if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 {
                        cursor += 1
                        return
                    }
                }
                cursor += 1
            }
            throw .malformedField("json (unterminated nesting)")
        }

        mutating func put(_ value: ByteRange) throws(LineParseError) {
            let buffer = self.buffer
            try name.withUnsafeBufferPointer { name throws(LineParseError) in
                try sink.put(name: name, value: value, buffer, into: &record)
            }
        }
    }

    static let null = Array("null".utf8)
}

/// Parses lines written by a `LogFormatTemplate`, over bytes.
///
/// Each variable's value runs up to the next literal text of the format (inside
/// quotes, backslash escapes are skipped, so Apache's `\"` does not end a value);
/// the last variable runs to the end of the line.
public struct LogFormatParser: Sendable {
    public let template: LogFormatTemplate
    private let segments: [LogFormatTemplate.Segment]

    public init(template: LogFormatTemplate) {
        self.template = template
        segments = template.segments
    }

    public func parse(_ buffer: UnsafeBufferPointer<UInt8>, line: ByteRange, into record: inout AccessLogRecord) throws(LineParseError) {
        record.reset()
        var end = line.end
        while end > line.start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        if end <= line.start { throw .empty }
        var cursor = line.start
        var sawTime = false
        for index in segments.indices {
            switch segments[index] {
            case .literal(let text):
                guard cursor + text.count <= end, buffer.bytes(ByteRange(cursor, cursor + text.count), equal: text) else {
                    throw .malformedField("line: expected \"\(String(decoding: text, as: UTF8.self))\" at byte \(cursor - line.start)")
                }
                cursor += text.count
            case .variable(let slot, let name):
                var valueEnd = end
                if index + 1 < segments.count, case .literal(let next) = segments[index + 1] {
                    let quoted: Bool
                    if index > 0, case .literal(let previous) = segments[index - 1] { quoted = previous.last == UInt8(ascii: "\"") } else { quoted = false }
                    guard let found = Self.find(next, in: buffer, from: cursor, to: end, skippingEscapes: quoted) else {
                        throw .malformedField("\(name) (no \"\(String(decoding: next, as: UTF8.self))\" after it)")
                    }
                    valueEnd = found
                }
                let value = ByteRange(cursor, valueEnd)
                try slot.assign(value, name: name, buffer, &record, sawTime: &sawTime)
                cursor = valueEnd
            }
        }
        if cursor < end { throw .trailingContent }
        if !sawTime { throw .missingField("time") }
    }

    /// The first position of `needle` in `start..<end`.
    @inline(__always)
    static func find(_ needle: [UInt8], in buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, skippingEscapes: Bool) -> Int? {
        guard let first = needle.first else { return start }
        var index = start
        while index + needle.count <= end {
            let byte = buffer[index]
            if skippingEscapes && byte == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if byte == first {
                var offset = 1
                while offset < needle.count && buffer[index + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return index }
            }
            index += 1
        }
        return nil
    }

    /// `2024-03-01T12:00:00+01:00`, with optional fractional seconds, `Z` or `+0100`.
    static func parseISO8601(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange) -> LogTime? {
        guard range.count >= 20 else { return nil }
        let base = range.start
        func digits(_ offset: Int, _ count: Int) -> Int? {
            var value = 0
            for index in 0..<count {
                let digit = buffer[base + offset + index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        guard buffer[base + 4] == UInt8(ascii: "-"), buffer[base + 7] == UInt8(ascii: "-"),
              buffer[base + 10] == UInt8(ascii: "T") || buffer[base + 10] == UInt8(ascii: " "),
              buffer[base + 13] == UInt8(ascii: ":"), buffer[base + 16] == UInt8(ascii: ":"),
              let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
              let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60 else { return nil }
        var cursor = base + 19
        var millis = 0
        if cursor < range.end && buffer[cursor] == UInt8(ascii: ".") {
            cursor += 1
            var scale = 100
            while cursor < range.end, let digit = Optional(buffer[cursor] &- UInt8(ascii: "0")), digit < 10 {
                millis += Int(digit) * scale
                scale /= 10
                cursor += 1
            }
        }
        var offset = 0
        if cursor < range.end && (buffer[cursor] == UInt8(ascii: "Z") || buffer[cursor] == UInt8(ascii: "z")) {
            cursor += 1
        } else if cursor < range.end && (buffer[cursor] == UInt8(ascii: "+") || buffer[cursor] == UInt8(ascii: "-")) {
            let sign = buffer[cursor] == UInt8(ascii: "-") ? -1 : 1
            let rest = range.end - cursor - 1
            let start = cursor + 1 - base
            if rest == 5 && buffer[cursor + 3] == UInt8(ascii: ":"), let h = digits(start, 2), let m = digits(start + 3, 2) {
                offset = sign * (h * 3600 + m * 60)
            } else if rest == 4, let h = digits(start, 2), let m = digits(start + 2, 2) {
                offset = sign * (h * 3600 + m * 60)
            } else {
                return nil
            }
            cursor = range.end
        } else {
            return nil
        }
        guard cursor == range.end else { return nil }
        let local = Int64(LogTime.daysFromCivil(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return LogTime(epochSeconds: local - Int64(offset), milliseconds: Int32(millis), offsetSeconds: Int32(offset))
    }

    /// `1700000000.123` (nginx `$msec`); with `divisor` 1,000 or 1,000,000 the integer
    /// part counts milliseconds or microseconds.
    static func parseEpoch(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange, divisor: Int = 1) -> LogTime? {
        var dot = range.start
        while dot < range.end && buffer[dot] != UInt8(ascii: ".") { dot += 1 }
        guard let whole = AccessLogParser.integer(buffer, ByteRange(range.start, dot)) else { return nil }
        if divisor > 1 {
            let seconds = whole / divisor
            let millis = (whole % divisor) * 1000 / divisor
            return LogTime(epochSeconds: Int64(seconds), milliseconds: Int32(millis), offsetSeconds: 0)
        }
        let seconds = whole
        var millis = 0
        if dot < range.end {
            var scale = 100
            for index in (dot + 1)..<range.end {
                let digit = buffer[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                millis += Int(digit) * scale
                scale /= 10
            }
        }
        return LogTime(epochSeconds: Int64(seconds), milliseconds: Int32(millis), offsetSeconds: 0)
    }

    /// Epoch seconds, milliseconds or microseconds, told apart by magnitude
    /// (seconds until the year 5138; milliseconds and microseconds after 2001).
    static func parseEpochGuessingUnit(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange) -> LogTime? {
        var dot = range.start
        while dot < range.end && buffer[dot] != UInt8(ascii: ".") { dot += 1 }
        guard let whole = AccessLogParser.integer(buffer, ByteRange(range.start, dot)) else { return nil }
        let divisor = whole >= 100_000_000_000_000 ? 1_000_000 : whole >= 100_000_000_000 ? 1_000 : 1
        return parseEpoch(buffer, range, divisor: divisor)
    }
}

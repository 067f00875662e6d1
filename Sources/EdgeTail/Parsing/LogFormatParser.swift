/// Parses lines written by a `LogFormatTemplate`, over bytes.
///
/// Each variable's value runs up to the next literal text of the format (inside
/// quotes, backslash escapes are skipped, so Apache's `\"` does not end a value);
/// the last variable runs to the end of the line.
public struct LogFormatParser: Sendable {
    /// One reference for all the parser's arrays: the parser is copied out of its
    /// `LineParser` case for every line, and each array copied would cost a retain.
    private let program: Program

    public var template: LogFormatTemplate { program.template }

    /// The template flattened: literal bytes in one pool, steps that refer to them by
    /// position, so the per-line loop touches no reference-counted values.
    final class Program: Sendable {
        let template: LogFormatTemplate
        let steps: [Step]
        let literals: [UInt8]
        let slots: [LogFormatTemplate.Slot]
        let names: [String]

        init(template: LogFormatTemplate, steps: [Step], literals: [UInt8], slots: [LogFormatTemplate.Slot], names: [String]) {
            self.template = template
            self.steps = steps
            self.literals = literals
            self.slots = slots
            self.names = names
        }
    }

    struct Step: Sendable {
        /// A literal's bytes, or for a variable the literal that ends it (none when it is last).
        var start: Int
        var count: Int
        /// The variable's slot in `slots`; -1 for a literal.
        var slot: Int
        /// A variable inside quotes: backslash escapes do not end it.
        var quoted: Bool
        /// The variable's slot when it carries nothing but its kind (most do).
        var plain: PlainSlot?
    }

    public init(template: LogFormatTemplate) {
        var steps: [Step] = []
        var literals: [UInt8] = []
        var slots: [LogFormatTemplate.Slot] = []
        var names: [String] = []
        let segments = template.segments
        var literalStart: [Int] = []
        for segment in segments {
            literalStart.append(literals.count)
            if case .literal(let text) = segment { literals += text }
        }
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .literal(let text):
                steps.append(Step(start: literalStart[index], count: text.count, slot: -1, quoted: false, plain: nil))
            case .variable(let slot, let name):
                var next = (start: 0, count: 0)
                if index + 1 < segments.count, case .literal(let text) = segments[index + 1] { next = (literalStart[index + 1], text.count) }
                var quoted = false
                if index > 0, case .literal(let previous) = segments[index - 1] { quoted = previous.last == UInt8(ascii: "\"") }
                steps.append(Step(start: next.start, count: next.count, slot: slots.count, quoted: quoted, plain: slot.plain))
                slots.append(slot)
                names.append(name)
            }
        }
        program = Program(template: template, steps: steps, literals: literals, slots: slots, names: names)
    }

    public func parse(_ buffer: UnsafeBufferPointer<UInt8>, line: ByteRange, into record: inout AccessLogRecord) throws(LineParseError) {
        record.reset()
        var end = line.end
        while end > line.start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        if end <= line.start { throw .empty }
        var cursor = line.start
        var sawTime = false
        let program = program
        let slots = program.slots, names = program.names
        try program.steps.withUnsafeBufferPointer { steps throws(LineParseError) in
            try program.literals.withUnsafeBufferPointer { pool throws(LineParseError) in
                for step in steps {
                    if step.slot < 0 {
                        guard cursor + step.count <= end, Self.equal(buffer, cursor, pool, step.start, step.count) else {
                            throw .malformedField("line: expected \"\(String(decoding: pool[step.start..<(step.start + step.count)], as: UTF8.self))\" at byte \(cursor - line.start)")
                        }
                        cursor += step.count
                        continue
                    }
                    var valueEnd = end
                    if step.count > 0 {
                        guard let found = Self.find(pool, step.start, step.count, in: buffer, from: cursor, to: end, skippingEscapes: step.quoted) else {
                            throw .malformedField("\(names[step.slot]) (no \"\(String(decoding: pool[step.start..<(step.start + step.count)], as: UTF8.self))\" after it)")
                        }
                        valueEnd = found
                    }
                    let value = ByteRange(cursor, valueEnd)
                    if let plain = step.plain {
                        guard plain.assign(value, buffer, &record, sawTime: &sawTime) else { throw .malformedField(names[step.slot]) }
                    } else {
                        try slots[step.slot].assign(value, name: names[step.slot], buffer, &record, sawTime: &sawTime)
                    }
                    cursor = valueEnd
                }
            }
        }
        if cursor < end { throw .trailingContent }
        if !sawTime { throw .missingField("time") }
    }

    @inline(__always)
    static func equal(_ buffer: UnsafeBufferPointer<UInt8>, _ at: Int, _ pool: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Bool {
        var offset = 0
        while offset < count {
            if buffer[at + offset] != pool[start + offset] { return false }
            offset += 1
        }
        return true
    }

    /// The first position of the pool's `start..<start+count` in `from..<to`. Inside
    /// quotes, a match preceded by an odd number of backslashes is escaped, not an end.
    /// `ByteSearch` (`memchr`) finds the candidates: values such as user agents run long.
    @inline(__always)
    static func find(_ pool: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int, in buffer: UnsafeBufferPointer<UInt8>,
                     from: Int, to end: Int, skippingEscapes: Bool) -> Int? {
        let first = pool[start]
        var index = from
        while index + count <= end {
            guard let position = ByteSearch.firstIndex(of: first, in: buffer, from: index, to: end),
                  position + count <= end else { return nil }
            if equal(buffer, position + 1, pool, start + 1, count - 1) {
                if !skippingEscapes { return position }
                var backslashes = 0
                while position - backslashes > from && buffer[position - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
                if backslashes % 2 == 0 { return position }
            }
            index = position + 1
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
        var millis = 0
        if dot < range.end {
            guard let fraction = milliseconds(buffer, ByteRange(dot + 1, range.end)) else { return nil }
            millis = fraction
        }
        return LogTime(epochSeconds: Int64(whole), milliseconds: Int32(millis), offsetSeconds: 0)
    }

    /// The milliseconds of a fraction's digits (`655` of `…14.655`, `186` of `.186641`);
    /// nil when any byte is not a digit.
    static func milliseconds(_ buffer: UnsafeBufferPointer<UInt8>, _ digits: ByteRange) -> Int? {
        var millis = 0
        var scale = 100
        for index in digits.start..<digits.end {
            let digit = buffer[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            millis += Int(digit) * scale
            scale /= 10
        }
        return millis
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

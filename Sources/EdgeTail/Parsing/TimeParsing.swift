import Foundation

/// How the time of a named-field line (json, logfmt, regex) is read: a known form or
/// a strftime-style pattern, and the zone of times written without an offset.
public struct TimeParsing: Sendable, Equatable {
    public enum Form: Sendable, Equatable {
        /// ISO-8601, `[10/Oct/2000:13:55:36 -0700]`, or an epoch number by magnitude.
        case auto, clf, iso8601, epoch, epochMillis, epochMicros
        case pattern([Token])
    }

    public enum Token: Sendable, Equatable {
        case literal(UInt8)
        case year, shortYear, month, monthName, day, spacePaddedDay, hour, minute, second, fraction, offset, epochSeconds
    }

    /// The zone of times that carry no offset of their own.
    public enum Zone: Sendable, Equatable {
        case fixed(seconds: Int)
        case named(String)
    }

    public var form: Form
    public var zone: Zone

    public init(form: Form = .auto, zone: Zone = .fixed(seconds: 0)) {
        self.form = form
        self.zone = zone
    }

    public struct PatternError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// `%Y %y %m %b %d %e %H %M %S %f %z %s %T %F %%`; anything else is literal text.
    public static func pattern(_ text: String) throws(PatternError) -> Form {
        var tokens: [Token] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                tokens.append(.literal(byte))
                continue
            }
            guard let directive = bytes.popFirst() else { throw PatternError(message: "time_format ends with a lone '%'") }
            switch directive {
            case UInt8(ascii: "Y"): tokens.append(.year)
            case UInt8(ascii: "y"): tokens.append(.shortYear)
            case UInt8(ascii: "m"): tokens.append(.month)
            case UInt8(ascii: "b"), UInt8(ascii: "h"): tokens.append(.monthName)
            case UInt8(ascii: "d"): tokens.append(.day)
            case UInt8(ascii: "e"): tokens.append(.spacePaddedDay)
            case UInt8(ascii: "H"): tokens.append(.hour)
            case UInt8(ascii: "M"): tokens.append(.minute)
            case UInt8(ascii: "S"): tokens.append(.second)
            case UInt8(ascii: "f"): tokens.append(.fraction)
            case UInt8(ascii: "z"): tokens.append(.offset)
            case UInt8(ascii: "s"): tokens.append(.epochSeconds)
            case UInt8(ascii: "T"): tokens += [.hour, .literal(UInt8(ascii: ":")), .minute, .literal(UInt8(ascii: ":")), .second]
            case UInt8(ascii: "F"): tokens += [.year, .literal(UInt8(ascii: "-")), .month, .literal(UInt8(ascii: "-")), .day]
            case UInt8(ascii: "%"): tokens.append(.literal(UInt8(ascii: "%")))
            default:
                throw PatternError(message: "time_format: unsupported directive '%\(Character(Unicode.Scalar(directive)))'; supported: %Y %y %m %b %d %e %H %M %S %f %z %s %T %F %%")
            }
        }
        return .pattern(tokens)
    }

    /// `UTC`, `+02:00`, `-0530`, or an IANA name such as `Europe/Paris`.
    public static func zone(_ text: String) -> Zone? {
        if text == "UTC" || text == "Z" { return .fixed(seconds: 0) }
        let bytes = Array(text.utf8)
        if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            let digits = bytes.dropFirst().filter { $0 != UInt8(ascii: ":") }
            guard digits.count == 4, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            let value = digits.map { Int($0 - 0x30) }
            let seconds = (value[0] * 10 + value[1]) * 3600 + (value[2] * 10 + value[3]) * 60
            return .fixed(seconds: sign == UInt8(ascii: "-") ? -seconds : seconds)
        }
        return TimeZone(identifier: text) == nil ? nil : .named(text)
    }

    /// The zone's offset at a local time (an IANA zone's rules, daylight saving included).
    func offset(atLocal local: Int64) -> Int {
        switch zone {
        case .fixed(let seconds): return seconds
        case .named(let name):
            guard let zone = TimeZone(identifier: name) else { return 0 }
            let guess = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local)))
            return zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local - Int64(guess))))
        }
    }

    public func parse(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange) -> LogTime? {
        var value = range
        if value.count >= 2 && buffer[value.start] == UInt8(ascii: "[") && buffer[value.end - 1] == UInt8(ascii: "]") {
            value = ByteRange(value.start + 1, value.end - 1)
        }
        switch form {
        case .auto:
            return iso(buffer, value) ?? AccessLogParser.parseCommonLogTime(buffer, value) ?? LogFormatParser.parseEpochGuessingUnit(buffer, value)
        case .clf: return AccessLogParser.parseCommonLogTime(buffer, value)
        case .iso8601: return iso(buffer, value)
        case .epoch: return LogFormatParser.parseEpoch(buffer, value)
        case .epochMillis: return LogFormatParser.parseEpoch(buffer, value, divisor: 1_000)
        case .epochMicros: return LogFormatParser.parseEpoch(buffer, value, divisor: 1_000_000)
        case .pattern(let tokens): return match(tokens, buffer, value)
        }
    }

    /// ISO-8601; without an offset, in the configured zone.
    private func iso(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange) -> LogTime? {
        if let time = LogFormatParser.parseISO8601(buffer, range) { return time }
        // `2024-03-30T21:00:00` or `2024-03-30 21:00:00.123`: no offset of its own.
        guard range.count >= 19 else { return nil }
        var tokens: [Token] = [.year, .literal(UInt8(ascii: "-")), .month, .literal(UInt8(ascii: "-")), .day,
                               .literal(buffer[range.start + 10]), .hour, .literal(UInt8(ascii: ":")), .minute, .literal(UInt8(ascii: ":")), .second]
        if range.count > 19 { tokens += [.literal(UInt8(ascii: ".")), .fraction] }
        guard buffer[range.start + 10] == UInt8(ascii: "T") || buffer[range.start + 10] == UInt8(ascii: " ") else { return nil }
        return match(tokens, buffer, range)
    }

    private func match(_ tokens: [Token], _ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange) -> LogTime? {
        var cursor = range.start
        var year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0
        var offset: Int?
        var epoch: Int?
        func number(_ count: Int, allowSpace: Bool = false) -> Int? {
            guard cursor + count <= range.end else { return nil }
            var value = 0
            for index in 0..<count {
                let byte = buffer[cursor + index]
                if allowSpace && index == 0 && byte == 0x20 { continue }
                let digit = byte &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            cursor += count
            return value
        }
        for token in tokens {
            switch token {
            case .literal(let byte):
                guard cursor < range.end, buffer[cursor] == byte else { return nil }
                cursor += 1
            case .year: guard let value = number(4) else { return nil }; year = value
            case .shortYear: guard let value = number(2) else { return nil }; year = value < 69 ? 2000 + value : 1900 + value
            case .month: guard let value = number(2), (1...12).contains(value) else { return nil }; month = value
            case .monthName:
                guard cursor + 3 <= range.end, let value = AccessLogParser.monthNumber(buffer[cursor], buffer[cursor + 1], buffer[cursor + 2]) else { return nil }
                month = value
                cursor += 3
            case .day: guard let value = number(2), (1...31).contains(value) else { return nil }; day = value
            case .spacePaddedDay: guard let value = number(2, allowSpace: true), (1...31).contains(value) else { return nil }; day = value
            case .hour: guard let value = number(2), value < 24 else { return nil }; hour = value
            case .minute: guard let value = number(2), value < 60 else { return nil }; minute = value
            case .second: guard let value = number(2), value <= 60 else { return nil }; second = value
            case .fraction:
                var scale = 100
                let start = cursor
                while cursor < range.end, buffer[cursor] &- UInt8(ascii: "0") < 10 {
                    millis += Int(buffer[cursor] - UInt8(ascii: "0")) * scale
                    scale /= 10
                    cursor += 1
                }
                guard cursor > start else { return nil }
            case .offset:
                guard cursor < range.end else { return nil }
                if buffer[cursor] == UInt8(ascii: "Z") {
                    offset = 0
                    cursor += 1
                    continue
                }
                let sign = buffer[cursor] == UInt8(ascii: "-") ? -1 : 1
                guard buffer[cursor] == UInt8(ascii: "+") || buffer[cursor] == UInt8(ascii: "-") else { return nil }
                cursor += 1
                guard let hours = number(2) else { return nil }
                if cursor < range.end && buffer[cursor] == UInt8(ascii: ":") { cursor += 1 }
                guard let minutes = number(2) else { return nil }
                offset = sign * (hours * 3600 + minutes * 60)
            case .epochSeconds:
                let start = cursor
                while cursor < range.end, buffer[cursor] &- UInt8(ascii: "0") < 10 { cursor += 1 }
                guard let value = AccessLogParser.integer(buffer, ByteRange(start, cursor)) else { return nil }
                epoch = value
            }
        }
        guard cursor == range.end else { return nil }
        if let epoch { return LogTime(epochSeconds: Int64(epoch), milliseconds: Int32(millis), offsetSeconds: 0) }
        let local = Int64(LogTime.daysFromCivil(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let zoneOffset = offset ?? self.offset(atLocal: local)
        return LogTime(epochSeconds: local - Int64(zoneOffset), milliseconds: Int32(min(millis, 999)), offsetSeconds: Int32(zoneOffset))
    }
}

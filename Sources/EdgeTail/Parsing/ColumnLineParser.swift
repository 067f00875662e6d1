/// `format: w3c`, `cloudfront`, `elb` and `alb`: lines whose fields are known by
/// their position. W3C extended logs (IIS, CloudFront) name their columns in a
/// `#Fields:` directive; Elastic Load Balancing's columns are fixed by AWS.
///
/// Columns with a role fill the record; every other column is `{var.NAME}` under
/// its documented name (`{var.time-taken}`, `{var.target_processing_time}`). A value
/// of `-` is an empty value.
public struct ColumnLineParser: Sendable {
    public enum Column: Sendable, Equatable {
        case slot(LogFormatTemplate.Slot)
        /// A slot without a payload, held without reference counting.
        case plain(PlainSlot)
        /// W3C `date` (`2024-01-15`) and `time` (`10:15:30` or `10:15:30.123`), read together.
        case date, timeOfDay
        /// `192.0.2.1:2817` or `[2001:db8::1]:2817`: an address with its port.
        case clientWithPort
        /// A user agent with its spaces written as `+` (IIS) or `%20` (CloudFront).
        case encodedUserAgent
        /// A column nothing in the pipeline uses.
        case skipped
    }

    /// One reference for the layout: the parser is copied out of its `LineParser` case
    /// for every line, and each array copied would cost a retain.
    private(set) var layout: Layout

    public var formatName: String { layout.formatName }

    final class Layout: Sendable {
        let formatName: String
        let columns: [Column]
        let names: [[UInt8]]
        let separator: FieldScanner.Separator
        /// Lines shorter than this fail; the columns after it may be missing (AWS adds
        /// columns over the years, and older lines lack them).
        let requiredColumns: Int
        /// Whether columns beyond the known ones are ignored rather than an error.
        let ignoresExtraColumns: Bool
        /// For W3C logs: the `#Fields:` value these columns came from, to notice a log
        /// whose directive says otherwise.
        let fieldsDirective: [UInt8]?
        /// The zone of W3C `date`/`time`, which have no offset (UTC by the W3C draft).
        let time: TimeParsing

        init(formatName: String, columns: [Column], names: [[UInt8]], separator: FieldScanner.Separator, requiredColumns: Int,
             ignoresExtraColumns: Bool, fieldsDirective: [UInt8]?, time: TimeParsing) {
            self.formatName = formatName
            self.columns = columns
            self.names = names
            self.separator = separator
            self.requiredColumns = requiredColumns
            self.ignoresExtraColumns = ignoresExtraColumns
            self.fieldsDirective = fieldsDirective
            self.time = time
        }
    }

    init(formatName: String, columns: [(String, Column)], separator: FieldScanner.Separator, requiredColumns: Int? = nil,
         ignoresExtraColumns: Bool, fieldsDirective: String? = nil, time: TimeParsing = TimeParsing()) {
        let columns = columns.map { name, column -> (String, Column) in
            if case .slot(let slot) = column, let plain = slot.plain { return (name, .plain(plain)) }
            return (name, column)
        }
        layout = Layout(formatName: formatName, columns: columns.map(\.1), names: columns.map { Array($0.0.utf8) }, separator: separator,
                        requiredColumns: requiredColumns ?? columns.count, ignoresExtraColumns: ignoresExtraColumns,
                        fieldsDirective: fieldsDirective.map { Array($0.utf8) }, time: time)
    }

    /// The same parser without the `{var.NAME}` columns outside `variables`: each kept
    /// column costs an entry per line, and load-balancer lines have some twenty.
    func keeping(variables: Set<[UInt8]>) -> ColumnLineParser {
        let columns = layout.columns.map { column -> Column in
            if case .slot(.named(let name)) = column, !variables.contains(name) { return .skipped }
            return column
        }
        var copy = self
        copy.layout = Layout(formatName: layout.formatName, columns: columns, names: layout.names, separator: layout.separator,
                             requiredColumns: layout.requiredColumns, ignoresExtraColumns: layout.ignoresExtraColumns,
                             fieldsDirective: layout.fieldsDirective, time: layout.time)
        return copy
    }

    public func parse(_ buffer: UnsafeBufferPointer<UInt8>, line: ByteRange, into record: inout AccessLogRecord) throws(LineParseError) {
        let layout = layout
        let columns = layout.columns, names = layout.names
        record.reset()
        var end = line.end
        while end > line.start && buffer[end - 1] == 0x0D { end -= 1 }
        if end <= line.start { throw .empty }
        if buffer[line.start] == UInt8(ascii: "#"), layout.fieldsDirective != nil {
            try checkDirective(buffer, ByteRange(line.start, end))
            throw .directive
        }
        var scanner = FieldScanner(buffer, from: line.start, to: end, separator: layout.separator)
        var date = ByteRange.empty
        var timeOfDay = ByteRange.empty
        var sawTime = false
        var index = 0
        while index < columns.count {
            guard let found = try scanner.next(String(decoding: names[index], as: UTF8.self)) else { break }
            let value = found.count == 1 && buffer[found.start] == UInt8(ascii: "-") ? ByteRange(found.start, found.start) : found
            switch columns[index] {
            case .plain(let slot):
                guard slot.assign(value, buffer, &record, sawTime: &sawTime) else { throw .malformedField(String(decoding: names[index], as: UTF8.self)) }
            case .slot(let slot):
                try slot.assign(value, name: String(decoding: names[index], as: UTF8.self), buffer, &record, sawTime: &sawTime)
            case .date: date = value
            case .timeOfDay: timeOfDay = value
            case .clientWithPort: record.client = Self.addressWithoutPort(buffer, value)
            case .encodedUserAgent:
                record.userAgent = value
                record.userAgentIsURLEncoded = true
            case .skipped: break
            }
            index += 1
        }
        if index < layout.requiredColumns {
            throw .missingField(String(decoding: names[index], as: UTF8.self))
        }
        if !layout.ignoresExtraColumns && !scanner.atEnd { throw .trailingContent }
        if !sawTime {
            guard !date.isEmpty, !timeOfDay.isEmpty else { throw .missingField("date and time") }
            guard let moment = Self.dateAndTime(buffer, date: date, time: timeOfDay, parsing: layout.time) else {
                throw .malformedField("date and time")
            }
            record.time = moment
            record.timeText = date
        }
    }

    /// A `#Fields:` directive that differs from the configured columns means the lines
    /// after it would be read wrongly: that is said on the directive's own line.
    private func checkDirective(_ buffer: UnsafeBufferPointer<UInt8>, _ line: ByteRange) throws(LineParseError) {
        let prefix = Array("#Fields:".utf8)
        guard line.count >= prefix.count, buffer.bytes(ByteRange(line.start, line.start + prefix.count), equal: prefix),
              let expected = layout.fieldsDirective else { return }
        let given = Self.fieldNames(String(decoding: buffer[range: ByteRange(line.start + prefix.count, line.end)], as: UTF8.self))
        let configured = Self.fieldNames(String(decoding: expected, as: UTF8.self))
        if given != configured {
            throw .malformedField("#Fields: directive: the log now has '\(given.joined(separator: " "))' but parser.w3c_fields is '\(configured.joined(separator: " "))'; set w3c_fields to the log's #Fields: line")
        }
    }

    /// The names of a `#Fields:` value, split on spaces and tabs.
    public static func fieldNames(_ text: String) -> [String] {
        var text = Substring(text)
        if text.hasPrefix("#Fields:") { text = text.dropFirst(8) }
        return text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    /// The address of `address:port`, `[v6]:port` or `v6:port` (the port follows the last colon).
    @inline(__always)
    static func addressWithoutPort(_ buffer: UnsafeBufferPointer<UInt8>, _ value: ByteRange) -> ByteRange {
        guard !value.isEmpty else { return value }
        if buffer[value.start] == UInt8(ascii: "[") {
            var close = value.start
            while close < value.end && buffer[close] != UInt8(ascii: "]") { close += 1 }
            return ByteRange(value.start + 1, close)
        }
        var colon = value.end
        while colon > value.start && buffer[colon - 1] != UInt8(ascii: ":") { colon -= 1 }
        return colon > value.start ? ByteRange(value.start, colon - 1) : value
    }

    /// `2024-01-15` and `10:15:30[.fff]` as one moment in the zone of `parsing`.
    static func dateAndTime(_ buffer: UnsafeBufferPointer<UInt8>, date: ByteRange, time: ByteRange, parsing: TimeParsing) -> LogTime? {
        guard date.count == 10, time.count >= 8 else { return nil }
        func number(_ at: Int, _ count: Int) -> Int? {
            var value = 0
            for index in at..<(at + count) {
                let digit = buffer[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        let d = date.start, t = time.start
        guard buffer[d + 4] == UInt8(ascii: "-"), buffer[d + 7] == UInt8(ascii: "-"),
              buffer[t + 2] == UInt8(ascii: ":"), buffer[t + 5] == UInt8(ascii: ":"),
              let year = number(d, 4), let month = number(d + 5, 2), let day = number(d + 8, 2),
              let hour = number(t, 2), let minute = number(t + 3, 2), let second = number(t + 6, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60 else { return nil }
        var millis = 0
        if time.count > 8 {
            guard buffer[t + 8] == UInt8(ascii: "."), time.count > 9,
                  let fraction = LogFormatParser.milliseconds(buffer, ByteRange(t + 9, time.end)) else { return nil }
            millis = fraction
        }
        let local = Int64(LogTime.daysFromCivil(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let offset = parsing.offset(atLocal: local)
        return LogTime(epochSeconds: local - Int64(offset), milliseconds: Int32(millis), offsetSeconds: Int32(offset))
    }
}

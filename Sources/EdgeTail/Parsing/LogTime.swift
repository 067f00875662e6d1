/// A moment read from a log line: UTC seconds plus the line's own UTC offset,
/// which the XDM event keeps as `placeContext.localTime`.
public struct LogTime: Sendable, Hashable {
    public var epochSeconds: Int64
    public var milliseconds: Int32
    public var offsetSeconds: Int32

    public init(epochSeconds: Int64, milliseconds: Int32 = 0, offsetSeconds: Int32 = 0) {
        self.epochSeconds = epochSeconds
        self.milliseconds = milliseconds
        self.offsetSeconds = offsetSeconds
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    @inlinable
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The civil date of a day count since 1970-01-01 (`civil_from_days`).
    @inlinable
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// Appends ISO-8601 with milliseconds: `2024-03-01T12:00:00.000Z` in UTC, or the
    /// local wall time with its offset (`…+02:00`) when `local` is set; without `fraction`,
    /// whole seconds (`2024-03-01T12:00:00Z`, as `JSONDecoder`'s `.iso8601` reads them).
    public func writeISO8601(into out: inout [UInt8], local: Bool, fraction: Bool = true) {
        let shift = local ? Int64(offsetSeconds) : 0
        let seconds = epochSeconds + shift
        var days = Int(seconds / 86_400)
        var secondOfDay = Int(seconds % 86_400)
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (year, month, day) = Self.civilFromDays(days)
        @inline(__always) func two(_ value: Int) {
            out.append(UInt8(ascii: "0") + UInt8(value / 10))
            out.append(UInt8(ascii: "0") + UInt8(value % 10))
        }
        let clampedYear = max(0, min(9999, year))
        two(clampedYear / 100); two(clampedYear % 100)
        out.append(UInt8(ascii: "-")); two(month)
        out.append(UInt8(ascii: "-")); two(day)
        out.append(UInt8(ascii: "T")); two(secondOfDay / 3600)
        out.append(UInt8(ascii: ":")); two(secondOfDay / 60 % 60)
        out.append(UInt8(ascii: ":")); two(secondOfDay % 60)
        if fraction {
            out.append(UInt8(ascii: "."))
            let millis = Int(max(0, min(999, milliseconds)))
            out.append(UInt8(ascii: "0") + UInt8(millis / 100))
            two(millis % 100)
        }
        if !local {
            out.append(UInt8(ascii: "Z"))
            return
        }
        let offset = Int(offsetSeconds)
        out.append(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        two(abs(offset) / 3600)
        out.append(UInt8(ascii: ":"))
        two(abs(offset) / 60 % 60)
    }
}

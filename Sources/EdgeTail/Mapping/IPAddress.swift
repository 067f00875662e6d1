/// An IPv4 or IPv6 address parsed from log text, for `environment.ipV4` / `ipV6`
/// (whose XDM formats take only an address), truncation before it leaves the machine,
/// and matching trusted proxies.
///
/// It runs on every line that sends an address, so it parses and writes over bytes
/// and holds its value in two integers: no array, no `String`, no `inet_pton` copy.
/// Accepted forms: `192.0.2.1`, `192.0.2.1:51234`, any RFC 4291 IPv6 text
/// (`2001:db8::1`, `::ffff:192.0.2.1`), `fe80::1%eth0` (the zone is dropped: it only
/// names an interface of the server), `[2001:db8::1]` and `[2001:db8::1]:443`.
/// Anything else (a host name, `-`, `unknown`, `1.2.3`) is not an address.
public struct IPAddress: Sendable, Hashable {
    /// The address's 128 bits in network order; an IPv4 address is in the low 32 bits of `low`.
    var high: UInt64
    var low: UInt64
    public let isV6: Bool

    init(high: UInt64, low: UInt64, isV6: Bool) {
        self.high = high
        self.low = low
        self.isV6 = isV6
    }

    public init?(_ text: UnsafeBufferPointer<UInt8>) {
        guard let parsed = Self.parse(text) else { return nil }
        self = parsed
    }

    public init?(_ text: some Collection<UInt8>) {
        let parsed = text.withContiguousStorageIfAvailable { Self.parse($0) } ?? Array(text).withUnsafeBufferPointer { Self.parse($0) }
        guard let parsed else { return nil }
        self = parsed
    }

    public init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = parsed
    }

    /// `::ffff:192.0.2.1` as `192.0.2.1`: a dual-stack socket's way of logging an IPv4 client.
    public var unmapped: IPAddress {
        guard isV6, high == 0, low >> 32 == 0xFFFF else { return self }
        return IPAddress(high: 0, low: low & 0xFFFF_FFFF, isV6: false)
    }

    /// The address with all but its first `bits` set to zero.
    public func masked(to bits: Int) -> IPAddress {
        @inline(__always) func mask(_ keep: Int, width: Int) -> UInt64 {
            if keep <= 0 { return 0 }
            if keep >= width { return width == 64 ? .max : (1 << UInt64(width)) - 1 }
            return ((1 << UInt64(keep)) - 1) << UInt64(width - keep)
        }
        if !isV6 { return IPAddress(high: 0, low: low & mask(bits, width: 32), isV6: false) }
        return IPAddress(high: high & mask(bits, width: 64), low: low & mask(bits - 64, width: 64), isV6: true)
    }

    /// IPv4 to its /24, IPv6 to its /48: what is commonly accepted as no longer personal.
    public var truncated: IPAddress { masked(to: isV6 ? 48 : 24) }

    /// Appends the canonical text: dotted decimal, or IPv6 as RFC 5952 writes it
    /// (lowercase, no leading zeros, the longest run of two or more zero groups as `::`).
    public func write(to out: inout [UInt8]) {
        if !isV6 {
            for index in 0..<4 {
                if index > 0 { out.append(UInt8(ascii: ".")) }
                Self.appendDecimal(UInt8(truncatingIfNeeded: low >> UInt64(24 - 8 * index)), to: &out)
            }
            return
        }
        @inline(__always) func group(_ index: Int) -> UInt16 {
            let word = index < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> UInt64(48 - 16 * (index % 4)))
        }
        var bestStart = -1
        var bestLength = 1
        var runStart = -1
        for index in 0..<8 {
            if group(index) == 0 {
                if runStart < 0 { runStart = index }
                if index - runStart + 1 > bestLength {
                    bestStart = runStart
                    bestLength = index - runStart + 1
                }
            } else {
                runStart = -1
            }
        }
        var index = 0
        while index < 8 {
            if index == bestStart {
                out.append(UInt8(ascii: ":"))
                out.append(UInt8(ascii: ":"))
                index += bestLength
                continue
            }
            if index > 0 && index != bestStart + bestLength { out.append(UInt8(ascii: ":")) }
            Self.appendHex(group(index), to: &out)
            index += 1
        }
    }

    public var text: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(39)
        write(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Parsing

    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        let count = text.count
        guard count >= 2, count <= 64 else { return nil }
        if text[0] == UInt8(ascii: "[") {
            // `[v6]` or `[v6]:port`, as URLs and some proxies write an IPv6 peer.
            var close = 1
            while close < count && text[close] != UInt8(ascii: "]") { close += 1 }
            guard close < count else { return nil }
            if close + 1 < count {
                guard text[close + 1] == UInt8(ascii: ":"), isPort(text, close + 2, count) else { return nil }
            }
            guard let end = withoutZone(text, 1, close) else { return nil }
            return parseV6(text, 1, end)
        }
        var colons = 0
        var firstColon = count
        for index in 0..<count where text[index] == UInt8(ascii: ":") {
            if colons == 0 { firstColon = index }
            colons += 1
        }
        switch colons {
        case 0:
            return parseV4(text, 0, count).map { IPAddress(high: 0, low: UInt64($0), isV6: false) }
        case 1:
            // `192.0.2.1:51234`; one colon cannot be IPv6.
            guard isPort(text, firstColon + 1, count) else { return nil }
            return parseV4(text, 0, firstColon).map { IPAddress(high: 0, low: UInt64($0), isV6: false) }
        default:
            guard let end = withoutZone(text, 0, count) else { return nil }
            return parseV6(text, 0, end)
        }
    }

    /// Where the address ends before a `%zone`; nil when the zone is empty.
    private static func withoutZone(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        var index = start
        while index < end && text[index] != UInt8(ascii: "%") { index += 1 }
        if index == end { return end }
        return index + 1 < end ? index : nil
    }

    private static func isPort(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end > start, end - start <= 5 else { return false }
        var value = 0
        for index in start..<end {
            let digit = Int(text[index]) - 0x30
            guard digit >= 0 && digit <= 9 else { return false }
            value = value * 10 + digit
        }
        return value <= 65535
    }

    /// Dotted decimal, four parts of 0–255 without leading zeros (which some tools read as octal).
    private static func parseV4(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt32? {
        guard start >= 0, end - start >= 7, end - start <= 15 else { return nil }
        var result: UInt32 = 0
        var parts = 0
        var index = start
        while index < end {
            var value: UInt32 = 0
            var digits = 0
            while index < end, text[index] >= 0x30, text[index] <= 0x39 {
                if digits == 3 || (digits == 1 && value == 0) { return nil }
                value = value * 10 + UInt32(text[index] - 0x30)
                digits += 1
                index += 1
            }
            guard digits > 0, value <= 255 else { return nil }
            result = result << 8 | value
            parts += 1
            if index < end {
                guard text[index] == UInt8(ascii: "."), parts < 4, index + 1 < end else { return nil }
                index += 1
            }
        }
        return parts == 4 ? result : nil
    }

    /// RFC 4291 text: eight groups, one `::` for a run of zero groups, and an optional
    /// dotted IPv4 tail for the last 32 bits.
    private static func parseV6(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> IPAddress? {
        guard end - start >= 2 else { return nil }
        var groups: (UInt64, UInt64) = (0, 0)
        var written = 0
        var gap = -1
        var index = start
        @inline(__always) func put(_ value: UInt16) {
            if written < 4 {
                groups.0 |= UInt64(value) << UInt64(48 - 16 * written)
            } else {
                groups.1 |= UInt64(value) << UInt64(48 - 16 * (written - 4))
            }
            written += 1
        }
        if text[index] == UInt8(ascii: ":") {
            guard text[index + 1] == UInt8(ascii: ":") else { return nil }
            gap = 0
            index += 2
        }
        while index < end {
            guard written < 8 else { return nil }
            let groupStart = index
            var value: UInt32 = 0
            while index < end, let digit = hexValue(text[index]) {
                value = value << 4 | UInt32(digit)
                index += 1
                guard index - groupStart <= 4 else { return nil }
            }
            if index < end && text[index] == UInt8(ascii: ".") {
                // The IPv4 tail fills the last two groups.
                guard written <= 6, let v4 = parseV4(text, groupStart, end) else { return nil }
                put(UInt16(truncatingIfNeeded: v4 >> 16))
                put(UInt16(truncatingIfNeeded: v4))
                index = end
                break
            }
            guard index > groupStart else { return nil }
            put(UInt16(value))
            if index == end { break }
            guard text[index] == UInt8(ascii: ":"), index + 1 < end else { return nil }
            index += 1
            if text[index] == UInt8(ascii: ":") {
                guard gap < 0 else { return nil }
                gap = written
                index += 1
            }
        }
        if gap >= 0 {
            guard written < 8 else { return nil }
            // The groups after `::` move to the end; the gap between is zeros.
            let shift = 8 - written
            var result: (UInt64, UInt64) = (0, 0)
            for position in 0..<written {
                let word = position < 4 ? groups.0 : groups.1
                let value = word >> UInt64(48 - 16 * (position % 4)) & 0xFFFF
                let target = position < gap ? position : position + shift
                if target < 4 {
                    result.0 |= value << UInt64(48 - 16 * target)
                } else {
                    result.1 |= value << UInt64(48 - 16 * (target - 4))
                }
            }
            return IPAddress(high: result.0, low: result.1, isV6: true)
        }
        guard written == 8 else { return nil }
        return IPAddress(high: groups.0, low: groups.1, isV6: true)
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x61...0x66: byte - 0x61 + 10
        case 0x41...0x46: byte - 0x41 + 10
        default: nil
        }
    }

    private static func appendDecimal(_ value: UInt8, to out: inout [UInt8]) {
        if value >= 100 { out.append(UInt8(ascii: "0") + value / 100) }
        if value >= 10 { out.append(UInt8(ascii: "0") + value / 10 % 10) }
        out.append(UInt8(ascii: "0") + value % 10)
    }

    private static func appendHex(_ value: UInt16, to out: inout [UInt8]) {
        var started = false
        for shift in stride(from: 12, through: 0, by: -4) {
            let digit = UInt8(truncatingIfNeeded: value >> UInt16(shift)) & 0xF
            if digit == 0 && !started && shift > 0 { continue }
            started = true
            out.append(digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10)
        }
    }
}

/// A network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`; a bare address is a /32 or /128).
public struct IPNetwork: Sendable, Equatable {
    public var address: IPAddress
    public var bits: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        // A network is written bare: no port, brackets or zone.
        guard let first = parts.first, !first.contains("["), !first.contains("%"),
              let address = IPAddress(String(first)), address.isV6 || !first.contains(":") else { return nil }
        let maximum = address.isV6 ? 128 : 32
        if parts.count == 2 {
            guard let bits = Int(parts[1]), (0...maximum).contains(bits) else { return nil }
            self.bits = bits
        } else {
            bits = maximum
        }
        self.address = address.masked(to: bits)
    }

    /// Whether `other` is in the network; an IPv4-mapped IPv6 address is in IPv4 networks.
    public func contains(_ other: IPAddress) -> Bool {
        let other = address.isV6 ? other : other.unmapped
        return other.isV6 == address.isV6 && other.masked(to: bits) == address
    }
}

/// Undoes the escaping web servers apply inside quoted log fields (`\"` and `\\`
/// from Apache, `\xHH` from nginx, JSON's `\uXXXX` with surrogate pairs from nginx
/// `escape=json`, Caddy and Traefik), and URL percent-encoding.
public enum LogEscapes {
    /// Appends the field's bytes with log escapes resolved.
    @inlinable
    public static func unescape(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange, into out: inout [UInt8]) {
        var index = range.start
        var runStart = index
        while index < range.end {
            if buffer[index] != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<index]))
            let next = index + 1
            if next < range.end, buffer[next] == UInt8(ascii: "x"), next + 2 < range.end,
               let high = hexValue(buffer[next + 1]), let low = hexValue(buffer[next + 2]) {
                out.append(high << 4 | low)
                index = next + 3
            } else if next < range.end, buffer[next] == UInt8(ascii: "u"), let (scalar, length) = unicodeEscape(buffer, at: index, end: range.end) {
                appendUTF8(scalar, to: &out)
                index += length
            } else if next < range.end {
                switch buffer[next] {
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                default: out.append(buffer[next])
                }
                index = next + 1
            } else {
                out.append(UInt8(ascii: "\\"))
                index = next
            }
            runStart = index
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<range.end]))
    }

    /// Whether the field has a backslash that `unescape` would change.
    @inlinable
    public static func needsUnescape(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange) -> Bool {
        ByteSearch.firstIndex(of: UInt8(ascii: "\\"), in: buffer, from: range.start, to: range.end) != nil
    }

    /// Appends a URL query component with `%HH` and `+` decoded; plain runs are
    /// copied whole.
    @inlinable
    public static func percentDecode(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange, into out: inout [UInt8]) {
        var index = range.start
        var runStart = index
        while index < range.end {
            let byte = buffer[index]
            guard byte == UInt8(ascii: "%") || byte == UInt8(ascii: "+") else {
                index += 1
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<index]))
            if byte == UInt8(ascii: "%"), index + 2 < range.end,
               let high = hexValue(buffer[index + 1]), let low = hexValue(buffer[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
            runStart = index
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<range.end]))
    }

    /// The scalar of `\uXXXX` (or a `\uD83D\uDE00` surrogate pair) at `index`, and the
    /// escape's length; nil when it is not a whole, valid escape.
    @usableFromInline
    static func unicodeEscape(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> (UInt32, Int)? {
        func unit(_ at: Int) -> UInt32? {
            guard at + 6 <= end, buffer[at] == UInt8(ascii: "\\"), buffer[at + 1] == UInt8(ascii: "u") else { return nil }
            var value: UInt32 = 0
            for position in (at + 2)..<(at + 6) {
                guard let digit = hexValue(buffer[position]) else { return nil }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        guard let high = unit(index) else { return nil }
        if (0xD800...0xDBFF).contains(high) {
            guard let low = unit(index + 6), (0xDC00...0xDFFF).contains(low) else { return nil }
            return (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), 12)
        }
        return (0xDC00...0xDFFF).contains(high) ? nil : (high, 6)
    }

    @usableFromInline
    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case ..<0x80: out.append(UInt8(scalar))
        case ..<0x800: out += [UInt8(0xC0 | scalar >> 6), UInt8(0x80 | scalar & 0x3F)]
        case ..<0x10000: out += [UInt8(0xE0 | scalar >> 12), UInt8(0x80 | scalar >> 6 & 0x3F), UInt8(0x80 | scalar & 0x3F)]
        default: out += [UInt8(0xF0 | scalar >> 18), UInt8(0x80 | scalar >> 12 & 0x3F), UInt8(0x80 | scalar >> 6 & 0x3F), UInt8(0x80 | scalar & 0x3F)]
        }
    }

    @inlinable @inline(__always)
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}

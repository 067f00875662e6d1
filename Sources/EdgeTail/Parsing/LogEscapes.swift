/// Undoes the escaping web servers apply inside quoted log fields
/// (`\"` and `\\` from Apache, `\xHH` from nginx), and URL percent-encoding.
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
            } else if next < range.end {
                switch buffer[next] {
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
        var index = range.start
        while index < range.end {
            if buffer[index] == UInt8(ascii: "\\") { return true }
            index += 1
        }
        return false
    }

    /// Appends a URL query component with `%HH` and `+` decoded.
    @inlinable
    public static func percentDecode(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange, into out: inout [UInt8]) {
        var index = range.start
        while index < range.end {
            let byte = buffer[index]
            if byte == UInt8(ascii: "%"), index + 2 < range.end,
               let high = hexValue(buffer[index + 1]), let low = hexValue(buffer[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
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

/// Writes 16 bytes as a lowercase RFC 4122 UUID with version 4 and the RFC variant,
/// the shape the Edge Network requires of FPID values.
public enum UUIDText {
    /// The length of a UUID's text.
    public static let length = 36

    public static func appendVersion4(high: UInt64, low: UInt64, to out: inout [UInt8]) {
        // Written into 36 bytes on the stack, eight digits a store, and appended at once:
        // a derived identity and an `_id` are formatted for every line.
        withUnsafeTemporaryAllocation(byteCount: length, alignment: 8) { text in
            writeVersion4(high: high, low: low, to: text.baseAddress.unsafelyUnwrapped)
            out.append(contentsOf: text.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Writes the 36 bytes of the UUID's text at `text`.
    @inline(__always)
    static func writeVersion4(high: UInt64, low: UInt64, to text: UnsafeMutableRawPointer) {
        let high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let first = hexDigits(UInt32(truncatingIfNeeded: high >> 32))
        let second = hexDigits(UInt32(truncatingIfNeeded: high))
        let third = hexDigits(UInt32(truncatingIfNeeded: low >> 32))
        let fourth = hexDigits(UInt32(truncatingIfNeeded: low))
        text.storeBytes(of: first.littleEndian, toByteOffset: 0, as: UInt64.self)
        text.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 8, as: UInt8.self)
        text.storeBytes(of: UInt32(truncatingIfNeeded: second).littleEndian, toByteOffset: 9, as: UInt32.self)
        text.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 13, as: UInt8.self)
        text.storeBytes(of: UInt32(truncatingIfNeeded: second >> 32).littleEndian, toByteOffset: 14, as: UInt32.self)
        text.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 18, as: UInt8.self)
        text.storeBytes(of: UInt32(truncatingIfNeeded: third).littleEndian, toByteOffset: 19, as: UInt32.self)
        text.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 23, as: UInt8.self)
        text.storeBytes(of: UInt32(truncatingIfNeeded: third >> 32).littleEndian, toByteOffset: 24, as: UInt32.self)
        text.storeBytes(of: fourth.littleEndian, toByteOffset: 28, as: UInt64.self)
    }

    /// The eight lowercase hexadecimal digits of `value`, most significant first, as the
    /// bytes of a word from its lowest to its highest (the order a little-endian store
    /// writes them), computed for all eight at once.
    @inline(__always)
    static func hexDigits(_ value: UInt32) -> UInt64 {
        // One byte of `value` per 16 bits, the most significant in the lowest …
        var word = UInt64(value.byteSwapped)
        word = ((word & 0xFFFF_0000) << 16) | (word & 0xFFFF)
        word = ((word & 0x0000_FF00_0000_FF00) << 8) | (word & 0x0000_00FF_0000_00FF)
        // … then one nibble per byte, the high nibble of each byte first.
        word = ((word & 0x000F_000F_000F_000F) << 8) | ((word >> 4) & 0x000F_000F_000F_000F)
        // 0-9 → "0"-"9", 10-15 → "a"-"f": a nibble of 10 or more carries into bit 4 when 6 is added.
        let letters = ((word &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        return word &+ 0x3030_3030_3030_3030 &+ letters &* 0x27
    }

    public static func version4(high: UInt64, low: UInt64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(36)
        appendVersion4(high: high, low: low, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A random version-4 UUID, lowercase, for a request's `requestId`. From the system
    /// generator (`getrandom`): Foundation's `UUID()` opens, reads and closes
    /// `/dev/urandom` on Linux, three system calls a request.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return version4(high: generator.next(), low: generator.next())
    }

    /// Whether `bytes` is a UUID in its 8-4-4-4-12 hexadecimal text form.
    public static func isUUID(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == 36 else { return false }
        for index in 0..<36 {
            let byte = bytes[index]
            if index == 8 || index == 13 || index == 18 || index == 23 {
                if byte != UInt8(ascii: "-") { return false }
            } else {
                let isHex = (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x66)
                if !isHex { return false }
            }
        }
        return true
    }

    /// Whether `bytes` is a version 4 UUID of the RFC 4122 variant (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-…`,
    /// either case): what the Edge Network takes as an FPID.
    public static func isVersion4(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard isUUID(bytes), bytes[14] == UInt8(ascii: "4") else { return false }
        switch bytes[19] | 0x20 {
        case UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b"): return true
        default: return false
        }
    }
}

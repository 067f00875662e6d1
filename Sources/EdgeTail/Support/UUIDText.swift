/// Writes 16 bytes as a lowercase RFC 4122 UUID with version 4 and the RFC variant,
/// the shape the Edge Network requires of FPID values.
public enum UUIDText {
    public static func appendVersion4(high: UInt64, low: UInt64, to out: inout [UInt8]) {
        let high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        // Written into 36 bytes on the stack and appended at once: a derived identity is
        // formatted for every line, and 36 appends cost more than the HMAC cache saves.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 36) { text in
            var at = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[at] = UInt8(ascii: "-")
                    at += 1
                }
                let byte = index < 8 ? UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(index)))
                                     : UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(index - 8)))
                text[at] = hexDigit(byte >> 4)
                text[at + 1] = hexDigit(byte & 0xF)
                at += 2
            }
            out.append(contentsOf: UnsafeBufferPointer(text))
        }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
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

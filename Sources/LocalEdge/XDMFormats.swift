#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The XDM formats and enums Edge checks in the fields a log shipper sends.
enum XDMFormats {
    /// `identityMap.*.authenticatedState`.
    static let authenticatedStates: Set<String> = ["ambiguous", "authenticated", "loggedOut"]
    /// `web.webInteraction.type`.
    static let linkTypes: Set<String> = ["other", "download", "exit"]

    static func isDateTime(_ text: String) -> Bool {
        ISO8601Shape.isValid(text)
    }

    /// Dotted-quad IPv4 as written canonically: four decimal octets, no leading zeros.
    static func isCanonicalIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard (1...3).contains(part.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  part.count == 1 || part.first != "0", let value = Int(part), value <= 255
            else { return false }
        }
        return true
    }

    /// An IPv6 address that parses and is already in its RFC 5952 text form
    /// (lowercase, leading zeros dropped, the longest run of zero groups as `::`),
    /// which is what the C library writes back.
    static func isCanonicalIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return false }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return false }
        let canonical = buffer.withUnsafeBufferPointer { pointer in
            String(decoding: pointer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return canonical == text
    }

    /// RFC 4122 UUID text (either case) with version 4 and the RFC variant.
    static func isUUIDVersion4(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 36 else { return false }
        for (index, byte) in b.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                let lower = byte | 0x20
                guard (byte >= 0x30 && byte <= 0x39) || (lower >= 0x61 && lower <= 0x66) else { return false }
            }
        }
        let variant = b[19] | 0x20
        return b[14] == UInt8(ascii: "4")
            && (variant == UInt8(ascii: "8") || variant == UInt8(ascii: "9") || variant == UInt8(ascii: "a") || variant == UInt8(ascii: "b"))
    }

    /// An Experience Cloud ID: 38 decimal digits.
    static func isECID(_ text: String) -> Bool {
        text.utf8.count == 38 && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}

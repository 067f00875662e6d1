#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address parsed from log text, for truncation before it leaves
/// the machine and for matching trusted proxies.
public struct IPAddress: Sendable, Equatable {
    /// 4 bytes (IPv4) or 16 bytes (IPv6), network order.
    public var bytes: [UInt8]

    public var isV6: Bool { bytes.count == 16 }

    public init?(_ text: some Collection<UInt8>) {
        guard text.count > 0, text.count < 64 else { return nil }
        var cString = Array(text)
        // `[2001:db8::1]` and `2001:db8::1%eth0` as some logs write them.
        if cString.first == UInt8(ascii: "[") && cString.last == UInt8(ascii: "]") { cString = Array(cString.dropFirst().dropLast()) }
        if let zone = cString.firstIndex(of: UInt8(ascii: "%")) { cString.removeSubrange(zone...) }
        cString.append(0)
        var v4 = in_addr()
        var v6 = in6_addr()
        let text = cString.map { CChar(bitPattern: $0) }
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The address with all but its first `bits` set to zero.
    public func masked(to bits: Int) -> IPAddress {
        var result = bytes
        for index in result.indices {
            let keep = max(0, min(8, bits - index * 8))
            result[index] &= keep == 8 ? 0xFF : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        return IPAddress(bytes: result)
    }

    /// IPv4 to its /24, IPv6 to its /48: what is commonly accepted as no longer personal.
    public var truncated: IPAddress { masked(to: isV6 ? 48 : 24) }

    public var text: String {
        var output = [CChar](repeating: 0, count: 64)
        var input = bytes
        let family = isV6 ? AF_INET6 : AF_INET
        guard input.withUnsafeMutableBytes({ inet_ntop(family, $0.baseAddress, &output, 64) }) != nil else { return "" }
        return String(decoding: output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`; a bare address is a /32 or /128).
public struct IPNetwork: Sendable, Equatable {
    public var address: IPAddress
    public var bits: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let address = IPAddress(Array(first.utf8)) else { return nil }
        let maximum = address.isV6 ? 128 : 32
        if parts.count == 2 {
            guard let bits = Int(parts[1]), (0...maximum).contains(bits) else { return nil }
            self.bits = bits
        } else {
            bits = maximum
        }
        self.address = address.masked(to: bits)
    }

    public func contains(_ other: IPAddress) -> Bool {
        other.bytes.count == address.bytes.count && other.masked(to: bits) == address
    }
}

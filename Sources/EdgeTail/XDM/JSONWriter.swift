/// Appends JSON text to a byte buffer without going through `String` or `JSONEncoder`.
///
/// Strings are written from raw bytes: quotes, backslashes and control characters
/// are escaped, and bytes that are not valid UTF-8 are replaced by U+FFFD, so the
/// output is always valid JSON whatever the log line contained.
public struct JSONWriter: Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 4096) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inlinable
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inlinable
    public mutating func raw(_ byte: UInt8) {
        bytes.append(byte)
    }

    public mutating func raw<C: Collection>(_ other: C) where C.Element == UInt8 {
        bytes.append(contentsOf: other)
    }

    /// Writes a decimal integer.
    public mutating func integer(_ value: Int) {
        if value == 0 { bytes.append(UInt8(ascii: "0")); return }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(20 - count)...]))
        }
    }

    /// Writes `"…"` with the given bytes escaped.
    public mutating func string(_ source: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        escaped(source)
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { string($0) }
    }

    public mutating func string(_ source: [UInt8]) {
        source.withUnsafeBufferPointer { string($0) }
    }

    /// Writes the escaped bytes of a string's content, without quotes.
    public mutating func escaped(_ source: UnsafeBufferPointer<UInt8>) {
        let count = source.count
        var runStart = 0
        var index = 0
        let base = UnsafeRawPointer(source.baseAddress)
        while index < count {
            // Eight plain bytes at a time: none below 0x20, none 0x80 or above, no `"` or `\`.
            if let base, index + 8 <= count {
                let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if Self.isPlain(word) {
                    index += 8
                    continue
                }
            }
            let byte = source[index]
            if byte >= 0x20 && byte != 0x22 && byte != 0x5C && byte < 0x80 {
                index += 1
                continue
            }
            if runStart < index {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<index]))
            }
            if byte < 0x80 {
                appendEscape(byte)
                index += 1
            } else {
                let length = Self.validUTF8SequenceLength(source, at: index)
                if length == 0 {
                    bytes.append(contentsOf: [0xEF, 0xBF, 0xBD] as [UInt8])
                    index += 1
                } else {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[index..<(index + length)]))
                    index += length
                }
            }
            runStart = index
        }
        if runStart < count {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<count]))
        }
    }

    /// Whether no byte of `word` needs escaping or UTF-8 checking (SWAR: each test
    /// sets the high bit of a byte that is below 0x20, is `"`, is `\`, or is ≥ 0x80).
    @inline(__always)
    static func isPlain(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZero(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
        let control = (word &- ones &* 0x20) & ~word & highs
        let quote = hasZero(word ^ (ones &* 0x22))
        let backslash = hasZero(word ^ (ones &* 0x5C))
        return (control | quote | backslash | (word & highs)) == 0
    }

    private mutating func appendEscape(_ byte: UInt8) {
        switch byte {
        case 0x22: raw("\\\"")
        case 0x5C: raw("\\\\")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        case 0x08: raw("\\b")
        case 0x0C: raw("\\f")
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                      hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        }
    }

    /// The length of the well-formed UTF-8 sequence starting at `index`, or 0 when it is not one
    /// (overlong forms, surrogates and code points above U+10FFFF are rejected, as RFC 3629 says).
    @usableFromInline
    static func validUTF8SequenceLength(_ source: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let lead = source[index]
        let remaining = source.count - index
        @inline(__always) func continuation(_ offset: Int) -> Bool {
            source[index + offset] & 0xC0 == 0x80
        }
        switch lead {
        case 0xC2...0xDF:
            return remaining >= 2 && continuation(1) ? 2 : 0
        case 0xE0...0xEF:
            guard remaining >= 3, continuation(1), continuation(2) else { return 0 }
            let second = source[index + 1]
            if lead == 0xE0 && second < 0xA0 { return 0 }
            if lead == 0xED && second > 0x9F { return 0 }
            return 3
        case 0xF0...0xF4:
            guard remaining >= 4, continuation(1), continuation(2), continuation(3) else { return 0 }
            let second = source[index + 1]
            if lead == 0xF0 && second < 0x90 { return 0 }
            if lead == 0xF4 && second > 0x8F { return 0 }
            return 4
        default:
            return 0
        }
    }
}

/// Appends JSON text to a byte buffer without going through `String` or `JSONEncoder`.
///
/// Strings are written from raw bytes: quotes, backslashes and control characters
/// are escaped, and bytes that are not valid UTF-8 are replaced by U+FFFD, so the
/// output is always valid JSON whatever the log line contained.
///
/// The writer owns its memory and writes through a pointer: an event is some forty
/// appends, and `Array.append(contentsOf:)` checked uniqueness and capacity and called
/// out for each (about a tenth of the CPU of a full-speed run). It is noncopyable, so two
/// values never share that memory; `finish()` hands the bytes over as an array.
public struct JSONWriter: ~Copyable {
    private var start: UnsafeMutablePointer<UInt8>
    /// The number of bytes written.
    public private(set) var count = 0
    private var capacity: Int

    public init(capacity: Int = 4096) {
        self.capacity = Swift.max(capacity, 64)
        start = .allocate(capacity: self.capacity)
    }

    deinit { start.deallocate() }

    /// A copy of the bytes written so far.
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: start, count: count)) }

    /// The bytes written, as an array; the writer's memory is released.
    public consuming func finish() -> [UInt8] { bytes }

    public var isEmpty: Bool { count == 0 }

    /// Forgets what was written, keeping the memory.
    public mutating func removeAll() { count = 0 }

    /// Room for at least `total` bytes in all.
    public mutating func reserveCapacity(_ total: Int) {
        if total > capacity { grow(total - count) }
    }

    /// Lends the bytes written so far.
    public func withUnsafeBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try body(UnsafeBufferPointer(start: start, count: count))
    }

    /// Room for `extra` more bytes.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if capacity - count < extra { grow(extra) }
    }

    @inline(never)
    private mutating func grow(_ extra: Int) {
        let newCapacity = Swift.max(capacity * 2, count + extra)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        moved.initialize(from: start, count: count)
        start.deallocate()
        start = moved
        capacity = newCapacity
    }

    @inline(__always)
    private mutating func append(_ source: UnsafePointer<UInt8>, count length: Int) {
        reserve(length)
        (start + count).initialize(from: source, count: length)
        count += length
    }

    @inlinable
    public mutating func raw(_ text: StaticString) {
        // Through `withUTF8Buffer`: a one-scalar literal may be stored as the scalar.
        text.withUTF8Buffer { raw($0) }
    }

    public mutating func raw(_ byte: UInt8) {
        reserve(1)
        start[count] = byte
        count += 1
    }

    public mutating func raw(_ source: UnsafeBufferPointer<UInt8>) {
        guard let base = source.baseAddress, source.count > 0 else { return }
        append(base, count: source.count)
    }

    public mutating func raw(_ source: [UInt8]) {
        source.withUnsafeBufferPointer { raw($0) }
    }

    public mutating func raw(_ source: ArraySlice<UInt8>) {
        source.withUnsafeBufferPointer { raw($0) }
    }

    /// A lowercase version-4 UUID made of `high` and `low` (see `UUIDText`).
    public mutating func uuidVersion4(high: UInt64, low: UInt64) {
        reserve(UUIDText.length)
        UUIDText.writeVersion4(high: high, low: low, to: UnsafeMutableRawPointer(start + count))
        count += UUIDText.length
    }

    /// Writes a decimal integer.
    public mutating func integer(_ value: Int) {
        Self.withDecimal(value) { raw($0) }
    }

    /// The decimal text of `value` (with its `-`), lent from the stack.
    static func withDecimal<Result>(_ value: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &digits) { buffer in
            var first = 21
            repeat {
                first -= 1
                buffer[first] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                first -= 1
                buffer[first] = UInt8(ascii: "-")
            }
            return body(UnsafeRawBufferPointer(rebasing: buffer[first...]).assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Writes `"…"` with the given bytes escaped.
    public mutating func string(_ source: UnsafeBufferPointer<UInt8>) {
        // Most values (URLs, agents, names) need no escape at all: one reservation, the
        // quotes and one copy.
        guard let base = source.baseAddress else {
            raw("\"\"")
            return
        }
        let plain = Self.plainPrefixLength(base, source.count)
        if plain == source.count {
            reserve(source.count + 2)
            start[count] = UInt8(ascii: "\"")
            (start + count + 1).initialize(from: base, count: source.count)
            start[count + 1 + source.count] = UInt8(ascii: "\"")
            count += source.count + 2
            return
        }
        raw(UInt8(ascii: "\""))
        escaped(source, plainPrefix: plain)
        raw(UInt8(ascii: "\""))
    }

    public mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { string($0) }
    }

    public mutating func string(_ source: [UInt8]) {
        source.withUnsafeBufferPointer { string($0) }
    }

    /// Writes the escaped bytes of a string's content, without quotes; the first
    /// `plainPrefix` bytes are known to need nothing.
    private mutating func escaped(_ source: UnsafeBufferPointer<UInt8>, plainPrefix: Int) {
        guard let base = source.baseAddress else { return }
        let length = source.count
        var index = plainPrefix
        var runStart = 0
        let bytes = UnsafeRawPointer(base)
        while index < length {
            // Eight plain bytes at a time: none below 0x20, none 0x80 or above, no `"` or `\`.
            if index + 8 <= length && Self.isPlain(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index += 8
                continue
            }
            let byte = source[index]
            if Self.isPlain(byte) {
                index += 1
                continue
            }
            if runStart < index {
                raw(UnsafeBufferPointer(rebasing: source[runStart..<index]))
            }
            if byte < 0x80 {
                appendEscape(byte)
                index += 1
            } else {
                let sequence = Self.validUTF8SequenceLength(source, at: index)
                if sequence == 0 {
                    raw("\u{FFFD}")
                    index += 1
                } else {
                    raw(UnsafeBufferPointer(rebasing: source[index..<(index + sequence)]))
                    index += sequence
                }
            }
            runStart = index
        }
        if runStart < length {
            raw(UnsafeBufferPointer(rebasing: source[runStart..<length]))
        }
    }

    /// How many leading bytes need no escape: `length` when none does. Sixteen bytes a
    /// step, then eight, and the last few by one more load of the final eight bytes
    /// (overlapping those already looked at) rather than one at a time.
    @inline(__always)
    static func plainPrefixLength(_ base: UnsafePointer<UInt8>, _ length: Int) -> Int {
        let bytes = UnsafeRawPointer(base)
        var index = 0
        while index + 16 <= length {
            let first = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let second = bytes.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
            if !isPlain(first) || !isPlain(second) { return index }
            index += 16
        }
        if index + 8 <= length {
            if !isPlain(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) { return index }
            index += 8
        }
        if index < length && length >= 8 {
            return isPlain(bytes.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)) ? length : index
        }
        while index < length {
            guard isPlain(base[index]) else { return index }
            index += 1
        }
        return length
    }

    /// Whether `byte` is written as it is: printable ASCII other than `"` and `\`.
    @inline(__always)
    static func isPlain(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte != 0x22 && byte != 0x5C && byte < 0x80
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
            let hex: StaticString = "0123456789abcdef"
            raw("\\u00")
            raw(hex.utf8Start[Int(byte >> 4)])
            raw(hex.utf8Start[Int(byte & 0xF)])
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

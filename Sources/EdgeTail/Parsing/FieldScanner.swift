/// Walks the fields of a line whose fields are separated by spaces or by tabs, as
/// W3C extended logs, CloudFront, Elastic Load Balancing and HAProxy write them.
///
/// A field that starts with `"` runs to the closing quote (a backslash escapes the
/// next byte); with `brackets`, one that starts with `[` or `{` runs to its `]` or
/// `}`. The field's value is what lies inside them.
struct FieldScanner {
    enum Separator: Sendable {
        /// One or more spaces (W3C extended, ELB, HAProxy).
        case spaces
        /// Exactly one tab, so an empty field is possible (CloudFront).
        case tab
    }

    let buffer: UnsafeBufferPointer<UInt8>
    let end: Int
    let separator: Separator
    let brackets: Bool
    private(set) var cursor: Int

    init(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, separator: Separator, brackets: Bool = false) {
        self.buffer = buffer
        self.end = end
        self.separator = separator
        self.brackets = brackets
        cursor = start
    }

    var atEnd: Bool { cursor >= end }

    /// The first byte of the next field, without consuming it.
    var nextByte: UInt8? { cursor < end ? buffer[cursor] : nil }

    /// The next field's value, or nil after the last field. `name` names the field in
    /// the error about an unterminated quote.
    @inline(__always)
    mutating func next(_ name: @autoclosure () -> String) throws(LineParseError) -> ByteRange? {
        guard cursor < end else { return nil }
        let first = buffer[cursor]
        let closing: UInt8? = switch first {
        case UInt8(ascii: "\""): first
        case UInt8(ascii: "["), UInt8(ascii: "{"): brackets ? first + 2 : nil
        default: nil
        }
        let value: ByteRange
        if let closing, separator == .spaces {
            let start = cursor + 1
            var index = start
            while index < end && buffer[index] != closing {
                index += closing == UInt8(ascii: "\"") && buffer[index] == UInt8(ascii: "\\") ? 2 : 1
            }
            guard index < end else { throw .unterminatedQuote(name()) }
            value = ByteRange(start, index)
            cursor = index + 1
            guard cursor >= end || buffer[cursor] == 0x20 else { throw .malformedField("\(name()) (text right after its closing quote)") }
        } else {
            let start = cursor
            let stop: UInt8 = separator == .tab ? 0x09 : 0x20
            while cursor < end && buffer[cursor] != stop { cursor += 1 }
            value = ByteRange(start, cursor)
        }
        switch separator {
        case .spaces: while cursor < end && buffer[cursor] == 0x20 { cursor += 1 }
        case .tab: if cursor < end { cursor += 1 }
        }
        return value
    }
}

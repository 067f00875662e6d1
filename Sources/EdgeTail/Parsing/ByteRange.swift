/// A half-open range of byte indices into a batch's buffer.
///
/// Parsers hand on ranges rather than copies so a field becomes a `String` only
/// when something needs it as one.
public struct ByteRange: Sendable, Hashable {
    public var start: Int
    public var end: Int

    @inlinable
    public init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = end
    }

    public static let empty = ByteRange(0, 0)

    @inlinable public var isEmpty: Bool { start >= end }
    @inlinable public var count: Int { end - start }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// The bytes of `range` as a buffer sharing this buffer's memory.
    @inlinable
    public subscript(range range: ByteRange) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: self[range.start..<range.end])
    }

    /// Whether the bytes of `range` equal `other`, byte for byte.
    @inlinable
    public func bytes(_ range: ByteRange, equal other: [UInt8]) -> Bool {
        guard range.count == other.count else { return false }
        var index = 0
        while index < other.count {
            if self[range.start + index] != other[index] { return false }
            index += 1
        }
        return true
    }

    /// The bytes of `range` decoded as UTF-8, with invalid sequences repaired.
    public func string(_ range: ByteRange) -> String {
        String(decoding: self[range: range], as: UTF8.self)
    }
}

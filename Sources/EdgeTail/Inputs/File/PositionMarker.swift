#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A short hash of the bytes just before a checkpointed offset.
///
/// The identity only covers a file's first line; a file rewritten in place (same
/// inode, same first line, different content after it) would otherwise be resumed
/// at an offset that now falls in the middle of unrelated bytes. Comparing the
/// marker on resume detects that, and the file is read again from the start.
public enum PositionMarker {
    /// How many bytes before the offset are hashed.
    public static let length = 64

    /// The marker of `offset` in an open file; nil at offset 0 (nothing to check)
    /// or when the bytes cannot be read (the file is shorter than `offset`).
    public static func read(descriptor: Int32, offset: UInt64) -> UInt64? {
        guard offset > 0 else { return nil }
        let count = Int(min(UInt64(length), offset))
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset - UInt64(count))) }
        guard read == count else { return nil }
        return FastHash.hash(bytes, seed: 0x3A4B)
    }

    /// The marker of the offset just after `read`, bytes read from the file that end
    /// there, when they are enough to make it (the same value `read` would give,
    /// without reading them again); nil when fewer than `length` bytes were read.
    public static func marker(endOf read: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard read.count >= length else { return nil }
        return FastHash.hash(UnsafeBufferPointer(rebasing: read[(read.count - length)...]), seed: 0x3A4B)
    }

    public static func text(_ marker: UInt64) -> String {
        String(marker, radix: 16)
    }

    public static func parse(_ text: String) -> UInt64? {
        UInt64(text, radix: 16)
    }
}

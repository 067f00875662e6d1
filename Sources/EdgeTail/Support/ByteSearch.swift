#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds a byte in a range of a buffer with the C library's `memchr`, which compares
/// a vector register's width at a time: a quoted user agent or referrer is a hundred
/// bytes or more, scanned for its closing quote and for backslashes on every line.
public enum ByteSearch {
    /// The index of the first `byte` in `buffer[start..<end]`, or nil.
    @inline(__always)
    public static func firstIndex(of byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        guard start < end, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), end - start) else { return nil }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
    }
}

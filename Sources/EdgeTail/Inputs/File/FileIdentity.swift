#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who a file is, independent of its name: device, inode and a fingerprint of its
/// first line (at most 1 KiB), so a reused inode or a file replaced under the same
/// name is recognised as new, and a renamed file as the same.
public struct FileIdentity: Hashable, Codable, Sendable {
    public var device: UInt64
    public var inode: UInt64
    public var fingerprint: UInt64

    public static let fingerprintBytes = 1024

    public var sourceID: String {
        "file:\(device):\(inode):\(String(fingerprint, radix: 16))"
    }

    /// Reads the identity of an open file; nil while the file is too young to have
    /// a complete first line (or 1 KiB), since its fingerprint would still change.
    public static func read(descriptor: Int32) -> FileIdentity? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        var head = [UInt8](repeating: 0, count: fingerprintBytes)
        let count = head.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, fingerprintBytes, 0) }
        guard count > 0 else { return nil }
        let prefix: Int
        if let newline = head[0..<count].firstIndex(of: 0x0A) {
            prefix = newline + 1
        } else if count == fingerprintBytes {
            prefix = count
        } else {
            return nil
        }
        let fingerprint = head.withUnsafeBufferPointer { FastHash.hash(UnsafeBufferPointer(rebasing: $0[0..<prefix]), seed: 0x5EED) }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), fingerprint: fingerprint)
    }
}

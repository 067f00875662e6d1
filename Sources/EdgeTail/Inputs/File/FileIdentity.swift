#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who a file is, independent of its name: device, inode and a fingerprint of its
/// first line (at most 1 KiB), so a reused inode or a file replaced under the same
/// name is recognised as new, and a renamed file as the same.
///
/// The first line rather than a fixed 1 KiB keeps small files readable: a file
/// with one complete line already has its final fingerprint.
public struct FileIdentity: Hashable, Codable, Sendable {
    public var device: UInt64
    public var inode: UInt64
    public var fingerprint: UInt64

    public static let fingerprintBytes = 1024

    public init(device: UInt64, inode: UInt64, fingerprint: UInt64) {
        self.device = device
        self.inode = inode
        self.fingerprint = fingerprint
    }

    public var sourceID: String {
        "file:\(device):\(inode):\(String(fingerprint, radix: 16))"
    }

    /// The identity a `sourceID` names, or nil for another kind of source.
    public init?(sourceID: String) {
        let parts = sourceID.split(separator: ":")
        guard parts.count == 4, parts[0] == "file", let device = UInt64(parts[1]), let inode = UInt64(parts[2]),
              let fingerprint = UInt64(parts[3], radix: 16) else { return nil }
        self.init(device: device, inode: inode, fingerprint: fingerprint)
    }

    /// Whether `info` describes the same inode.
    func isSameInode(_ info: stat) -> Bool {
        UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
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

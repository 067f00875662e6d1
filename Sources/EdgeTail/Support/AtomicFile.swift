import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces a file's content all at once: write a temporary file, fsync it, rename
/// it over the target, fsync the directory. A crash leaves the old or the new file.
public enum AtomicFile {
    public struct Failure: Error, CustomStringConvertible {
        public var path: String
        public var operation: String
        public var code: Int32
        public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
    }

    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = url.path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Failure(path: temporary, operation: "open", code: errno) }
        var written = 0
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) throws in
            while written < buffer.count {
                let result = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    let code = errno
                    close(descriptor)
                    throw Failure(path: temporary, operation: "write", code: code)
                }
                written += result
            }
        }
        guard fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            throw Failure(path: temporary, operation: "fsync", code: code)
        }
        close(descriptor)
        guard rename(temporary, url.path) == 0 else { throw Failure(path: url.path, operation: "rename", code: errno) }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }
}

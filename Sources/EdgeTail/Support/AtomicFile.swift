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

    /// Writes `bytes` as the file at `path` in `directory`. The directory is created only
    /// when the temporary file cannot be made for want of it (a file rewritten every
    /// second should not pay for a `mkdir` each time).
    public static func write(_ bytes: UnsafeRawBufferPointer, to path: String, directory: String) throws(Failure) {
        let temporary = path + ".tmp"
        var descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if descriptor < 0 && errno == ENOENT {
            let code = makeDirectories(directory)
            guard code == 0 else { throw Failure(path: directory, operation: "create directory", code: code) }
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        }
        guard descriptor >= 0 else { throw Failure(path: temporary, operation: "open", code: errno) }
        var written = 0
        while written < bytes.count, let base = bytes.baseAddress {
            let result = Glibc.write(descriptor, base + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(descriptor)
                throw Failure(path: temporary, operation: "write", code: code)
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            throw Failure(path: temporary, operation: "fsync", code: code)
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw Failure(path: path, operation: "rename", code: errno) }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// `mkdir -p`: 0, or the errno of the directory that could not be made.
    private static func makeDirectories(_ path: String) -> Int32 {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return 0 }
        guard errno == ENOENT, let slash = path.lastIndex(of: "/"), slash > path.startIndex else { return errno }
        let parent = makeDirectories(String(path[..<slash]))
        guard parent == 0 else { return parent }
        return mkdir(path, 0o755) == 0 || errno == EEXIST ? 0 : errno
    }
}

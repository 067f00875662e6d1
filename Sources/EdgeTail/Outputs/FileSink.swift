import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends events as JSON Lines to a file, or to standard output for `console`.
/// Events are acknowledged once written.
public actor FileSink: EventSink {
    public enum Failure: Error, CustomStringConvertible {
        case cannotOpen(String, String)
        case cannotWrite(String, String)
        public var description: String {
            switch self {
            case .cannotOpen(let path, let reason): "cannot open sink file \(path): \(reason)"
            case .cannotWrite(let path, let reason): "cannot write sink file \(path): \(reason)"
            }
        }
    }

    let path: String
    let descriptor: Int32
    let ownsDescriptor: Bool
    private var buffer: [UInt8] = []

    public init(path: String) throws(Failure) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .cannotOpen(path, String(cString: strerror(errno))) }
        self.path = path
        self.descriptor = descriptor
        ownsDescriptor = true
    }

    /// A sink writing to standard output.
    public init(console: Void) {
        path = "<stdout>"
        descriptor = STDOUT_FILENO
        ownsDescriptor = false
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    public func submit(_ batch: EventBatch) async throws {
        buffer.removeAll(keepingCapacity: true)
        buffer.reserveCapacity(batch.bytes.count + batch.events.count)
        for event in batch.events {
            buffer.append(contentsOf: batch.bytes[event.range.start..<event.range.end])
            buffer.append(0x0A)
        }
        try writeAll()
        batch.acknowledgement.acknowledge(batch.events.count)
    }

    public func drain() async throws {
        if ownsDescriptor { _ = fsync(descriptor) }
    }

    private func writeAll() throws(Failure) {
        var written = 0
        let total = buffer.count
        while written < total {
            let result = buffer.withUnsafeBytes { bytes in
                write(descriptor, bytes.baseAddress.map { $0 + written }, total - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .cannotWrite(path, String(cString: strerror(errno)))
            }
            written += result
        }
    }
}

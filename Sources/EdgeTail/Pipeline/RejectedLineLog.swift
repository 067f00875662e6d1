import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps every line that could not become an event, with the reason, as JSON Lines
/// in `data_dir/rejected/PIPELINE.jsonl`, so nothing read vanishes unexplained.
public actor RejectedLineLog {
    public let path: String
    private let descriptor: Int32

    public init(dataDirectory: String, pipeline: String) throws(FileSink.Failure) {
        let directory = (dataDirectory as NSString).appendingPathComponent("rejected")
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let safe = String(pipeline.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        path = (directory as NSString).appendingPathComponent(safe + ".jsonl")
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw .cannotOpen(path, String(cString: strerror(errno))) }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    public func append(_ rejected: [LineProcessor.Rejected], pipeline: String, sourceID: String, origin: String) throws(FileSink.Failure) {
        guard !rejected.isEmpty else { return }
        var writer = JSONWriter(capacity: rejected.count * 512)
        var now: [UInt8] = []
        let seconds = Date().timeIntervalSince1970
        LogTime(epochSeconds: Int64(seconds), milliseconds: Int32(seconds.truncatingRemainder(dividingBy: 1) * 1000))
            .writeISO8601(into: &now, local: false)
        for entry in rejected {
            writer.raw("{\"time\":\"")
            writer.raw(now)
            writer.raw("\",\"pipeline\":")
            writer.string(pipeline)
            writer.raw(",\"source\":")
            writer.string(sourceID)
            writer.raw(",\"path\":")
            writer.string(origin)
            writer.raw(",\"offset\":")
            writer.integer(Int(entry.offset))
            writer.raw(",\"reason\":")
            writer.string(entry.reason)
            writer.raw(",\"line\":")
            writer.string(entry.line)
            writer.raw("}\n")
        }
        var written = 0
        let bytes = writer.bytes
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress.map { $0 + written }, bytes.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw .cannotWrite(path, String(cString: strerror(errno)))
            }
            written += result
        }
    }
}

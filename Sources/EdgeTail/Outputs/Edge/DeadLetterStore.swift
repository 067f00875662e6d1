import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Events the Edge Network refused for good, kept as JSON Lines in
/// `data_dir/dead-letters/SINK.jsonl` with the reason, the HTTP status, the response
/// body and the event's identity, so they can be inspected, fixed and replayed.
public actor DeadLetterStore {
    public let path: String
    let sink: String

    public init(dataDirectory: String, sink: String) {
        let directory = (dataDirectory as NSString).appendingPathComponent("dead-letters")
        let safe = String(sink.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        path = (directory as NSString).appendingPathComponent(safe + ".jsonl")
        self.sink = sink
    }

    public static func path(dataDirectory: String, sink: String) -> String {
        let safe = String(sink.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        return ((dataDirectory as NSString).appendingPathComponent("dead-letters") as NSString).appendingPathComponent(safe + ".jsonl")
    }

    func append(_ events: [PendingEvent], reason: String, status: Int?, response: Data?) throws {
        guard !events.isEmpty else { return }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var writer = JSONWriter(capacity: events.totalSize + events.count * 256)
        var now: [UInt8] = []
        let seconds = Date().timeIntervalSince1970
        LogTime(epochSeconds: Int64(seconds), milliseconds: Int32(seconds.truncatingRemainder(dividingBy: 1) * 1000)).writeISO8601(into: &now, local: false)
        let responseText = response.map { String(decoding: $0.prefix(8192), as: UTF8.self) }
        for event in events {
            writer.raw("{\"time\":\"")
            writer.raw(now)
            writer.raw("\",\"sink\":")
            writer.string(sink)
            writer.raw(",\"reason\":")
            writer.string(reason)
            writer.raw(",\"status\":")
            if let status { writer.integer(status) } else { writer.raw("null") }
            writer.raw(",\"response\":")
            if let responseText { writer.string(responseText) } else { writer.raw("null") }
            writer.raw(",\"identity\":{\"namespace\":")
            writer.string(event.namespace)
            writer.raw(",\"id\":")
            if let id = Self.primaryIdentity(in: Data(event.json)) { writer.string(id) } else { writer.raw("null") }
            writer.raw("},\"event\":")
            writer.raw(event.json)
            writer.raw("}\n")
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw AtomicFile.Failure(path: path, operation: "open", code: errno) }
        defer { close(descriptor) }
        var written = 0
        let bytes = writer.bytes
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress.map { $0 + written }, bytes.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw AtomicFile.Failure(path: path, operation: "write", code: errno)
            }
            written += result
        }
        _ = fsync(descriptor)
    }

    /// The id of the identity marked primary in an event's `identityMap`.
    static func primaryIdentity(in event: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: event) as? [String: Any],
              let map = (object["xdm"] as? [String: Any])?["identityMap"] as? [String: Any] else { return nil }
        for case let identities as [[String: Any]] in map.values {
            for identity in identities where (identity["primary"] as? Bool) == true || (identity["primary"] as? String) == "true" {
                return identity["id"] as? String
            }
        }
        return nil
    }
}

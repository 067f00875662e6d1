import Foundation

/// Stores how far each source of a pipeline is acknowledged, atomically
/// (temporary file, fsync, rename), so a restart resumes exactly there.
/// A file's position is a byte offset; the journal's is a cursor (`position` is then
/// the `__REALTIME_TIMESTAMP` of that entry, in microseconds, for people to see).
public struct CheckpointStore: Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        public var sourceID: String
        public var path: String
        public var position: UInt64
        /// Hash of the bytes just before `position` (hex), to detect a file rewritten in place.
        public var marker: String?
        /// The journal cursor of the last acknowledged entry.
        public var cursor: String?
        /// Last time the source was seen or advanced; entries older than the grace period are forgotten.
        public var updated: Date

        public init(sourceID: String, path: String, position: UInt64, marker: String? = nil, cursor: String? = nil, updated: Date) {
            self.sourceID = sourceID
            self.path = path
            self.position = position
            self.marker = marker
            self.cursor = cursor
            self.updated = updated
        }

        enum CodingKeys: String, CodingKey {
            case sourceID = "source_id", path, position, marker, cursor, updated
        }
    }

    public struct Document: Codable, Sendable {
        public var pipeline: String
        public var entries: [Entry]
    }

    public let file: URL
    public let pipeline: String
    /// `file`'s path and its directory's, for the save every second the sources advance.
    private let path: String
    private let directory: String

    public init(dataDirectory: String, pipeline: String) {
        let safe = pipeline.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        file = URL(fileURLWithPath: dataDirectory).appendingPathComponent("checkpoints").appendingPathComponent(String(safe) + ".json")
        path = file.path
        directory = file.deletingLastPathComponent().path
        self.pipeline = pipeline
    }

    public enum Failure: Error, CustomStringConvertible {
        case unreadable(String, String)
        case unwritable(String, String)
        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read checkpoints \(path): \(reason)"
            case .unwritable(let path, let reason): "cannot write checkpoints \(path): \(reason)"
            }
        }
    }

    /// The stored entries, or nil when this pipeline never stored any.
    public func load() throws(Failure) -> [Entry]? {
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        do {
            let data = try Data(contentsOf: file)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(Document.self, from: data).entries
        } catch {
            throw .unreadable(file.path, "\(error)")
        }
    }

    public func save(_ entries: [Entry]) throws(Failure) {
        let document = Self.document(pipeline: pipeline, entries: entries.sorted { $0.path < $1.path })
        do {
            try document.withUnsafeBytes { try AtomicFile.write($0, to: path, directory: directory) }
        } catch {
            throw .unwritable(path, "\(error)")
        }
    }

    /// The document as `JSONEncoder` writes a `Document` with `.prettyPrinted`,
    /// `.sortedKeys` and `.iso8601` dates (slashes left unescaped), which `load` reads.
    /// Written by hand: the file is rewritten every second the sources advance, and the
    /// encoder (with `URL` work and a `createDirectory` each time) was 2.2 % of the CPU at
    /// 10 lines/s, against 4.2 % for the `fsync` and `rename` that make the save durable.
    static func document(pipeline: String, entries: [Entry]) -> [UInt8] {
        var out = JSONWriter(capacity: 64 + entries.count * 256)
        out.raw("{\n  \"entries\" : [")
        for (index, entry) in entries.enumerated() {
            out.raw(index == 0 ? "\n    {" : ",\n    {")
            if let cursor = entry.cursor {
                out.raw("\n      \"cursor\" : ")
                out.string(cursor)
                out.raw(",")
            }
            if let marker = entry.marker {
                out.raw("\n      \"marker\" : ")
                out.string(marker)
                out.raw(",")
            }
            out.raw("\n      \"path\" : ")
            out.string(entry.path)
            out.raw(",\n      \"position\" : ")
            var position = String(entry.position)
            position.withUTF8 { out.raw($0) }
            out.raw(",\n      \"source_id\" : ")
            out.string(entry.sourceID)
            out.raw(",\n      \"updated\" : \"")
            var updated: [UInt8] = []
            LogTime(epochSeconds: Int64(entry.updated.timeIntervalSince1970.rounded(.down))).writeISO8601(into: &updated, local: false, fraction: false)
            out.raw(updated)
            out.raw("\"\n    }")
        }
        out.raw(entries.isEmpty ? "]" : "\n  ]")
        out.raw(",\n  \"pipeline\" : ")
        out.string(pipeline)
        out.raw("\n}")
        return out.finish()
    }
}

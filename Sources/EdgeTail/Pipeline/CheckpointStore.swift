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

    public init(dataDirectory: String, pipeline: String) {
        let safe = pipeline.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        file = URL(fileURLWithPath: dataDirectory).appendingPathComponent("checkpoints").appendingPathComponent(String(safe) + ".json")
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
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            let data = try encoder.encode(Document(pipeline: pipeline, entries: entries.sorted { $0.path < $1.path }))
            try AtomicFile.write(data, to: file)
        } catch {
            throw .unwritable(file.path, "\(error)")
        }
    }
}

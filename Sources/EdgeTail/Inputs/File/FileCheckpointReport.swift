import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `edgetail checkpoints` shows for one stored file position: whether the file
/// is still there under its name and how far behind its end the checkpoint is.
public struct FileCheckpointReport: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable {
        /// The path still names the checkpointed file.
        case present
        /// The path names another file now (rotated or replaced).
        case replaced
        /// Nothing is at the path.
        case missing
    }

    public var pipeline: String
    public var sourceID: String
    public var path: String
    public var offset: UInt64
    public var size: UInt64?
    /// Bytes written after the checkpoint and not yet acknowledged.
    public var lag: UInt64?
    public var state: State
    public var updated: Date

    /// Looks at the files of each stored entry as they are now.
    public static func make(pipeline: String, entries: [CheckpointStore.Entry]) -> [FileCheckpointReport] {
        entries.sorted { ($0.path, $0.sourceID) < ($1.path, $1.sourceID) }.map { entry in
            var state = State.missing
            var size: UInt64?
            var info = stat()
            if stat(entry.path, &info) == 0 {
                if let identity = FileIdentity(sourceID: entry.sourceID), identity.isSameInode(info) {
                    state = .present
                    size = UInt64(info.st_size)
                } else {
                    state = .replaced
                }
            }
            return FileCheckpointReport(pipeline: pipeline, sourceID: entry.sourceID, path: entry.path, offset: entry.position,
                                        size: size, lag: size.map { $0 > entry.position ? $0 - entry.position : 0 },
                                        state: state, updated: entry.updated)
        }
    }
}

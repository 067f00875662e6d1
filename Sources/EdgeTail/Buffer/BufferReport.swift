#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What a sink's disk buffer holds, read from its files (by `edgetail status`,
/// whether or not a process is running): segments, bytes, events, the oldest
/// event's age, and segments moved aside as damaged.
public struct BufferReport: Codable, Sendable {
    public var sink: String
    public var directory: String
    public var segments: Int
    public var bytes: Int
    public var events: Int
    public var oldestEventAgeSeconds: Double?
    public var corruptSegments: Int
    /// True when a running process holds the buffer.
    public var inUse: Bool
    /// Segments that could not be read through (a process writing them, or damage).
    public var unreadable: [String]

    public static func make(dataDirectory: String, sink: String) -> BufferReport {
        let directory = EdgeSink.bufferDirectory(dataDirectory: dataDirectory, sink: sink)
        var report = BufferReport(sink: sink, directory: directory, segments: 0, bytes: 0, events: 0, oldestEventAgeSeconds: nil,
                                  corruptSegments: 0, inUse: false, unreadable: [])
        for (_, path) in DiskSpill.segmentFiles(in: directory) {
            report.segments += 1
            guard let scan = try? SegmentScan.scan(path: path) else {
                report.unreadable.append(path)
                continue
            }
            report.bytes += scan.fileBytes
            report.events += scan.records
            if let first = scan.firstWrittenAt {
                let age = max(0, Date().timeIntervalSince1970 - first)
                report.oldestEventAgeSeconds = max(report.oldestEventAgeSeconds ?? 0, age)
            }
            if scan.problem != .none { report.unreadable.append(path) }
        }
        report.corruptSegments = ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/corrupt")) ?? []).count
        let lock = open(directory + "/lock", O_RDONLY | O_CLOEXEC)
        if lock >= 0 {
            if flock(lock, LOCK_SH | LOCK_NB) != 0 { report.inUse = true }
            close(lock)
        }
        return report
    }
}

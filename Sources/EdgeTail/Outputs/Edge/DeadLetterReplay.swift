import Foundation
import Logging
import Synchronization

/// Lists and resends dead letters, after the user fixed what made the Edge Network
/// refuse them. A replay moves the file aside, resends every event through a new
/// Edge sink and removes the set-aside file once each event is settled again:
/// accepted events are gone, refused ones are dead-lettered anew with the new reason.
public enum DeadLetterReplay {
    public struct Entry: Sendable {
        public var time: String
        public var reason: String
        public var status: Int?
        public var identityNamespace: String
        public var identityID: String?
        public var event: Data
    }

    public struct Outcome: Sendable {
        public var resent = 0
        public var accepted = 0
        public var deadLetteredAgain = 0
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func read(path: String) throws -> [Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var entries: [Entry] = []
        for (number, line) in data.split(separator: 0x0A).enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let event = object["event"], JSONSerialization.isValidJSONObject(event) else {
                throw Failure(description: "\(path):\(number + 1): not a dead-letter record")
            }
            let identity = object["identity"] as? [String: Any]
            entries.append(Entry(
                time: object["time"] as? String ?? "", reason: object["reason"] as? String ?? "",
                status: object["status"] as? Int, identityNamespace: identity?["namespace"] as? String ?? "",
                identityID: identity?["id"] as? String,
                event: try JSONSerialization.data(withJSONObject: event, options: [.withoutEscapingSlashes])))
        }
        return entries
    }

    public static func replay(sink name: String, configuration: EdgeSinkConfiguration, dataDirectory: String, logger: Logger) async throws -> Outcome {
        let path = DeadLetterStore.path(dataDirectory: dataDirectory, sink: name)
        let aside = path + ".replaying"
        // A replay interrupted before keeps its set-aside file; new letters join it.
        if FileManager.default.fileExists(atPath: path) {
            let current = FileManager.default.contents(atPath: path) ?? Data()
            if FileManager.default.fileExists(atPath: aside), let handle = FileHandle(forWritingAtPath: aside) {
                try handle.seekToEnd()
                try handle.write(contentsOf: current)
                try handle.close()
                try FileManager.default.removeItem(atPath: path)
            } else {
                try FileManager.default.moveItem(atPath: path, toPath: aside)
            }
        }
        let entries = try read(path: aside)
        var outcome = Outcome()
        guard !entries.isEmpty else {
            try? FileManager.default.removeItem(atPath: aside)
            return outcome
        }
        var bytes: [UInt8] = []
        var events: [EventBatch.Event] = []
        for entry in entries {
            let start = bytes.count
            bytes += entry.event
            events.append(EventBatch.Event(
                range: ByteRange(start, bytes.count), outcome: .pageView, identityNamespace: entry.identityNamespace,
                identityHash: FastHash.hash(Array((entry.identityID ?? "").utf8))))
        }
        let settled = Mutex(false)
        let sink = try EdgeSink(name: name, configuration: configuration, dataDirectory: dataDirectory, logger: logger, diskBuffer: false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await sink.runUntilDrained() }
            try await sink.submit(EventBatch(pipeline: "replay", bytes: bytes, events: events,
                                             acknowledgement: Acknowledgement(count: events.count) { settled.withLock { $0 = true } }))
            // Each event settles before its lane releases it, and releasing (or the sink
            // stopping) signals the buffer's changes: look again only then.
            while true {
                let seen = sink.buffer.changes.generation
                if settled.withLock({ $0 }) || sink.statistics.snapshot.fatalError != nil { break }
                await sink.buffer.changes.wait(after: seen)
            }
            try await sink.drain()
            try await group.waitForAll()
        }
        let statistics = sink.statistics.snapshot
        outcome.resent = entries.count
        outcome.accepted = statistics.eventsDelivered
        outcome.deadLetteredAgain = statistics.eventsDeadLettered
        try FileManager.default.removeItem(atPath: aside)
        return outcome
    }
}

import Foundation
import Testing
@testable import EdgeTail

@Suite struct CheckpointTests {
    @Test func entriesRoundTripWithMarkers() throws {
        let directory = try TemporaryDirectory()
        let store = CheckpointStore(dataDirectory: directory.path, pipeline: "web/1")
        #expect(try store.load() == nil)
        let when = Date(timeIntervalSince1970: 1_800_000_000)
        let entries = [
            CheckpointStore.Entry(sourceID: "file:1:2:abc", path: "/var/log/b.log", position: 42, marker: "ff00", updated: when),
            CheckpointStore.Entry(sourceID: "file:1:3:def", path: "/var/log/a.log", position: 0, updated: when),
        ]
        try store.save(entries)
        #expect(store.file.lastPathComponent == "web_1.json")
        #expect(try store.load() == entries.sorted { $0.path < $1.path })
        #expect(!FileManager.default.fileExists(atPath: store.file.path + ".tmp"), "written through a renamed temporary file")
    }

    @Test func theDocumentIsWhatTheEncoderWouldWrite() throws {
        let entries = [
            CheckpointStore.Entry(sourceID: "journal:system", path: "journal", position: 1_764_483_000_123_456,
                                  cursor: "s=4b1f;i=2a;b=9c;m=5d;t=6e;x=7f", updated: Date(timeIntervalSince1970: 1_764_483_000.75)),
            CheckpointStore.Entry(sourceID: "file:2049:77:ab12", path: "/var/log/nginx/\"café\" \\ 日志.log", position: 0,
                                  marker: "00ff", updated: Date(timeIntervalSince1970: 0)),
        ]
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let expected = try encoder.encode(CheckpointStore.Document(pipeline: "web \"eu\"", entries: entries))
        let written = CheckpointStore.document(pipeline: "web \"eu\"", entries: entries)
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
    }

    @Test func savedEntriesLoadBackWhateverTheirText() throws {
        let directory = try TemporaryDirectory()
        let store = CheckpointStore(dataDirectory: directory.path + "/not/made/yet", pipeline: "p")
        try store.save([])
        #expect(try store.load() == [])
        let entries = [CheckpointStore.Entry(sourceID: "file:1:2:3", path: "/x/\u{01}tab\there\nline\u{7F}", position: .max >> 1,
                                             marker: nil, cursor: "\\", updated: Date(timeIntervalSince1970: 4_102_444_799))]
        try store.save(entries)
        #expect(try store.load() == entries)
    }

    @Test func entriesWithoutMarkerStillLoad() throws {
        let directory = try TemporaryDirectory()
        try directory.write("checkpoints/p.json", #"{"pipeline":"p","entries":[{"source_id":"file:1:2:3","path":"/x","position":7,"updated":"2026-11-01T00:00:00Z"}]}"#)
        let loaded = try CheckpointStore(dataDirectory: directory.path, pipeline: "p").load()
        #expect(loaded?.first?.position == 7)
        #expect(loaded?.first?.marker == nil)
    }

    @Test func corruptCheckpointsAreAnErrorNotAFreshStart() throws {
        let directory = try TemporaryDirectory()
        try directory.write("checkpoints/p.json", "{not json")
        #expect(throws: CheckpointStore.Failure.self) { try CheckpointStore(dataDirectory: directory.path, pipeline: "p").load() }
    }

    @Test func identityRoundTripsThroughItsSourceID() {
        let identity = FileIdentity(device: 2049, inode: 123456, fingerprint: 0xDEADBEEF)
        #expect(FileIdentity(sourceID: identity.sourceID) == identity)
        #expect(FileIdentity(sourceID: "journal:abc") == nil)
    }

    @Test func reportShowsOffsetSizeAndLag() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("access.log", "0123456789\n")
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        let identity = try #require(FileIdentity.read(descriptor: descriptor))
        let entries = [
            CheckpointStore.Entry(sourceID: identity.sourceID, path: path, position: 4, updated: Date()),
            CheckpointStore.Entry(sourceID: "file:1:1:1", path: path + ".gone", position: 9, updated: Date()),
        ]
        let reports = FileCheckpointReport.make(pipeline: "p", entries: entries)
        #expect(reports.map(\.state) == [.present, .missing])
        #expect(reports[0].size == 11)
        #expect(reports[0].lag == 7)
        #expect(reports[1].lag == nil)
    }

    @Test func markerChangesWhenTheBytesBeforeTheOffsetChange() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("m.log", "abc\ndef\n")
        let descriptor = open(path, O_RDWR)
        defer { close(descriptor) }
        #expect(PositionMarker.read(descriptor: descriptor, offset: 0) == nil)
        let before = try #require(PositionMarker.read(descriptor: descriptor, offset: 8))
        #expect(PositionMarker.read(descriptor: descriptor, offset: 9) == nil, "beyond the end")
        _ = pwrite(descriptor, "X", 1, 5)
        #expect(PositionMarker.read(descriptor: descriptor, offset: 8) != before)
        #expect(PositionMarker.parse(PositionMarker.text(before)) == before)
    }

    @Test func theMarkerOfBytesJustReadIsTheMarkerReadFromTheFile() throws {
        let directory = try TemporaryDirectory()
        let text = (0..<10).map { "line \($0) of a log long enough for a marker\n" }.joined()
        let path = try directory.write("r.log", text)
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        for end in [64, 100, bytes.count] {
            let fromFile = try #require(PositionMarker.read(descriptor: descriptor, offset: UInt64(end)))
            // Whatever the read started at, only its last 64 bytes count.
            for start in [0, end - 64] {
                let read = bytes[start..<end].withUnsafeBufferPointer { PositionMarker.marker(endOf: $0) }
                #expect(read == fromFile)
            }
        }
        #expect(bytes[0..<63].withUnsafeBufferPointer { PositionMarker.marker(endOf: $0) } == nil, "too few bytes")
    }

    @Test func sourceKeysDecodeStrictlyWithDefaults() throws {
        let plan = try makePlan()
        #expect(plan.source.rotateWait == 5)
        #expect(plan.source.checkpointInterval == 1)
        #expect(plan.source.maxOpenFiles == 256)
        #expect(plan.source.onOverlong == .truncate)
        #expect(plan.source.exclude == ["*.gz"])
        #expect(plan.source.ignoreOlder == nil)

        let directory = try TemporaryDirectory()
        func load(_ source: String) throws -> EdgeTailConfiguration {
            let path = try directory.write("c.yaml", """
            data_dir: \(directory.path)/data
            sinks: { out: { type: console } }
            pipelines:
              - name: p
                source: { type: file, include: ["/x/*.log"], \(source) }
                parser: { format: combined }
                events: [{ type: pageView }]
                identity: [{ namespace: FPID, field: "cookie.FPID" }]
                sink: out
            """)
            return try ConfigurationLoader(environment: [:]).load(path: path)
        }
        let custom = try load("rotate_wait: 0.5, checkpoint_interval: 2, max_open_files: 64, on_overlong: skip, ignore_older: 86400, exclude: []")
        #expect(custom.pipelines[0].source.maxOpenFiles == 64)
        #expect(custom.pipelines[0].source.onOverlong == .skip)
        #expect(custom.pipelines[0].source.exclude.isEmpty)
        #expect(custom.pipelines[0].source.ignoreOlder == 86400)
        for (bad, expected) in [("on_overlong: drop", "expected one of: truncate, skip"),
                                ("max_open_files: 0", "expected at least 1 file"),
                                ("checkpoint_interval: 0", "expected a positive number of seconds"),
                                ("rotate_wait: -1", "expected zero or a positive"),
                                ("rotate_wiat: 1", "rotate_wiat")] {
            do {
                _ = try load(bad)
                Issue.record("'\(bad)' was accepted")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }
}

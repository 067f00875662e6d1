import Foundation
import Logging
import Testing
@testable import EdgeTail

/// Reads what a file source hands on, as text lines with their offsets.
final class TailingHarness {
    let directory: TemporaryDirectory
    let ledger = AcknowledgementLedger()
    let source: FileSource
    private(set) var batches: [LineBatch] = []

    init(directory: TemporaryDirectory, checkpoints: [CheckpointStore.Entry]? = nil, configure: (inout SourceConfiguration) -> Void = { _ in }) {
        self.directory = directory
        var configuration = SourceConfiguration(include: ["\(directory.path)/**/*.log"])
        configuration.readFrom = .beginning
        configuration.rotateWait = 0.2
        configure(&configuration)
        source = FileSource(configuration: configuration, checkpoints: checkpoints, ledger: ledger,
                            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// Every line handed on until the source has nothing more, acknowledging each batch.
    @discardableResult
    func drain() -> [(text: String, offset: UInt64, overlong: Int?)] {
        var lines: [(String, UInt64, Int?)] = []
        while let batch = source.next() {
            batches.append(batch)
            for line in batch.lines {
                lines.append((String(decoding: batch.bytes[line.range.start..<line.range.end], as: UTF8.self), line.offset, line.overlongLength))
            }
            ledger.acknowledge(sourceID: batch.sourceID, sequence: batch.sequence, endPosition: batch.endPosition)
        }
        return lines
    }

    func append(_ name: String, _ text: String) throws {
        let path = directory.url.appendingPathComponent(name).path
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    /// Checkpoint entries as the runner would store them now.
    func checkpoints() -> [CheckpointStore.Entry] {
        ledger.committedPositions().map { id, committed in
            CheckpointStore.Entry(sourceID: id, path: committed.origin, position: committed.position,
                                  marker: source.marker(sourceID: id, position: committed.position).map(PositionMarker.text), updated: Date())
        }
    }
}

@Suite struct FileTailingTests {
    /// Reads are spaced by a quarter of how long the sink holds events anyway, never
    /// less than 50 ms apart and never more than 250 ms.
    @Test func readsAreSpacedByAQuarterOfTheSinksBatchingWindow() throws {
        #expect(FileSource.readSpacing(forBatchingWindow: .seconds(1)) == .milliseconds(250))
        #expect(FileSource.readSpacing(forBatchingWindow: .milliseconds(600)) == .milliseconds(150))
        #expect(FileSource.readSpacing(forBatchingWindow: .milliseconds(50)) == .milliseconds(50))
        #expect(FileSource.readSpacing(forBatchingWindow: .zero) == .milliseconds(50))
        #expect(FileSource.readSpacing(forBatchingWindow: .seconds(30)) == .milliseconds(250))
        let sink = try FileSink(path: "/dev/null")
        #expect(FileSource.readSpacing(forBatchingWindow: sink.batchingWindow) == .milliseconds(50))
    }

    /// Idle, the source sleeps until inotify has news (no wake on `poll_interval`),
    /// and a stop ends the wait at once.
    @Test func anIdleSourceWakesForNewsOrAStopNotOnATimer() async throws {
        let directory = try TemporaryDirectory()
        let harness = TailingHarness(directory: directory) { $0.scanInterval = 600; $0.pollInterval = 0.01 }
        try harness.append("access.log", "first\n")
        #expect(harness.drain().map(\.text) == ["first"])
        let path = directory.url.appendingPathComponent("access.log").path
        let writer = Thread {
            usleep(100_000)
            guard let handle = FileHandle(forWritingAtPath: path) else { return }
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: Data("second\n".utf8))
            try? handle.close()
        }
        writer.start()
        let started = ContinuousClock.now
        await harness.source.waitForData(upTo: .seconds(120))
        #expect(ContinuousClock.now - started < .seconds(60), "the wait ended at its limit, not for the write")
        // Not on `poll_interval` (10 ms) either: the wait ended after the write, at 100 ms.
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("second"), "the wait ended before the write")
        try await waitUntil("the second line is read") { harness.drain().map(\.text) == ["second"] }
        #expect(!harness.source.pollsForWrites)

        harness.source.wakeLatch.set()
        let stopped = ContinuousClock.now
        await harness.source.waitForData(upTo: .seconds(120))
        #expect(ContinuousClock.now - stopped < .seconds(60), "a set latch did not end the wait")
    }

    /// Where inotify does not report writes (a network filesystem), the first lines
    /// found after a wait without news switch the source to polling every `poll_interval`.
    @Test func writesThatInotifyMissesSwitchTheSourceToPolling() async throws {
        let directory = try TemporaryDirectory()
        let harness = TailingHarness(directory: directory) { $0.scanInterval = 0.2; $0.pollInterval = 0.05 }
        try harness.append("access.log", "first\n")
        #expect(harness.drain().map(\.text) == ["first"])
        harness.source.ignoreInotifyEvents()
        // Without news, a wait lasts until the rescan is due; the line is found then (a
        // first wait may still end for news of the first line's write).
        var read: [String] = []
        for round in 0..<5 where !harness.source.pollsForWrites {
            try harness.append("access.log", "line \(round)\n")
            await harness.source.waitForData(upTo: .seconds(120))
            read += harness.drain().map(\.text)
        }
        #expect(harness.source.pollsForWrites)
        #expect(!read.isEmpty && read == (0..<read.count).map { "line \($0)" })
        // From now on a wait lasts `poll_interval`, not until the rescan.
        try harness.append("access.log", "third\n")
        await harness.source.waitForData(upTo: .seconds(120))
        #expect(harness.drain().map(\.text) == ["third"])
    }

    @Test func globsSupportStarsBracesClassesAndDoubleStar() throws {
        let directory = try TemporaryDirectory()
        for name in ["a/access.log", "a/b/c/access.log", "a/error.log", "x1.log", "x2.txt", "y.log", ".hidden.log", "a/access.log.gz"] {
            try directory.write(name, "line\n")
        }
        let root = directory.path
        #expect(FileGlob("\(root)/**/access.log").expand().paths == ["\(root)/a/access.log", "\(root)/a/b/c/access.log"])
        #expect(FileGlob("\(root)/x?.{log,txt}").expand().paths == ["\(root)/x1.log", "\(root)/x2.txt"])
        #expect(FileGlob("\(root)/[xy]*.log").expand().paths == ["\(root)/x1.log", "\(root)/y.log"])
        #expect(FileGlob("\(root)/*.log").expand().paths.contains("\(root)/.hidden.log") == false)
        #expect(FileGlob("\(root)/**/*.log").matches("\(root)/a/b/c/access.log"))
        #expect(!FileGlob("\(root)/*.log").matches("\(root)/a/access.log"))
        #expect(FileGlob("*.gz").excludes("\(root)/a/access.log.gz"))
        #expect(!FileGlob("*.gz").excludes("\(root)/a/access.log"))
        #expect(FileGlob.expandBraces("a{b,c{d,e}}f") == ["abf", "acdf", "acef"])
        #expect(FileGlob("\(root)/**/access.log").expand().directories.contains("\(root)/a/b"))
    }

    @Test func compressedFilesAreExcludedByDefaultAndReadableOnRequest() throws {
        let directory = try TemporaryDirectory()
        try directory.write("access.log", "plain\n")
        try directory.write("access.log.1.gz.log", "named like a log\n")
        try directory.write("old.gz", "not a log\n")
        let harness = TailingHarness(directory: directory) { $0.include = ["\(directory.path)/*"] }
        #expect(Set(harness.drain().map(\.text)) == ["plain", "named like a log"])
        let backfill = TailingHarness(directory: directory) { $0.include = ["\(directory.path)/*"]; $0.exclude = [] }
        #expect(backfill.drain().count == 3)
    }

    @Test func partialLastLineWaitsUntilCompleted() throws {
        let directory = try TemporaryDirectory()
        let harness = TailingHarness(directory: directory)
        try harness.append("access.log", "first\nsec")
        #expect(harness.drain().map(\.text) == ["first"])
        #expect(harness.drain().isEmpty)
        // Not acknowledged: the checkpoint stays before the partial line.
        #expect(harness.checkpoints().first?.position == 6)
        try harness.append("access.log", "ond\nthird\n")
        let rest = harness.drain()
        #expect(rest.map(\.text) == ["second", "third"])
        #expect(rest.map(\.offset) == [6, 13])
    }

    @Test func overlongLinesAreTruncatedOrSkippedAndNeverStallTheFile() throws {
        let directory = try TemporaryDirectory()
        // Longer than one turn of reading (4 chunks of 256 KiB): the file must still get its next turn.
        let long = String(repeating: "x", count: 10 * 256 * 1024 + 17)
        try directory.write("access.log", "before\n\(long)\nafter\n")
        let truncating = TailingHarness(directory: directory) { $0.maxLineBytes = 1024 }
        let lines = truncating.drain()
        #expect(lines.map(\.text.count) == [6, 1024, 5])
        #expect(lines[1].overlong == long.utf8.count)
        #expect(truncating.source.statistics.snapshot.linesTruncated == 1)

        let skipping = TailingHarness(directory: directory) { $0.maxLineBytes = 1024; $0.onOverlong = .skip }
        #expect(skipping.drain().map(\.text) == ["before", "after"])
        #expect(skipping.source.takeSkippedLines() == 1)
        #expect(skipping.source.statistics.snapshot.linesSkipped == 1)
        #expect(skipping.checkpoints().first?.position == UInt64(7 + long.utf8.count + 1 + 6))
    }

    @Test func nulBytesAndInvalidUTF8PassThrough() throws {
        let directory = try TemporaryDirectory()
        let path = directory.url.appendingPathComponent("access.log")
        try Data([0x61, 0x00, 0x62, 0x0A, 0xFF, 0xFE, 0xC3, 0x0A]).write(to: path)
        let harness = TailingHarness(directory: directory)
        let batch = try #require({ () -> LineBatch? in harness.source.next() }())
        #expect(batch.lines.count == 2)
        #expect(Array(batch.bytes[batch.lines[0].range.start..<batch.lines[0].range.end]) == [0x61, 0x00, 0x62])
        #expect(Array(batch.bytes[batch.lines[1].range.start..<batch.lines[1].range.end]) == [0xFF, 0xFE, 0xC3])
    }

    @Test func copytruncateRestartsAtZeroAndCounts() throws {
        let directory = try TemporaryDirectory()
        let harness = TailingHarness(directory: directory)
        try harness.append("access.log", "old 1\nold 2\nold 3\n")
        #expect(harness.drain().count == 3)
        let before = try #require(harness.batches.last?.sourceID)
        let handle = try #require(FileHandle(forWritingAtPath: directory.url.appendingPathComponent("access.log").path))
        try handle.truncate(atOffset: 0)
        try handle.close()
        try harness.append("access.log", "new 1\nnew 2\n")
        let lines = harness.drain()
        #expect(lines.map(\.text) == ["new 1", "new 2"])
        #expect(lines.map(\.offset) == [0, 6])
        #expect(harness.source.statistics.snapshot.truncations == 1)
        #expect(harness.batches.last?.sourceID != before, "new content, new identity, new _ids")
    }

    @Test func renameRotationReadsBothFilesCompletely() throws {
        let directory = try TemporaryDirectory()
        let harness = TailingHarness(directory: directory) { $0.include = ["\(directory.path)/access.log"] }
        try harness.append("access.log", "a1\na2\n")
        #expect(harness.drain().map(\.text) == ["a1", "a2"])
        try harness.append("access.log", "a3\n")
        try FileManager.default.moveItem(atPath: directory.url.appendingPathComponent("access.log").path,
                                         toPath: directory.url.appendingPathComponent("access.log.1").path)
        try harness.append("access.log", "b1\n")
        try harness.append("access.log.1", "a4\n")   // the writer had not reopened yet
        harness.source.scan()
        #expect(Set(harness.drain().map(\.text)) == ["a3", "a4", "b1"])
        #expect(harness.source.statistics.snapshot.rotations == 1)
        // Let go once at its end for rotate_wait.
        let deadline = ContinuousClock.now + .seconds(5)
        while harness.source.paths.count > 1 && ContinuousClock.now < deadline {
            harness.drain()
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(harness.source.paths == [directory.url.appendingPathComponent("access.log").path])
    }

    @Test func deletedFileIsReadToItsEndThenClosed() throws {
        let directory = try TemporaryDirectory()
        let harness = TailingHarness(directory: directory) { $0.rotateWait = 30 }
        try harness.append("access.log", "one\n")
        #expect(harness.drain().count == 1)
        try harness.append("access.log", "two\n")
        try FileManager.default.removeItem(at: directory.url.appendingPathComponent("access.log"))
        harness.source.scan()
        #expect(harness.drain().map(\.text) == ["two"])
        // Deleted: closed at its end without waiting for rotate_wait (30 s here).
        #expect(harness.source.paths.isEmpty)
        #expect(harness.source.statistics.snapshot.openFiles == 0)
    }

    @Test func symlinksAreFollowedToTheirTarget() throws {
        let directory = try TemporaryDirectory()
        let target = try directory.write("data/real.txt", "via link\n")
        try FileManager.default.createSymbolicLink(atPath: directory.url.appendingPathComponent("link.log").path, withDestinationPath: target)
        try FileManager.default.createSymbolicLink(atPath: directory.url.appendingPathComponent("other.log").path, withDestinationPath: target)
        let harness = TailingHarness(directory: directory) { $0.include = ["\(directory.path)/*.log"] }
        #expect(harness.drain().map(\.text) == ["via link"], "one target, read once")
    }

    @Test func ignoreOlderSkipsStaleFiles() throws {
        let directory = try TemporaryDirectory()
        let stale = try directory.write("stale.log", "stale\n")
        try directory.write("fresh.log", "fresh\n")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: stale)
        let harness = TailingHarness(directory: directory) { $0.ignoreOlder = 3600 }
        #expect(harness.drain().map(\.text) == ["fresh"])
    }

    @Test func readFromEndAppliesOnlyAtTheFirstStart() throws {
        let directory = try TemporaryDirectory()
        try directory.write("access.log", "old\npartial")
        let harness = TailingHarness(directory: directory) { $0.readFrom = .end }
        #expect(harness.drain().isEmpty)
        try harness.append("access.log", " done\n")
        try directory.write("later.log", "new file\n")
        harness.source.scan()
        #expect(Set(harness.drain().map(\.text)) == ["partial done", "new file"])
    }

    /// `end` is the end when the file is first seen: an empty file's end is its start,
    /// so every line written after that is read, however many arrive before the first look.
    @Test func readFromEndOnAnEmptyFileReadsEveryLineWrittenAfterStart() throws {
        let directory = try TemporaryDirectory()
        try directory.write("access.log", "")
        try directory.write("partial.log", "begun")
        let harness = TailingHarness(directory: directory) { $0.readFrom = .end }
        #expect(harness.drain().isEmpty)
        try harness.append("access.log", "one\ntwo\nthree\n")
        try harness.append("partial.log", " now\nnext\n")
        harness.source.scan()
        #expect(Set(harness.drain().map(\.text)) == ["one", "two", "three", "begun now", "next"])
    }

    @Test func restartResumesExactlyAtTheCheckpoint() throws {
        let directory = try TemporaryDirectory()
        let first = TailingHarness(directory: directory)
        try first.append("access.log", "1\n2\n3\n")
        #expect(first.drain().count == 3)
        let stored = first.checkpoints()
        try first.append("access.log", "4\n")
        let second = TailingHarness(directory: directory, checkpoints: stored) { $0.readFrom = .end }
        let lines = second.drain()
        #expect(lines.map(\.text) == ["4"])
        #expect(lines.map(\.offset) == [6])
    }

    @Test func inodeReuseWithDifferentContentIsANewFile() throws {
        let directory = try TemporaryDirectory()
        let first = TailingHarness(directory: directory)
        try first.append("access.log", "first content\nmore\n")
        #expect(first.drain().count == 2)
        let stored = first.checkpoints()
        // Same inode (truncated and rewritten through it), different first line.
        try Data("other content\nnext\nthird\n".utf8).write(to: directory.url.appendingPathComponent("access.log"))
        let second = TailingHarness(directory: directory, checkpoints: stored) { $0.readFrom = .end }
        #expect(second.drain().map(\.text) == ["other content", "next", "third"])
        #expect(second.batches.first?.sourceID != stored.first?.sourceID)
    }

    @Test func fileRewrittenInPlaceIsDetectedByTheMarker() throws {
        let directory = try TemporaryDirectory()
        let first = TailingHarness(directory: directory)
        try first.append("access.log", "same first line\naaaa\nbbbb\n")
        #expect(first.drain().count == 3)
        let stored = first.checkpoints()
        #expect(stored.first?.marker != nil)
        // Same first line (same identity), different bytes before the checkpoint.
        let handle = try #require(FileHandle(forWritingAtPath: directory.url.appendingPathComponent("access.log").path))
        try handle.seek(toOffset: 16)
        try handle.write(contentsOf: Data("cccc\ndddd\neeee\n".utf8))
        try handle.close()
        let second = TailingHarness(directory: directory, checkpoints: stored) { $0.readFrom = .end }
        #expect(second.batches.isEmpty)
        #expect(second.drain().map(\.text) == ["same first line", "cccc", "dddd", "eeee"])
        #expect(second.source.statistics.snapshot.rewrites == 1)
    }

    @Test func twoThousandFilesWithSixtyFourOpenAtMost() throws {
        let directory = try TemporaryDirectory()
        for index in 0..<2000 {
            try directory.write("logs/\(index / 100)/f\(index).log", "file \(index) line 1\nfile \(index) line 2\n")
        }
        let harness = TailingHarness(directory: directory) { $0.maxOpenFiles = 64 }
        #expect(harness.drain().count == 4000)
        // Appends to files that were closed to make room are still seen.
        for index in stride(from: 0, to: 2000, by: 97) {
            try harness.append("logs/\(index / 100)/f\(index).log", "file \(index) line 3\n")
        }
        harness.source.scan()
        let more = harness.drain()
        #expect(more.count == 21)
        #expect(Set(more.map(\.text)).count == 21)
        let statistics = harness.source.statistics.snapshot
        #expect(statistics.peakOpenFiles <= 64)
        #expect(statistics.trackedFiles == 2000)
        #expect(statistics.linesRead == 4021)
    }

    @Test func busyFileDoesNotStarveTheOthers() throws {
        let directory = try TemporaryDirectory()
        try directory.write("busy.log", String(repeating: "busy line with some length to it\n", count: 200_000))
        try directory.write("quiet.log", "quiet\n")
        let harness = TailingHarness(directory: directory)
        var seenQuietAfter = 0
        while let batch = harness.source.next() {
            seenQuietAfter += 1
            if batch.origin.hasSuffix("quiet.log") { break }
        }
        #expect(seenQuietAfter <= 2, "the quiet file gets its turn right after one batch of the busy one")
    }

    @Test func nonRegularFilesAreSkippedNotWaitedOn() throws {
        let directory = try TemporaryDirectory()
        try directory.write("good.log", "good\n")
        // A directory named like a log cannot be read as one, even by root.
        try FileManager.default.createDirectory(at: directory.url.appendingPathComponent("dir.log"), withIntermediateDirectories: true)
        let fifo = directory.url.appendingPathComponent("pipe.log").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let harness = TailingHarness(directory: directory)
        #expect(harness.drain().map(\.text) == ["good"], "non-regular files are skipped, not waited on")
    }
}

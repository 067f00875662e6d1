import Foundation
import Testing

/// `edgetail run` following files while a real writer process appends, rotates,
/// truncates and deletes them; the delivered line numbers are checked exactly.
@Suite(.serialized) struct TailingEndToEndTests {
    /// Writes lines numbered [first, last) to `path`, rotating by rename every
    /// `period` seconds: after each rename the old handle still gets a few lines
    /// (as a web server does until it reopens), then a new file is created.
    static let renameWriter = """
    import os, sys, time
    path, first, last, per_file, period = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    def line(n):
        return '10.0.%d.%d - - [02/Nov/2026:09:00:00 +0100] "GET /n/%d HTTP/1.1" 200 1 "-" "Mozilla/5.0 (X11; Linux x86_64)"\\n' % (n % 250, n % 7, n)
    steps = 20
    out = open(path, 'a')
    n, generation = first, 0
    while n < last:
        started = time.monotonic()
        for step in range(steps):
            for _ in range((per_file - per_file // 10) // steps):
                if n < last: out.write(line(n)); n += 1
            out.flush()
            time.sleep(max(0.0, started + period * (step + 1) / steps - time.monotonic()))
        generation += 1
        os.rename(path, '%s.%d' % (path, generation))
        for _ in range(per_file // 10):
            if n < last: out.write(line(n)); n += 1
        out.close()
        out = open(path, 'a')
    out.close()
    """

    /// Appends lines [first, last) to `path` at a steady pace over `seconds`.
    static let steadyWriter = """
    import sys, time
    path, first, last, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    def line(n):
        return '10.0.%d.%d - - [02/Nov/2026:09:00:00 +0100] "GET /n/%d HTTP/1.1" 200 1 "-" "Mozilla/5.0 (X11; Linux x86_64)"\\n' % (n % 250, n % 7, n)
    steps = 50
    per_step = max(1, (last - first) // steps)
    with open(path, 'a') as out:
        n = first
        while n < last:
            for _ in range(per_step):
                if n < last: out.write(line(n)); n += 1
            out.flush()
            time.sleep(seconds / steps)
    """

    @Test func renameRotationEveryHundredMillisecondsLosesAndDuplicatesNothing() async throws {
        let fixture = try TailingFixture()
        defer { fixture.remove() }
        let config = try fixture.writeConfiguration()
        let log = fixture.logs.appendingPathComponent("access.log").path
        let edgetail = try BackgroundProcess.edgetail(["run", "-c", config], stderrPath: fixture.directory.appendingPathComponent("stderr").path)
        let total = 60_000
        // 2,000 lines per file, a rename every 100 ms: 30 rotations over about 3 s.
        try await runWriter(Self.renameWriter, arguments: [log, "0", "\(total)", "2000", "0.1"])
        try await waitUntil("all \(total) lines delivered") { fixture.delivered().count >= total }
        try await edgetail.stop()
        #expect(edgetail.process.terminationStatus == 0, "\(edgetail.stderr)")
        let numbers = fixture.delivered().map(\.number)
        #expect(numbers.count == total, "no line duplicated")
        let missing = Set(0..<total).subtracting(numbers)
        #expect(missing.isEmpty, "\(missing.count) lines lost, e.g. \(missing.sorted().prefix(10))")
        #expect(edgetail.stderr.contains("file discovery uses inotify") || edgetail.stderr.contains("file discovery polls"))
    }

    @Test func copytruncateRestartsAtZero() async throws {
        let fixture = try TailingFixture()
        defer { fixture.remove() }
        let config = try fixture.writeConfiguration()
        let log = fixture.logs.appendingPathComponent("access.log").path
        let edgetail = try BackgroundProcess.edgetail(["run", "-c", config], stderrPath: fixture.directory.appendingPathComponent("stderr").path)
        try await runWriter(Self.steadyWriter, arguments: [log, "0", "3000", "0.5"])
        try await waitUntil("first part delivered") { fixture.delivered().count >= 3000 }
        // copytruncate: copy away, truncate in place, then the writer goes on (into a now larger file).
        try FileManager.default.copyItem(atPath: log, toPath: log + ".1")
        let handle = try #require(FileHandle(forWritingAtPath: log))
        try handle.truncate(atOffset: 0)
        try handle.close()
        try await runWriter(Self.steadyWriter, arguments: [log, "3000", "9000", "0.5"])
        try await waitUntil("second part delivered") { fixture.delivered().count >= 9000 }
        try await edgetail.stop()
        let numbers = fixture.delivered().map(\.number)
        #expect(numbers.count == 9000)
        #expect(Set(0..<9000).subtracting(numbers).isEmpty, "lines lost: \(Set(0..<9000).subtracting(numbers).count)")
        #expect(edgetail.stderr.contains("file truncated, reading it again from the start"))
    }

    @Test func deleteAndRecreateReadsBothAndReleasesTheDeletedFile() async throws {
        let fixture = try TailingFixture()
        defer { fixture.remove() }
        let config = try fixture.writeConfiguration()
        let log = fixture.logs.appendingPathComponent("access.log").path
        let edgetail = try BackgroundProcess.edgetail(["run", "-c", config], stderrPath: fixture.directory.appendingPathComponent("stderr").path)
        try await runWriter(Self.steadyWriter, arguments: [log, "0", "2000", "0.2"])
        try await waitUntil("first file delivered") { fixture.delivered().count >= 2000 }
        try FileManager.default.removeItem(atPath: log)
        try await runWriter(Self.steadyWriter, arguments: [log, "2000", "4000", "0.2"])
        try await waitUntil("second file delivered") { fixture.delivered().count >= 4000 }
        // The deleted file is not held open (its disk space is freed).
        let descriptors = "/proc/\(edgetail.process.processIdentifier)/fd"
        try await waitUntil("no deleted file held open", timeout: .seconds(10)) {
            try FileManager.default.contentsOfDirectory(atPath: descriptors).allSatisfy { name in
                !((try? FileManager.default.destinationOfSymbolicLink(atPath: descriptors + "/" + name)) ?? "").hasSuffix("(deleted)")
            }
        }
        try await edgetail.stop()
        let numbers = fixture.delivered().map(\.number)
        #expect(numbers.count == 4000)
        #expect(Set(0..<4000).subtracting(numbers).isEmpty, "lines lost: \(Set(0..<4000).subtracting(numbers).count)")
    }

    /// SIGKILL in the middle: the restart loses nothing, and only lines after the
    /// last stored checkpoint (not yet acknowledged there) come twice, same `_id`.
    @Test func killedMidwayResumesWithoutLoss() async throws {
        let fixture = try TailingFixture()
        defer { fixture.remove() }
        let config = try fixture.writeConfiguration(source: "checkpoint_interval: 0.2")
        let log = fixture.logs.appendingPathComponent("access.log").path
        let total = 40_000
        let first = try BackgroundProcess.edgetail(["run", "-c", config], stderrPath: fixture.directory.appendingPathComponent("stderr1").path)
        async let writing: Void = runWriter(Self.steadyWriter, arguments: [log, "0", "\(total)", "3"])
        try await waitUntil("some lines delivered and checkpointed") {
            fixture.delivered().count > 5000 && (fixture.storedPositions().values.first ?? 0) > 0
        }
        try await first.stop(signal: SIGKILL)
        let checkpoint = try #require(fixture.storedPositions().values.first)
        let second = try BackgroundProcess.edgetail(["run", "-c", config], stderrPath: fixture.directory.appendingPathComponent("stderr2").path)
        try await writing
        try await waitUntil("all lines delivered after the restart") { Set(fixture.delivered().map(\.number)).count >= total }
        try await second.stop()
        #expect(second.process.terminationStatus == 0, "\(second.stderr)")

        let delivered = fixture.delivered()
        #expect(Set(0..<total).subtracting(delivered.map(\.number)).isEmpty, "lines lost: \(Set(0..<total).subtracting(delivered.map(\.number)).count)")
        // Offsets of each line in the file, to tell acknowledged lines from the others.
        var offsets: [Int: UInt64] = [:]
        var offset: UInt64 = 0
        for number in 0..<total {
            offsets[number] = offset
            offset += UInt64(TailingFixture.line(number).utf8.count)
        }
        var seen: [Int: [String]] = [:]
        for event in delivered { seen[event.number, default: []].append(event.id) }
        let duplicated = seen.filter { $0.value.count > 1 }
        #expect(duplicated.allSatisfy { (offsets[$0.key] ?? 0) >= checkpoint }, "lines before the checkpoint come once")
        #expect(duplicated.allSatisfy { Set($0.value).count == 1 }, "a line read twice has the same _id")
        #expect(seen.values.allSatisfy { $0.count <= 2 })
    }

    /// A partial last line waits; at shutdown it is not acknowledged, and after the
    /// restart it is read once complete. `edgetail checkpoints` shows the position.
    @Test func partialLastLineIsReadOnceCompletedEvenAcrossARestart() async throws {
        let fixture = try TailingFixture()
        defer { fixture.remove() }
        let config = try fixture.writeConfiguration()
        let log = fixture.logs.appendingPathComponent("access.log").path
        let complete = TailingFixture.line(0)
        let second = TailingFixture.line(1)
        let cut = second.index(second.startIndex, offsetBy: 40)
        try (complete + second[..<cut]).write(toFile: log, atomically: false, encoding: .utf8)
        let edgetail = try BackgroundProcess.edgetail(["run", "-c", config], stderrPath: fixture.directory.appendingPathComponent("stderr").path)
        try await waitUntil("the complete line delivered and checkpointed") {
            fixture.delivered().count == 1 && fixture.storedPositions().values.first == UInt64(complete.utf8.count)
        }
        try await edgetail.stop()
        #expect(fixture.storedPositions().values.first == UInt64(complete.utf8.count), "the partial line is not acknowledged")

        let table = try await EdgeTailProcess.run(["checkpoints", "-c", config])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(String(decoding: table.stdout, as: UTF8.self).contains(log))
        let report = try await EdgeTailProcess.run(["checkpoints", "-c", config, "--json"])
        let entry = try #require(try JSONSerialization.jsonObject(with: report.stdout) as? [String: Any])
        #expect(entry["path"] as? String == log)
        #expect(entry["offset"] as? Int == complete.utf8.count)
        #expect(entry["size"] as? Int == (complete + second[..<cut]).utf8.count)
        #expect(entry["lag"] as? Int == 40)
        #expect(entry["state"] as? String == "present")

        let handle = try #require(FileHandle(forWritingAtPath: log))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(second[cut...].utf8))
        try handle.close()
        let again = try await EdgeTailProcess.run(["run", "-c", config, "--once"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(fixture.delivered().map(\.number) == [0, 1])
    }

    /// 2,000 files, at most 64 open, under a descriptor limit of 128: all are read.
    @Test func twoThousandFilesUnderATightDescriptorLimit() async throws {
        let fixture = try TailingFixture()
        defer { fixture.remove() }
        let config = try fixture.writeConfiguration(include: "**/*.log", source: "max_open_files: 64")
        for index in 0..<2000 {
            let directory = fixture.logs.appendingPathComponent("site\(index / 100)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try (TailingFixture.line(2 * index) + TailingFixture.line(2 * index + 1))
                .write(to: directory.appendingPathComponent("f\(index).log"), atomically: false, encoding: .utf8)
        }
        let executable = try #require(EdgeTailProcess.executable).path
        let run = try BackgroundProcess(executable: "/bin/sh", arguments: ["-c", "ulimit -n 128 && exec \"$0\" run -c \"$1\" --once", executable, config],
                                        stderrPath: fixture.directory.appendingPathComponent("stderr").path)
        try await run.waitForExit()
        #expect(run.process.terminationStatus == 0, "\(run.stderr.suffix(2000))")
        let numbers = fixture.delivered().map(\.number)
        #expect(numbers.count == 4000)
        #expect(Set(0..<4000).subtracting(numbers).isEmpty, "lines lost: \(Set(0..<4000).subtracting(numbers).count)")
        #expect(!run.stderr.contains("Too many open files"))
    }

    /// A file the process may not read is reported by path, and the others go on.
    /// Root reads everything, so as root the reader runs as `nobody` (setpriv).
    @Test(.enabled(if: getuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "as root a permission only blocks another user; needs setpriv to run as nobody"))
    func unreadableFileIsReportedAndTheOthersGoOn() async throws {
        let fixture = try TailingFixture()
        defer { fixture.remove() }
        let config = try fixture.writeConfiguration(include: "*.log")
        let good = fixture.logs.appendingPathComponent("good.log").path
        let secret = fixture.logs.appendingPathComponent("secret.log").path
        try (TailingFixture.line(1) + TailingFixture.line(2)).write(toFile: good, atomically: false, encoding: .utf8)
        try TailingFixture.line(3).write(toFile: secret, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: secret)
        for path in [fixture.directory.path, fixture.logs.path] {
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: path)
        }
        let asNobody: (uid: Int, gid: Int)? = getuid() == 0 ? (65534, 65534) : nil
        let run = try BackgroundProcess.edgetail(["run", "-c", config, "--once"], stderrPath: fixture.directory.appendingPathComponent("stderr").path,
                                                 asUser: asNobody)
        try await run.waitForExit()
        #expect(run.process.terminationStatus == 0, "\(run.stderr)")
        #expect(run.stderr.contains("cannot open \(secret): Permission denied"), "\(run.stderr)")
        #expect(Set(fixture.delivered().map(\.number)) == [1, 2])
    }
}

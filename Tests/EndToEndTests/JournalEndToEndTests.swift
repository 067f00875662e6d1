import EdgeTail
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `edgetail run` over real journal files (made by systemd-journal-remote), with the
/// bundled `pipelines/journald-nginx.yaml`.
@Suite(.serialized) struct JournalEndToEndTests {
    let directory: URL
    var journals: String { directory.appendingPathComponent("journal").path }
    var eventsPath: String { directory.appendingPathComponent("events.jsonl").path }
    var checkpointPath: String { directory.appendingPathComponent("data/checkpoints/journald-nginx.json").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-journal-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A main file that includes the bundled pipeline and sends its events to a file.
    func writeConfiguration() throws -> String {
        let path = directory.appendingPathComponent("edgetail.yaml").path
        try """
        data_dir: \(directory.path)/data
        include: ["\(EdgeTailProcess.packageRoot.path)/pipelines/journald-nginx.yaml"]
        sinks:
          edge: { type: file, path: \(eventsPath) }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    var environment: [String: String] {
        ["EDGETAIL_JOURNAL_DIRECTORY": journals, "EDGETAIL_JOURNAL_READ_FROM": "beginning", "EDGETAIL_SALT": "e2e"]
    }

    static func accessLine(_ index: Int) -> String {
        #"198.51.100.\#(index % 200) - - [24/Nov/2025:16:00:00 +0000] "GET /page/\#(index) HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64)""#
    }

    /// nginx entries as a relay forwards them (syslog header still in MESSAGE), mixed with sshd entries.
    func writeJournal(_ range: Range<Int>, file: String, sshdEvery: Int = 0) throws {
        var export = JournalExportWriter()
        for index in range {
            export.entry(realtime: 1_764_000_000_000_000 + UInt64(index) * 1000, monotonic: UInt64(index) + 1, [
                ("MESSAGE", "<190>Nov 24 16:00:00 web1 nginx_access: " + Self.accessLine(index)),
                ("SYSLOG_IDENTIFIER", "nginx_access"),
                ("_HOSTNAME", "web1"),
            ])
            if sshdEvery > 0 && index % sshdEvery == 0 {
                export.entry(realtime: 1_764_000_000_000_500 + UInt64(index) * 1000, monotonic: UInt64(index) + 2, [
                    ("MESSAGE", "Accepted publickey for root"), ("SYSLOG_IDENTIFIER", "sshd"), ("_HOSTNAME", "web1"),
                ])
            }
        }
        let remote = try #require(["/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }, "systemd-journal-remote is not installed")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: remote)
        process.arguments = ["--output=\(journals)/\(file)", "-"]
        let input = Pipe()
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: Data(export.bytes))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// The events written so far; a line cut by a kill at the very end is left out.
    func events() throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: eventsPath) else { return [] }
        return lines(of: data).compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    func summary(_ path: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: [String: Any]]
        return try #require(object?["journald-nginx"])
    }

    @Test func bundledPipelineMapsNginxEntriesAndResumesAtItsCursor() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(atPath: journals, withIntermediateDirectories: true)
        try writeJournal(0..<300, file: "a.journal", sshdEvery: 10)
        let config = try writeConfiguration()
        let summaryPath = directory.appendingPathComponent("summary.json").path

        let run = try await EdgeTailProcess.run(["run", "-c", config, "--once", "--summary-json", summaryPath], environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let counts = try summary(summaryPath)
        #expect(counts["lines"] as? Int == 300, "only nginx_access entries match")
        #expect(counts["pageViews"] as? Int == 300)
        let written = try events()
        #expect(written.count == 300)
        #expect(Set(written.compactMap { $0.value(at: "xdm._id") as? String }).count == 300)
        #expect(written.allSatisfy { $0.value(at: "data.host") as? String == "web1" })
        #expect(written.first?.value(at: "xdm.web.webPageDetails.URL") as? String == "https://www.example.com/page/0")

        let checkpoint = try #require(String(data: Data(contentsOf: URL(fileURLWithPath: checkpointPath)), encoding: .utf8))
        #expect(checkpoint.contains("\"cursor\" : \"s="), "\(checkpoint)")

        // New entries in a second file: the next run reads exactly those.
        try writeJournal(300..<350, file: "b.journal")
        let again = try await EdgeTailProcess.run(["run", "-c", config, "--once", "--summary-json", summaryPath], environment: environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try summary(summaryPath)["lines"] as? Int == 50)
        #expect(try events().count == 350)
    }

    @Test func nothingIsLostWhenKilledMidway() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(atPath: journals, withIntermediateDirectories: true)
        let total = 60_000
        try writeJournal(0..<total, file: "a.journal")
        let config = try writeConfiguration()

        // Follow mode, killed without warning once a checkpoint shows progress.
        let executable = try #require(EdgeTailProcess.executable, "the edgetail executable is not built")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["run", "-c", config]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline && process.isRunning {
            if let text = FileManager.default.contents(atPath: checkpointPath), String(decoding: text, as: UTF8.self).contains("\"cursor\"") { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: checkpointPath), "a checkpoint was written before the kill")
        let beforeRestart = try events().count

        let summaryPath = directory.appendingPathComponent("summary.json").path
        let resumed = try await EdgeTailProcess.run(["run", "-c", config, "--once", "--summary-json", summaryPath], environment: environment)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let ids = Set(try events().compactMap { $0.value(at: "xdm._id") as? String })
        let urls = Set(try events().compactMap { $0.value(at: "xdm.web.webPageDetails.URL") as? String })
        #expect(urls.count == total, "every entry became an event")
        #expect(ids.count == total, "an entry read twice keeps its _id")
        let reread = try #require(try summary(summaryPath)["lines"] as? Int)
        #expect(reread < total, "the second run resumed at the checkpoint (read \(reread), \(beforeRestart) events before the kill)")
    }

    @Test func validatesTheBundledPipeline() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await EdgeTailProcess.run(["validate", "-c", try writeConfiguration()], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
    }
}

extension Dictionary where Key == String, Value == Any {
    /// Reads a dotted path such as `xdm.web.webPageDetails.URL`.
    func value(at path: String) -> Any? {
        var current: Any? = self
        for component in path.split(separator: ".") {
            current = (current as? [String: Any])?[String(component)]
        }
        return current
    }
}

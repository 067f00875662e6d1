import AsyncHTTPClient
import Foundation
import GRDB
import Testing
@testable import LocalEdge
#if canImport(Glibc)
import Glibc
#endif

/// `edgetail collector` as a process: port on the first line, crash safety, clean stop.
@Suite struct ProcessTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binary = packageRoot.appendingPathComponent(".build/debug/edgetail")
    static var binaryExists: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }

    /// Collects ids the server answered 2xx for.
    actor Acknowledged {
        var ids: [String] = []
        var failures = 0
        func add(_ new: [String]) { ids += new }
        func failed() { failures += 1 }
    }

    /// A running `edgetail collector` and the base URL from its first line.
    struct Running {
        let process: Process
        let baseURL: String
    }

    static func launch(database: String, arguments: [String] = ["--mode", "edge"]) async throws -> Running {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["collector", "--listen", "127.0.0.1:0", "--db", database] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Kill the process if it never prints, which also ends the blocking read below.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(20))
            process.terminate()
        }
        defer { watchdog.cancel() }
        let line = await Task.detached { () -> String in
            var bytes: [UInt8] = []
            while let chunk = try? output.fileHandleForReading.read(upToCount: 1), let byte = chunk.first, byte != 10 {
                bytes.append(byte)
            }
            return String(decoding: bytes, as: UTF8.self)
        }.value
        guard line.hasPrefix("listening on http://127.0.0.1:") else {
            process.terminate()
            throw TestFailure.timedOut("collector first line, got '\(line)'")
        }
        return Running(process: process, baseURL: String(line.dropFirst("listening on ".count)))
    }

    @Test(.timeLimit(.minutes(2)), .enabled(if: ProcessTests.binaryExists, "build the edgetail binary first (.build/debug/edgetail)"))
    func survivesSIGKILLMidLoad() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("events.sqlite").path
        let client = HTTPClient.shared

        let first = try await Self.launch(database: database)
        let port = first.baseURL.split(separator: ":").last.flatMap { Int($0) } ?? 0
        #expect(port > 0)
        let collector = Collector(
            server: LocalEdgeServer(configuration: .init()), directory: directory, client: client, baseURL: first.baseURL
        )
        let acknowledged = Acknowledged()
        let senders = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        while !Task.isCancelled {
                            let events = (0..<10).map { _ in xdmEvent() }
                            let ids = events.compactMap { ($0["xdm"] as? [String: Any])?["_id"] as? String }
                            do {
                                let reply = try await collector.collect(events)
                                if (200..<300).contains(reply.status) { await acknowledged.add(ids) }
                            } catch {
                                await acknowledged.failed()
                                return
                            }
                        }
                    }
                }
            }
        }
        try await waitUntil("load under way", within: 30) { await acknowledged.ids.count >= 500 }
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        senders.cancel()
        await senders.value
        #expect(first.process.terminationReason == Process.TerminationReason.uncaughtSignal)

        let acked = await acknowledged.ids
        #expect(acked.count >= 500)
        let second = try await Self.launch(database: database)
        let stats = try CollectorStatsReader.read(databasePath: database)
        #expect(stats.eventsStored >= acked.count)

        let queue = try DatabaseQueue(path: database)
        let integrity = try await queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        let stored = try await queue.read { db in Set(try String.fetchAll(db, sql: "SELECT id FROM events")) }
        try queue.close()
        #expect(integrity == ["ok"])
        let missing = acked.filter { !stored.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) acknowledged events missing after SIGKILL")

        // The restarted collector still answers, then stops cleanly on SIGTERM.
        let restarted = Collector(
            server: LocalEdgeServer(configuration: .init()), directory: directory, client: client, baseURL: second.baseURL
        )
        #expect(try await restarted.collect([xdmEvent()]).status == 202)
        second.process.terminate()
        second.process.waitUntilExit()
        #expect(second.process.terminationReason == Process.TerminationReason.exit)
        #expect(second.process.terminationStatus == 0)
    }

    /// `edgetail collector` plays server.adobedc.net unless told otherwise: no credentials, 0500-401.
    @Test(.timeLimit(.minutes(1)), .enabled(if: ProcessTests.binaryExists, "build the edgetail binary first (.build/debug/edgetail)"))
    func commandLineDefaultsToServerMode() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("events.sqlite").path
        let running = try await Self.launch(
            database: database,
            arguments: ["--token", "t-1", "--disabled-datastream", "off", "--namespace", "LoyaltyID", "--dedupe"]
        )
        let collector = Collector(
            server: LocalEdgeServer(configuration: .init()), directory: directory, client: .shared, baseURL: running.baseURL
        )
        let credentials = [("Authorization", "Bearer t-1"), ("x-api-key", "k"), ("x-gw-ims-org-id", "O@AdobeOrg")]
        do {
            expectProblem(try await collector.collect([xdmEvent()]), "EXEG-0500-401", status: 401)
            let loyal = xdmEvent(id: "l-1", extraIdentities: ["LoyaltyID": [["id": "L-1"]]])
            #expect(try await collector.collect([loyal, loyal], headers: credentials).status == 202)
            expectProblem(
                try await collector.collect([xdmEvent()], query: "datastreamId=off", headers: credentials),
                "EXEG-0004-422", status: 422
            )
        } catch {
            running.process.terminate()
            throw error
        }
        running.process.terminate()
        running.process.waitUntilExit()
        let stats = try CollectorStatsReader.read(databasePath: database)
        #expect(stats.eventsStored == 1)
        #expect(stats.duplicates == 1)
    }

    /// `--help` lists every code the collector can answer and the options that shape it.
    @Test(.enabled(if: ProcessTests.binaryExists, "build the edgetail binary first (.build/debug/edgetail)"))
    func helpListsEveryCode() throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["collector", "serve", "--help"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let help = String(decoding: data, as: UTF8.self)
        for code in Self.everyCode {
            #expect(help.contains(code), "\(code) missing from --help")
        }
        for option in ["--mode", "--datastream", "--disabled-datastream", "--namespace", "--dedupe", "--warn-rate", "--warning"] {
            #expect(help.contains(option), "\(option) missing from --help")
        }
    }

    /// docs/collector.md documents every code too.
    @Test func docsListEveryCode() throws {
        let docs = try String(contentsOf: Self.packageRoot.appendingPathComponent("docs/collector.md"), encoding: .utf8)
        for code in Self.everyCode {
            #expect(docs.contains("EXEG-\(code)"), "EXEG-\(code) missing from docs/collector.md")
        }
        #expect(!docs.contains("eventIndex"))
    }

    /// Every EXEG code the collector can answer, without its prefix, as help and docs write them.
    static let everyCode = [
        "0000-503", "0001-500", "0002-400", "0003-400", "0004-422", "0013-422", "0101-400", "0102-400", "0103-400",
        "0104-422", "0106-400", "0109-408", "0111-415", "0112-413", "0200-504", "0202-502", "0305-400", "0306-400",
        "0308-400", "0500-401", "0502-401", "0503-401", "0204-200", "0301-200", "0201-503",
    ]
}

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

    static func launch(database: String) async throws -> Running {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["collector", "--listen", "127.0.0.1:0", "--db", database]
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
}

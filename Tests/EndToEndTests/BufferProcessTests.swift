import Foundation
import GRDB
import Testing
@testable import EdgeTail
import LocalEdge

/// Real `edgetail run` processes shipping to the stand-in: killed with SIGKILL at
/// random moments, or left without an endpoint while a large log arrives.
@Suite(.serialized) struct BufferProcessTests {
    struct Scratch {
        let directory: URL
        var log: String { directory.appendingPathComponent("logs/access.log").path }
        var dataDirectory: String { directory.appendingPathComponent("data").path }
        var configuration: String { directory.appendingPathComponent("edgetail.yaml").path }
        var bufferDirectory: String { EdgeSink.bufferDirectory(dataDirectory: dataDirectory, sink: "edge") }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-buffer-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("logs"), withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("logs/access.log").path, contents: nil)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }

        func writeConfiguration(endpoint: String, buffer: String, lanes: Int = 4, maxEvents: Int = 500) throws {
            try """
            data_dir: \(dataDirectory)
            sinks:
              edge:
                type: edge
                endpoint: \(endpoint)
                datastream_id: ds-buffer
                timeout: 1
                linger: 0.05
                retry_base: 0.05
                retry_cap: 0.5
                shutdown_timeout: 2
                lanes: \(lanes)
                max_events: \(maxEvents)
                buffer: \(buffer)
            pipelines:
              - name: tail
                source:
                  type: file
                  include: ["\(log)"]
                  read_from: beginning
                  poll_interval: 0.05
                  checkpoint_interval: 0.1
                parser: { format: combined }
                site: { base_url: "https://www.example.com" }
                filters: { bots: keep, static: keep }
                events:
                  - type: pageView
                identity:
                  - { namespace: FPID, derive: [client_ip, user_agent], salt: chaos }
                sink: edge
            """.write(toFile: configuration, atomically: true, encoding: .utf8)
        }

        func run() throws -> BackgroundProcess {
            try BackgroundProcess.edgetail(["run", "-c", configuration],
                                           stderrPath: directory.appendingPathComponent("run-\(UUID().uuidString).err").path)
        }

        /// The acknowledged position of the log, from the checkpoint file.
        func checkpointedPosition() -> UInt64? {
            let path = dataDirectory + "/checkpoints/tail.json"
            guard let data = FileManager.default.contents(atPath: path),
                  let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let entries = document["entries"] as? [[String: Any]] else { return nil }
            return entries.compactMap { $0["position"] as? Int }.max().map(UInt64.init)
        }

        var logSize: UInt64 {
            ((try? FileManager.default.attributesOfItem(atPath: log)[.size]) as? NSNumber)?.uint64Value ?? 0
        }

        var segmentBytes: Int {
            DiskSpill.segmentFiles(in: bufferDirectory).reduce(0) {
                $0 + (((try? FileManager.default.attributesOfItem(atPath: $1.path)[.size]) as? NSNumber)?.intValue ?? 0)
            }
        }
    }

    /// Line numbers of the page views in the dataset (`/n/NUMBER`), and the `_id`s seen for each.
    static func deliveredLines(_ databasePath: String) throws -> [Int: Set<String>] {
        guard FileManager.default.fileExists(atPath: databasePath) else { return [:] }
        let queue = try DatabaseQueue(path: databasePath)
        let rows = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT id, json_extract(body, '$.xdm.web.webPageDetails.name') AS name FROM events")
        }
        var result: [Int: Set<String>] = [:]
        for row in rows {
            guard let name: String = row["name"], name.hasPrefix("/n/"), let number = Int(name.dropFirst(3)) else { continue }
            result[number, default: []].insert(row["id"])
        }
        return result
    }

    /// Repeated copies in the dataset, split by cause: `acrossRuns`, stored by a later
    /// run than the copy before it (a kill lost the record of its delivery), and
    /// `withinARun` (a request answered after the sender's timeout, sent again).
    /// A copy belongs to the last run started before the stand-in stored it.
    static func duplicates(_ databasePath: String, runStarts: [Date]) throws -> (acrossRuns: Int, withinARun: Int) {
        let queue = try DatabaseQueue(path: databasePath)
        let rows = try queue.read { db in try Row.fetchAll(db, sql: "SELECT id, received_at FROM events ORDER BY seq") }
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var lastRun: [String: Int] = [:]
        var result = (acrossRuns: 0, withinARun: 0)
        for row in rows {
            let id: String = row["id"]
            let received = format.date(from: row["received_at"]) ?? .distantPast
            let run = runStarts.lastIndex { $0 <= received } ?? 0
            if let previous = lastRun[id] {
                if previous == run { result.withinARun += 1 } else { result.acrossRuns += 1 }
            }
            lastRun[id] = run
        }
        return result
    }

    static func residentBytes(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
        return kilobytes * 1024
    }

    @Test func killedAtRandomMomentsItLosesNoLine() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var standIn = LocalEdgeConfiguration()
        standIn.databasePath = scratch.directory.appendingPathComponent("edge.sqlite").path
        standIn.faults = FaultInjection(failRate: 0.15, failStatus: 503, latencyMilliseconds: 2, hangRate: 0.01, seed: 7)
        let server = LocalEdgeServer(configuration: standIn)
        _ = try await server.start()
        // Small requests, so that what a kill can catch in flight (lanes × max_events)
        // is far below what replaying whole segments or re-reading past the checkpoint would resend.
        let lanes = 2
        let maxEvents = 25
        try scratch.writeConfiguration(endpoint: await server.baseURL,
                                       buffer: "{ memory_bytes: 128KiB, disk_bytes: 256MiB, segment_bytes: 256KiB, fsync: 50ms }",
                                       lanes: lanes, maxEvents: maxEvents)
        let databasePath = standIn.databasePath ?? ""
        let total = 12_000
        // A real writer appends the log while edgetail is killed and restarted.
        let writer = Task {
            try await runWriter("""
            import sys, time
            path, total = sys.argv[1], int(sys.argv[2])
            with open(path, 'a') as f:
                for n in range(total):
                    f.write('10.1.%d.%d - - [02/Nov/2026:09:00:00 +0100] "GET /n/%d HTTP/1.1" 200 1 "-" "Mozilla/5.0 (X11; Linux x86_64) chaos/%d"\\n' % (n % 200, n % 7, n, n % 50))
                    if n % 200 == 199:
                        f.flush()
                        time.sleep(0.08)
            """, arguments: [scratch.log, String(total)])
        }
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        var runStarts: [Date] = []
        for round in 0..<10 {
            let before = try Self.deliveredLines(databasePath).count
            runStarts.append(Date())
            let process = try scratch.run()
            // Let it make some progress, then kill it at a random moment.
            try await waitUntil("round \(round) makes progress", timeout: .seconds(60)) {
                (try Self.deliveredLines(databasePath).count) > before || !process.process.isRunning
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...300, using: &generator)))
            #expect(process.process.isRunning, "edgetail ended by itself: \(process.stderr)")
            try await process.stop(signal: SIGKILL)
            kills += 1
        }
        try await writer.value
        // A last run finishes the job.
        runStarts.append(Date())
        let last = try scratch.run()
        try await waitUntil("every line is in the dataset", timeout: .seconds(180)) {
            (try Self.deliveredLines(databasePath).count) == total
        }
        try await last.stop(signal: SIGTERM)
        #expect(last.process.terminationStatus == 0, "\(last.stderr)")
        await server.stop()
        let delivered = try Self.deliveredLines(databasePath)
        #expect(kills == 10)
        #expect(Set(delivered.keys) == Set(0..<total), "missing: \(Set(0..<total).subtracting(delivered.keys).sorted().prefix(20))")
        // A line read twice (after a kill) is the same event: one `_id` per line.
        let lineWithTwoIDs = delivered.first { $0.value.count != 1 }
        #expect(lineWithTwoIDs == nil, "line \(lineWithTwoIDs?.key ?? -1) has ids \(lineWithTwoIDs?.value ?? [])")
        // The dataset keeps every copy, as the data lake and Analytics do: count the
        // duplicates the kills caused. Only requests in flight may be sent again.
        let duplicates = try Self.duplicates(databasePath, runStarts: runStarts)
        print("chaos: \(kills) kills of edgetail run, \(duplicates.acrossRuns) duplicate events stored across restarts "
              + "(\(String(format: "%.1f", Double(duplicates.acrossRuns) / Double(kills))) per kill; bound lanes × max_events = \(lanes * maxEvents)), "
              + "\(duplicates.withinARun) within a run (answers after the 1 s request timeout)")
        #expect(duplicates.acrossRuns <= kills * lanes * maxEvents, "\(duplicates.acrossRuns) duplicates after \(kills) kills")
    }

    @Test func aLongOutageFillsTheDiskNotTheMemory() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        // The endpoint is down, on a port kept for it until it comes up.
        let reserved = try ReservedPort()
        var standIn = LocalEdgeConfiguration()
        try scratch.writeConfiguration(endpoint: reserved.baseURL,
                                       buffer: "{ memory_bytes: 1MiB, disk_bytes: 4GiB, segment_bytes: 8MiB, fsync: 200ms }")
        let process = try scratch.run()
        let pid = process.process.processIdentifier
        var peakAfterFirstChunk = 0
        var peak = 0
        let lines = 200_000
        let chunk = 50_000
        let handle = try #require(FileHandle(forWritingAtPath: scratch.log))
        for start in stride(from: 0, to: lines, by: chunk) {
            var text = ""
            for number in start..<(start + chunk) {
                text += "10.2.\(number % 250).\(number % 9) - - [02/Nov/2026:09:00:00 +0100] \"GET /n/\(number) HTTP/1.1\" 200 1 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"\n"
            }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            // Every line is acknowledged once its event is fsynced to a segment (or, for
            // the last megabyte, still in memory): wait until the checkpoint is near the end.
            try await waitUntil("the lines up to \(start + chunk) are read", timeout: .seconds(240)) {
                if let rss = Self.residentBytes(of: pid) { peak = max(peak, rss) }
                return scratch.segmentBytes > 0 && (scratch.checkpointedPosition() ?? 0) + (2 << 20) >= scratch.logSize
                    && (scratch.checkpointedPosition() ?? 0) > 0
            }
            if start == 0 { peakAfterFirstChunk = peak }
        }
        try handle.close()
        let spilled = scratch.segmentBytes
        // 200,000 events of about 520 bytes, less what the 1 MiB of memory holds (and
        // what parking and delivery timing leave there): far beyond the memory budget.
        #expect(spilled > 64 << 20, "segments hold \(spilled) bytes")
        // Four times the backlog, (almost) the same memory.
        #expect(peak - peakAfterFirstChunk < 24 << 20, "RSS grew from \(peakAfterFirstChunk) to \(peak) bytes while the backlog grew to \(spilled)")

        // `edgetail status` shows the backlog from the files, beside the running process.
        let status = Process()
        status.executableURL = EdgeTailProcess.executable
        status.arguments = ["status", "-c", scratch.configuration, "--json"]
        let output = Pipe()
        status.standardOutput = output
        try status.run()
        let statusData = output.fileHandleForReading.readDataToEndOfFile()
        status.waitUntilExit()
        let report = try JSONSerialization.jsonObject(with: statusData) as? [String: Any]
        #expect(report?["sink"] as? String == "edge")
        #expect((report?["events"] as? Int ?? 0) > 150_000, "\(String(decoding: statusData, as: UTF8.self))")
        #expect((report?["bytes"] as? Int ?? 0) >= spilled)
        #expect(report?["inUse"] as? Bool == true)

        // The endpoint returns: the backlog drains, oldest first, and the segments go.
        standIn.port = reserved.port
        let server = LocalEdgeServer(configuration: standIn)
        _ = try await server.start()
        try await waitUntil("all \(lines) events are delivered", timeout: .seconds(600)) {
            if let rss = Self.residentBytes(of: pid) { peak = max(peak, rss) }
            return scratch.segmentBytes == 0 && scratch.checkpointedPosition() == scratch.logSize
        }
        let stats = try await server.stats()
        try await process.stop(signal: SIGTERM)
        await server.stop()
        #expect(process.process.terminationStatus == 0, "\(process.stderr)")
        #expect(stats.eventsStored >= lines)
        print("outage: \(lines) lines, \(spilled) bytes spilled, peak RSS \(peak / (1 << 20)) MiB (\(peakAfterFirstChunk / (1 << 20)) MiB after the first \(chunk) lines)")
    }
}

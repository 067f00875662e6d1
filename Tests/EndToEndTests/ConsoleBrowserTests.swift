import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import Testing

/// `edgetail demo --keep` as a user runs it, its console opened in headless Chromium:
/// what the browser renders must be what the stand-in stored.
@Suite struct ConsoleBrowserTests {
    static let chromium = "/usr/bin/chromium"
    static var chromiumInstalled: Bool {
        let installed = FileManager.default.isExecutableFile(atPath: chromium)
        if !installed { print("ConsoleBrowserTests skipped: \(chromium) is not installed (apt-get install chromium, or make deps)") }
        return installed
    }

    /// Where the screenshots are left for people to look at.
    static let artifacts = EdgeTailProcess.packageRoot.appendingPathComponent(".build/artifacts")

    @Test(.enabled(if: chromiumInstalled, "chromium is not installed"), .timeLimit(.minutes(10)))
    func theConsoleShowsTheDemosEventsAndAVisitorsTimeline() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-console-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let demo = try KeptDemo.start(work: work)
        defer { demo.kill() }
        let console = try await demo.consoleURL(within: .seconds(240))

        // One refused request (no events: EXEG-0103-400), so the rejections panel has something to show.
        var refused = URLRequest(url: try #require(URL(string: console + "ee/v2/collect?datastreamId=demo-datastream")))
        refused.httpMethod = "POST"
        refused.setValue("application/json", forHTTPHeaderField: "Content-Type")
        refused.httpBody = Data(#"{"events":[]}"#.utf8)
        let (_, refusal) = try await URLSession.shared.data(for: refused)
        #expect((refusal as? HTTPURLResponse)?.statusCode == 400)

        let statsData = try await URLSession.shared.data(from: try #require(URL(string: console + "stats"))).0
        let stats = try #require(try JSONSerialization.jsonObject(with: statsData) as? [String: Any])
        let types = stats["event_types"] as? [String: Int] ?? [:]
        let stored = try #require(stats["events_stored"] as? Int)
        let pageViews = types["web.webpagedetails.pageViews"] ?? 0
        let linkClicks = types["web.webinteraction.linkClicks"] ?? 0
        #expect(pageViews > 0 && linkClicks > 0)

        let browser = Chromium(profile: work.appendingPathComponent("chromium-profile"))
        let page = try await browser.dumpDOM(console)
        #expect(page.contains("live · updated"), "the console's script did not run to its first update:\n\(page.prefix(2000))")
        #expect(try Self.number(id: "count-events", in: page) == stored)
        #expect(try Self.number(id: "count-pageviews", in: page) == pageViews)
        #expect(try Self.number(id: "count-linkclicks", in: page) == linkClicks)
        #expect(try Self.number(id: "count-identities", in: page) == stats["identities"] as? Int)
        #expect(try Self.number(id: "count-rejected", in: page) == 1)
        #expect(page.contains("EXEG-0103-400"))

        // The newest events, newest first, as the dataset has them.
        let database = try DatabaseQueue(path: work.appendingPathComponent("edge-dataset.sqlite").path, configuration: Self.readOnly)
        let newest = try await database.read { db in try Int64.fetchAll(db, sql: "SELECT seq FROM events ORDER BY seq DESC LIMIT 100") }
        #expect(try Self.rowSequence(in: page, tbody: "event-rows") == newest)
        #expect(page.contains("class=\"badge pageView\"") && page.contains("class=\"badge linkClick\""))
        #expect(page.contains("<b>status</b> 200"), "the demo's pipeline data (data.status) is not shown")

        // A search is part of the address too.
        let clicks = try await browser.dumpDOM(console + "?type=linkClick")
        #expect(clicks.contains(">\(linkClicks) matching<"))
        let clickRows = try Self.rowSequence(in: clicks, tbody: "event-rows").count
        #expect(clickRows == min(100, linkClicks))
        #expect(clicks.matches(of: /<tr class="event linkClick"/).count == clickRows)

        // The busiest visitor's timeline, opened by its address alone.
        let busiest = try database.read { db in
            try Row.fetchOne(db, sql: """
                SELECT identity_namespace, identity_id, COUNT(*) AS n FROM events
                GROUP BY 1, 2 HAVING n > 1 ORDER BY n DESC, identity_id LIMIT 1
                """)
        }
        let visitor = try #require(busiest)
        let identity: String = visitor["identity_id"]
        let namespace: String = visitor["identity_namespace"]
        let timeline = try await database.read { db in
            try Int64.fetchAll(
                db, sql: "SELECT seq FROM events WHERE identity_namespace = ? AND identity_id = ? ORDER BY timestamp, seq",
                arguments: [namespace, identity])
        }
        try database.close()
        let addressed = try await browser.dumpDOM(console + "#visitor=\(identity)&namespace=\(namespace)")
        #expect(try Self.rowSequence(in: addressed, tbody: "timeline-rows") == timeline)
        #expect(addressed.contains("\(timeline.count) events in time order"))

        try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
        let overview = Self.artifacts.appendingPathComponent("console.png")
        let visitorShot = Self.artifacts.appendingPathComponent("console-visitor.png")
        try await browser.screenshot(console, to: overview)
        try await browser.screenshot(console + "?visitor=\(identity)&namespace=\(namespace)", to: visitorShot)
        print("console screenshots: \(overview.path) \(visitorShot.path)")

        let status = try await demo.interruptAndWait(within: .seconds(60))
        #expect(status == 0, "demo --keep after SIGINT:\n\(demo.output)")
    }

    static var readOnly: Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        return configuration
    }

    /// The number in the element with this id (`<div … id="ID">N</div>`).
    static func number(id: String, in page: String) throws -> Int? {
        guard let match = page.firstMatch(of: try Regex<(Substring, Substring)>(#"id="\#(id)">(\d+)<"#)) else { return nil }
        return Int(match.output.1)
    }

    /// The `data-seq` of every row of one table body, in page order.
    static func rowSequence(in page: String, tbody id: String) throws -> [Int64] {
        guard let start = page.range(of: #"<tbody id="\#(id)">"#),
              let end = page.range(of: "</tbody>", range: start.upperBound..<page.endIndex) else { return [] }
        let rows = page[start.upperBound..<end.lowerBound]
        return try rows.matches(of: Regex<(Substring, Substring)>(#"<tr class="event [a-zA-Z]+" data-seq="(\d+)""#)).compactMap { Int64($0.output.1) }
    }
}

/// Headless Chromium, one run per page, each waiting at most two minutes.
struct Chromium {
    let profile: URL

    func dumpDOM(_ url: String) async throws -> String {
        String(decoding: try await run(["--dump-dom", url]), as: UTF8.self)
    }

    func screenshot(_ url: String, to file: URL) async throws {
        try? FileManager.default.removeItem(at: file)
        _ = try await run(["--screenshot=\(file.path)", "--window-size=1280,1000", "--hide-scrollbars", url])
        #expect(FileManager.default.fileExists(atPath: file.path), "chromium wrote no screenshot at \(file.path)")
    }

    private func run(_ arguments: [String]) async throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ConsoleBrowserTests.chromium)
        // Virtual time lets the page's first poll finish before the DOM is read, without waiting in real time.
        process.arguments = [
            "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-dev-shm-usage",
            "--user-data-dir=\(profile.path)", "--virtual-time-budget=4000",
        ] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        async let dom = EdgeTailProcess.readToEnd(output.fileHandleForReading)
        let deadline = ContinuousClock.now + .seconds(120)
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                Issue.record("chromium \(arguments) did not finish within two minutes")
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.waitUntilExit()
        return await dom
    }
}

/// `edgetail demo --keep` in a child process, its stdout collected as it comes.
final class KeptDemo: @unchecked Sendable {
    private let process: Process
    private let lock = NSLock()
    private var collected = Data()

    private init(process: Process) {
        self.process = process
    }

    static func start(work: URL) throws -> KeptDemo {
        let executable = try #require(EdgeTailProcess.executable, "the edgetail executable is not built; run `swift build` first")
        let process = Process()
        process.executableURL = executable
        process.arguments = [
            "demo", "--keep", "--config", EdgeTailProcess.packageRoot.appendingPathComponent("pipelines/demo.yaml").path,
            "--work-directory", work.path,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let demo = KeptDemo(process: process)
        try process.run()
        let handle = output.fileHandleForReading
        // A thread of its own: blocking reads stay off the cooperative pool.
        Thread {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                demo.lock.withLock { demo.collected.append(chunk) }
            }
        }.start()
        return demo
    }

    var output: String {
        lock.withLock { String(decoding: collected, as: UTF8.self) }
    }

    /// The URL on the `console: http://…/` line printed once the demo is done.
    func consoleURL(within limit: Duration) async throws -> String {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let line = output.split(separator: "\n").first(where: { $0.hasPrefix("console: http://") }),
               let url = line.split(separator: " ").dropFirst().first {
                return String(url)
            }
            if !process.isRunning {
                Issue.record("demo --keep exited (\(process.terminationStatus)) before printing its console URL:\n\(output)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("demo --keep printed no console URL within \(limit):\n\(output)")
        throw CancellationError()
    }

    /// Ctrl-C, then the exit status once the stand-in has stopped.
    func interruptAndWait(within limit: Duration) async throws -> Int32? {
        process.interrupt()
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            if ContinuousClock.now > deadline {
                Issue.record("demo --keep still running \(limit) after SIGINT")
                return nil
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    func kill() {
        if process.isRunning { process.terminate() }
    }
}

import ArgumentParser
import EdgeTail
import Foundation
import LocalEdge
import Logging
import UnixSignals

/// `edgetail demo`: the whole product in one command, without Adobe credentials.
///
/// Starts the local stand-in of `/ee/v2/collect` on an ephemeral loopback port with
/// a temporary dataset, runs the demo pipeline over the bundled sample log through
/// the Edge sink, waits until every line is accounted for and prints what happened.
/// With `--keep` the stand-in stays up afterwards, its browser console showing the
/// events, until SIGINT or SIGTERM.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Runs the demo pipeline over the sample log against an embedded local Edge stand-in.")

    @Option(name: [.short, .customLong("config")], help: "The demo pipeline file.")
    var config = "pipelines/demo.yaml"

    @Option(help: "The access log to ship (default: the pipeline's, samples/access.log).")
    var log: String?

    @Option(help: "Where the dataset and state go (default: a new temporary directory).")
    var workDirectory: String?

    @Flag(help: "Keep the stand-in running after the demo, with its browser console, until Ctrl-C or SIGTERM.")
    var keep = false

    func run() async throws {
        let work = workDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-demo-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let databasePath = (work as NSString).appendingPathComponent("edge-dataset.sqlite")
        var logger = Logger(label: "edgetail") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .error

        var standInConfiguration = LocalEdgeConfiguration()
        standInConfiguration.databasePath = databasePath
        let standIn = LocalEdgeServer(configuration: standInConfiguration, logger: logger)
        _ = try await standIn.start()
        let endpoint = await standIn.baseURL

        var environment = ProcessInfo.processInfo.environment
        environment["EDGETAIL_ENDPOINT"] = endpoint
        environment["EDGETAIL_DATA_DIR"] = (work as NSString).appendingPathComponent("data")
        if let log { environment["EDGETAIL_DEMO_LOG"] = URL(fileURLWithPath: log).path }
        let configuration: EdgeTailConfiguration
        let runtime: EdgeTailRuntime
        do {
            configuration = try ConfigurationLoader(environment: environment).load(path: config)
            runtime = try EdgeTailRuntime(configuration: configuration, logger: logger)
        } catch {
            await standIn.stop()
            throw CommandFailure(message: "\(error)")
        }
        let totalLines = configuration.pipelines.flatMap(\.source.include).flatMap(FileGlob.expand).reduce(0) { total, path in
            total + ((try? Data(contentsOf: URL(fileURLWithPath: path)))?.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } ?? 0)
        }
        print("edgetail demo: local Edge stand-in at \(endpoint), dataset \(databasePath), console \(await standIn.consoleURL)")
        let progress = DemoProgress(total: totalLines)
        let reporter = Task {
            while !Task.isCancelled {
                let counts = runtime.counts.values.reduce(into: PipelineCounts()) { $0.add($1) }
                let delivered = runtime.edgeSinks.values.reduce(0) { $0 + $1.statistics.snapshot.eventsDelivered }
                progress.show(lines: counts.lines, delivered: delivered)
                try? await Task.sleep(for: .milliseconds(progress.isTerminal ? 100 : 1000))
            }
        }
        var failure: (any Error)?
        do {
            try await runtime.run(mode: .once, stop: StopSignal())
        } catch {
            failure = error
        }
        reporter.cancel()
        _ = await reporter.value
        let counts = runtime.counts.values.reduce(into: PipelineCounts()) { $0.add($1) }
        let sinks = runtime.edgeSinks.values.map(\.statistics.snapshot)
        progress.show(lines: counts.lines, delivered: sinks.reduce(0) { $0 + $1.eventsDelivered }, final: true)
        let stored: LocalEdgeStats
        do {
            stored = try await standIn.stats()
        } catch {
            await standIn.stop()
            throw error
        }
        if !keep { await standIn.stop() }

        let deadLettered = sinks.reduce(0) { $0 + $1.eventsDeadLettered }
        let requests = sinks.reduce(0) { $0 + $1.requests.values.reduce(0, +) }
        var rows: [(String, String)] = [
            ("lines read", "\(counts.lines)"),
            ("page views", "\(counts.pageViews)"),
            ("link clicks", "\(counts.linkClicks)"),
        ]
        // Reasons the log had, and always the three every log has; a W3C log's directive lines only when it had some.
        for reason in DropReason.allCases where [.bot, .staticAsset, .unmatched].contains(reason) || counts.dropped[reason.rawValue] != nil {
            rows.append(("dropped: \(reason.rawValue)", "\(counts.dropped[reason.rawValue] ?? 0)"))
        }
        rows += [
            ("failed (kept with reason)", "\(counts.failed)"),
            ("identities", "\(stored.identities)"),
            ("requests", "\(requests)"),
            ("retries", "\(sinks.reduce(0) { $0 + $1.retries })"),
            ("dead letters", "\(deadLettered)"),
            ("events stored by the stand-in", "\(stored.eventsStored)"),
            ("dataset", databasePath),
            ("rejected lines", (work as NSString).appendingPathComponent("data/rejected/demo.jsonl")),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        for (name, value) in rows {
            print(name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
        }
        print("query it: sqlite3 \(databasePath) 'SELECT event_type, count(*) FROM events GROUP BY 1'")
        if keep {
            let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
            print("console: \(await standIn.consoleURL) (the stand-in keeps running; Ctrl-C to stop)")
            // Flushed at once: whoever started the demo reads the URL from this line.
            fflush(nil)
            for await _ in signals { break }
            await standIn.stop()
        }
        if let failure { throw CommandFailure(message: "\(failure)") }
        let accounted = counts.pageViews + counts.linkClicks + counts.droppedTotal + counts.failed
        guard accounted == counts.lines, counts.lines == totalLines,
              stored.eventsStored + deadLettered == counts.pageViews + counts.linkClicks else {
            throw CommandFailure(message: "not every line is accounted for: \(counts.lines) of \(totalLines) lines read, \(stored.eventsStored) stored, \(deadLettered) dead-lettered")
        }
    }
}

/// A progress bar on a terminal, plain lines otherwise.
struct DemoProgress: Sendable {
    let total: Int
    let isTerminal = isatty(STDOUT_FILENO) == 1

    func show(lines: Int, delivered: Int, final: Bool = false) {
        let fraction = total > 0 ? min(1, Double(lines) / Double(total)) : 1
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardOutput.write(Data("\r\(bar) \(lines)/\(total) lines, \(delivered) events delivered\(final ? "\n" : "")".utf8))
        } else {
            print("progress: \(lines)/\(total) lines read, \(delivered) events delivered")
        }
    }
}

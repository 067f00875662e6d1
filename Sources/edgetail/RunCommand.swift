import ArgumentParser
import EdgeTail
import Foundation
import Logging
import ServiceLifecycle

/// `edgetail run`: runs the pipelines until SIGINT/SIGTERM (or, with `--once`,
/// until everything there is has been read and delivered).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Runs the configured pipelines.")

    @OptionGroup var options: ConfigurationOptions

    @Flag(help: "Read the files to their end, deliver everything, then exit.")
    var once = false

    @Option(help: "Also write the final counts as JSON to this file.")
    var summaryJSON: String?

    func run() async throws {
        let configuration = try options.load()
        let logger = options.makeLogger(label: "edgetail")
        let runtime: EdgeTailRuntime
        do {
            runtime = try EdgeTailRuntime(configuration: configuration, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let service = RuntimeService(runtime: runtime, mode: once ? .once : .follow)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        logger.info("started", metadata: ["pipelines": "\(runtime.runners.map(\.plan.name))", "mode": "\(once ? "once" : "follow")"])
        try await group.run()
        let counts = runtime.counts
        RunSummary.print(counts)
        if let summaryJSON {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try encoder.encode(counts).write(to: URL(fileURLWithPath: summaryJSON))
        }
        logger.info("stopped")
    }
}

/// Runs the runtime inside the service group, turning a graceful shutdown
/// (SIGTERM/SIGINT) into "stop reading, deliver, checkpoint".
struct RuntimeService: Service {
    let runtime: EdgeTailRuntime
    let mode: PipelineRunner.Mode

    func run() async throws {
        let stop = StopSignal()
        try await withGracefulShutdownHandler {
            try await runtime.run(mode: mode, stop: stop)
        } onGracefulShutdown: {
            stop.stop()
        }
    }
}

/// The end-of-run table of what became of the lines.
enum RunSummary {
    static func print(_ counts: [String: PipelineCounts]) {
        var text = ""
        for (name, count) in counts.sorted(by: { $0.key < $1.key }) {
            text += "pipeline \(name): \(count.lines) lines, \(count.pageViews) page views, \(count.linkClicks) link clicks, "
            text += "\(count.droppedTotal) dropped"
            if !count.dropped.isEmpty {
                text += " (" + count.dropped.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
            }
            text += ", \(count.failed) failed\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
    }
}

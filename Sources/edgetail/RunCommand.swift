import ArgumentParser
import EdgeTail
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `edgetail run`: runs the pipelines until SIGINT/SIGTERM (or, with `--once`,
/// until everything there is has been read and delivered). SIGHUP reads the
/// configuration again and applies it; `api:` serves `/metrics`, `/health` and the
/// `/api/v1` endpoints of `edgetail top` and `edgetail tap`.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Runs the configured pipelines.")

    @OptionGroup var options: ConfigurationOptions

    @Flag(help: "Read the files to their end, deliver everything, then exit.")
    var once = false

    @Option(help: "Also write the final counts as JSON to this file.")
    var summaryJSON: String?

    func run() async throws {
        MallocArenas.limitUnlessConfigured()
        let configuration = try options.load()
        let logger = options.makeLogger(label: "edgetail", configuration: configuration)
        let metrics = configuration.api.map { _ in MetricsExporter() }
        let runtime: EdgeTailRuntime
        do {
            runtime = try EdgeTailRuntime(configuration: configuration, logger: logger, metrics: metrics)
        } catch {
            logger.error("cannot start", metadata: ["error": "\(error)"])
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // The group shuts services down in reverse order: the api goes last, so it
        // answers until the pipelines have delivered and checkpointed.
        var server: TelemetryServer?
        if let api = configuration.api, let metrics {
            let made = TelemetryServer(configuration: api, exporter: metrics, logger: logger, tap: runtime.tap,
                                       stats: { runtime.statsDocument() }) { runtime.telemetrySnapshot() }
            services.append(.init(service: made))
            server = made
        }
        if !once {
            // Trapped before "started" is logged, so a SIGHUP after it never kills the process.
            let hangups = await UnixSignalsSequence(trapping: .sighup)
            services.append(.init(service: ReloadService(runtime: runtime, options: options, signals: hangups, logger: logger),
                                  successTerminationBehavior: .gracefullyShutdownGroup))
        }
        services.append(.init(service: RuntimeService(runtime: runtime, mode: once ? .once : .follow, api: server),
                              successTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("started", metadata: [
            "config": "\(options.config)", "version": "\(EdgeTailVersion.string)",
            "pipelines": "\(runtime.runners.map(\.plan.name))", "mode": "\(once ? "once" : "follow")",
        ])
        var failure: (any Error)?
        do {
            try await group.run()
        } catch {
            failure = error
        }
        let counts = runtime.counts
        let deliveries = runtime.deliveryReports
        RunSummary.print(counts, deliveries: deliveries)
        if let summaryJSON {
            try RunSummary.json(counts, deliveries: deliveries).write(to: URL(fileURLWithPath: summaryJSON))
        }
        if let failure {
            logger.error("stopped with an error", metadata: ["error": "\(failure)"])
            throw failure
        }
        let unsettled = deliveries.filter { !$0.value.settled }
        if once && !unsettled.isEmpty {
            // Everything was read but not everything delivered: say so in the status too.
            logger.error("not every event was delivered; what is left is sent on the next run",
                         metadata: ["sinks": "\(unsettled.keys.sorted())"])
            throw ExitCode(RunCommand.undeliveredExitStatus)
        }
        logger.info("stopped")
    }

    /// `--once` exit status when events are left waiting (EX_TEMPFAIL: try again later).
    static let undeliveredExitStatus: Int32 = 75
}

/// Runs the runtime inside the service group, turning a graceful shutdown
/// (SIGTERM/SIGINT) into "stop reading, deliver, checkpoint". With an api, nothing is
/// read before it listens: an address in use ends the run before it starts.
struct RuntimeService: Service {
    let runtime: EdgeTailRuntime
    let mode: PipelineRunner.Mode
    let api: TelemetryServer?

    func run() async throws {
        if let api { _ = try await api.listeningPort() }
        let stop = StopSignal()
        try await withGracefulShutdownHandler {
            try await runtime.run(mode: mode, stop: stop)
        } onGracefulShutdown: {
            stop.stop()
        }
    }
}

/// SIGHUP: reads the configuration file again, validates it like `edgetail validate`,
/// and applies it; an invalid one is logged and the running one stays.
struct ReloadService: Service {
    let runtime: EdgeTailRuntime
    let options: ConfigurationOptions
    let signals: UnixSignalsSequence
    let logger: Logger

    func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.info("SIGHUP: reading the configuration again", metadata: ["config": "\(options.config)"])
            let configuration: EdgeTailConfiguration
            do {
                configuration = try options.load()
                let report = ConfigurationValidator.validate(configuration, mainFile: options.config)
                guard report.isValid else { throw ConfigurationErrors(report.errors) }
                for warning in report.warnings { logger.warning("configuration: \(warning)") }
            } catch {
                runtime.recordRejectedReload()
                logger.error("new configuration rejected; the running one stays", metadata: ["error": "\(error)"])
                continue
            }
            if configuration.api != runtime.configuration.api || configuration.log != runtime.configuration.log {
                logger.warning("'api' and 'log' are read at start only; restart edgetail to change them")
            }
            do {
                try await runtime.reload(configuration)
            } catch {
                logger.error("new configuration rejected; the running one stays", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// The end-of-run table of what became of the lines, and of each sink's events.
enum RunSummary {
    static func print(_ counts: [String: PipelineCounts], deliveries: [String: DeliveryReport]) {
        var text = ""
        for (name, count) in counts.sorted(by: { $0.key < $1.key }) {
            text += "pipeline \(name): \(count.lines) lines, \(count.pageViews) page views, \(count.linkClicks) link clicks, "
            text += "\(count.droppedTotal) dropped"
            if !count.dropped.isEmpty {
                text += " (" + count.dropped.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
            }
            text += ", \(count.failed) failed"
            if let invalid = count.invalidValuesText { text += "; \(invalid)" }
            text += "\n"
        }
        for (name, report) in deliveries.sorted(by: { $0.key < $1.key }) {
            text += report.line(sink: name) + "\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// `--summary-json`: each pipeline's counts under its name, and the Edge sinks'
    /// delivery under `sinks` (a name no pipeline may take).
    static func json(_ counts: [String: PipelineCounts], deliveries: [String: DeliveryReport]) throws -> Data {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        struct Document: Encodable {
            var counts: [String: PipelineCounts]
            var deliveries: [String: DeliveryReport]
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                for (name, count) in counts { try container.encode(count, forKey: Key(stringValue: name)) }
                try container.encode(deliveries, forKey: Key(stringValue: "sinks"))
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(Document(counts: counts, deliveries: deliveries))
    }
}

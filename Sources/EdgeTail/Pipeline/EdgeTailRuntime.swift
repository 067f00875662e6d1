import Foundation
import Logging

/// Everything `edgetail run` runs: the pipelines of a configuration and their sinks.
public final class EdgeTailRuntime: Sendable {
    public let configuration: EdgeTailConfiguration
    public let runners: [PipelineRunner]
    let sinks: [String: any EventSink]

    public init(configuration: EdgeTailConfiguration, logger: Logger) throws {
        self.configuration = configuration
        let plans = try ConfigurationValidator.plans(for: configuration)
        var sinks: [String: any EventSink] = [:]
        for (name, sink) in configuration.sinks where plans.contains(where: { $0.sink == name }) {
            switch sink.type {
            case .file: sinks[name] = try FileSink(path: sink.path ?? "")
            case .console: sinks[name] = FileSink(console: ())
            case .edge:
                guard let edge = sink.edge else { continue }
                sinks[name] = try EdgeSink(name: name, configuration: edge, dataDirectory: configuration.dataDirectory, logger: logger)
            }
        }
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        runners = try plans.map { plan in
            guard let sink = sinks[plan.sink] else {
                throw ConfigurationError(file: configuration.origins["pipeline:" + plan.name] ?? "", keyPath: "pipeline '\(plan.name)': sink",
                                         message: "unknown sink '\(plan.sink)'")
            }
            var pipelineLogger = logger
            pipelineLogger[metadataKey: "pipeline"] = "\(plan.name)"
            return PipelineRunner(plan: plan, sink: sink, dataDirectory: configuration.dataDirectory, logger: pipelineLogger)
        }
        self.sinks = sinks
    }

    /// Runs every pipeline until `stop` is set (or, in `.once` mode, until all is read).
    public func run(mode: PipelineRunner.Mode, stop: StopSignal) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for runner in runners {
                group.addTask { try await runner.run(mode: mode, stop: stop) }
            }
            try await group.waitForAll()
        }
    }

    /// The Edge sinks, by name, for their statistics.
    public var edgeSinks: [String: EdgeSink] {
        sinks.compactMapValues { $0 as? EdgeSink }
    }

    /// Counts of all pipelines, by pipeline name.
    public var counts: [String: PipelineCounts] {
        Dictionary(runners.map { ($0.plan.name, $0.statistics.snapshot) }, uniquingKeysWith: { first, _ in first })
    }
}

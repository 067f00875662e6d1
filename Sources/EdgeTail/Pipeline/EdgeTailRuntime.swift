import Foundation
import Logging
import Synchronization

/// Everything `edgetail run` runs: the pipelines of a configuration and their sinks,
/// grouped by sink (pipelines that share a sink share its queue and its lifetime).
///
/// `reload(_:)` applies a new configuration while running: a group whose pipelines or
/// sink changed (or that stopped on an error) is stopped — its pipelines checkpoint
/// what was acknowledged — and started anew from the new configuration; groups that
/// did not change keep running untouched. A pipeline that fails (a sink stopped by
/// 403, an unreadable journal) stays stopped until a reload, and `/health` says so.
public final class EdgeTailRuntime: Sendable {
    let logger: Logger
    let metrics: MetricsExporter?
    /// Every pipeline's lines, for `edgetail tap`; outlives reloads.
    public let tap: LineTap
    private let state: Mutex<State>
    /// Given by every Edge sink when a request ends or its buffer fills or frees:
    /// the follow loop logs state changes when woken by it, not by a timer.
    private let sinkActivity = ChangeSignal()

    /// A sink and the pipelines that send to it.
    struct Group: Sendable {
        var sink: String
        var fingerprint: String
        var runners: [PipelineRunner]
        var shared: SharedSink
        var edge: EdgeSink?
        var stop = StopSignal()
        var task: Task<Void, Never>?
    }

    struct State: Sendable {
        var configuration: EdgeTailConfiguration
        var groups: [String: Group] = [:]
        var mode: PipelineRunner.Mode?
        var running = false
        var failures: [String: String] = [:]
        var errors: [any Error] = []
        /// Totals of pipelines and sinks that a reload replaced.
        var retiredCounts: [String: PipelineCounts] = [:]
        var retiredFiles: [String: FileSourceCounts] = [:]
        var retiredSinks: [String: EdgeSinkCounts] = [:]
        var reloads: [String: Int] = [:]
    }

    public init(configuration: EdgeTailConfiguration, logger: Logger, metrics: MetricsExporter? = nil, tap: LineTap = LineTap()) throws {
        self.logger = logger
        self.metrics = metrics
        self.tap = tap
        let groups = try Self.makeGroups(configuration, logger: logger, metrics: metrics, activity: sinkActivity, tap: tap)
        state = Mutex(State(configuration: configuration, groups: groups))
    }

    public var configuration: EdgeTailConfiguration { state.withLock { $0.configuration } }

    /// The runners now running, in configuration order.
    public var runners: [PipelineRunner] {
        state.withLock { state in
            let all = state.groups.values.flatMap(\.runners)
            let order = state.configuration.pipelines.map(\.name)
            return all.sorted { (order.firstIndex(of: $0.plan.name) ?? 0) < (order.firstIndex(of: $1.plan.name) ?? 0) }
        }
    }

    /// Runs every pipeline until `stop` is set (or, in `.once` mode, until all is
    /// read). Throws the first pipeline error once everything has stopped.
    public func run(mode: PipelineRunner.Mode, stop: StopSignal) async throws {
        state.withLock { state in
            state.mode = mode
            state.running = true
            for name in state.groups.keys.sorted() {
                if let group = state.groups[name] { state.groups[name]?.task = start(group, mode: mode) }
            }
        }
        if mode == .follow {
            // This loop relays the caller's stop signal to the pipelines (at once: it waits
            // on the signal), logs changes of the sinks' state when a sink signals activity
            // (at most once a second, however busy) and, every `log.summary_interval`, a
            // summary. Idle, it sleeps until the next summary.
            var lastSummary = ContinuousClock.now
            var watcher = SinkStateWatcher()
            while !stop.isStopped && !Task.isCancelled {
                let seen = sinkActivity.generation
                let observed = ContinuousClock.now
                watcher.observe(telemetrySnapshot().sinks, logger: logger)
                let interval = configuration.log.summaryInterval
                let summaryEvery = Duration.milliseconds(Int(interval * 1000))
                if interval > 0 && ContinuousClock.now - lastSummary >= summaryEvery {
                    lastSummary = .now
                    logSummary()
                }
                await waitForActivity(after: seen, until: interval > 0 ? lastSummary + summaryEvery : nil, stop: stop)
                let spacing = observed + .seconds(1) - ContinuousClock.now
                if spacing > .zero { await stop.wait(upTo: spacing) }
            }
        }
        let tasks = state.withLock { state in
            state.running = mode == .once
            return state.groups.values.map { group -> Task<Void, Never>? in
                if mode == .follow { group.stop.stop() }
                return group.task
            }
        }
        for task in tasks { await task?.value }
        let errors = state.withLock { state in
            state.running = false
            return state.errors
        }
        if let first = errors.first { throw first }
    }

    /// Returns when a sink signals activity after `seen`, at `deadline`, or on `stop`.
    private func waitForActivity(after seen: UInt64, until deadline: ContinuousClock.Instant?, stop: StopSignal) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await stop.waitUntilStopped() }
            group.addTask { await self.sinkActivity.wait(after: seen, until: deadline) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Applies a new configuration; see the type's description. Throws (and changes
    /// nothing) when the configuration cannot be planned.
    public func reload(_ configuration: EdgeTailConfiguration) async throws {
        let old = state.withLock { $0 }
        let newFingerprints: [String: String]
        do {
            newFingerprints = try Self.fingerprints(configuration)
        } catch {
            countReload("rejected")
            throw error
        }
        let failedSinks = Set(old.groups.values.filter { group in group.runners.contains { old.failures[$0.plan.name] != nil } }.map(\.sink))
        let changed = Set(old.groups.keys).union(newFingerprints.keys).filter { name in
            old.groups[name]?.fingerprint != newFingerprints[name] || failedSinks.contains(name)
        }
        // Stop the changed groups and wait for their final checkpoints.
        var stopping: [Group] = []
        for name in changed.sorted() {
            if let group = old.groups[name] {
                logger.info("stopping pipelines to apply the new configuration",
                            metadata: ["sink": "\(name)", "pipelines": "\(group.runners.map(\.plan.name))"])
                group.stop.stop()
                stopping.append(group)
            }
        }
        for group in stopping {
            if let task = group.task {
                await task.value
            } else {
                // Never started (a reload right at start): its sink still holds a client to close.
                try? await group.shared.sink.drain()
            }
        }
        // The new sinks are made only now: a sink's disk buffer admits one owner at a
        // time, so the old sink must have drained and let go of it first.
        var fresh: [String: Group] = [:]
        if !changed.isEmpty {
            do {
                fresh = try Self.makeGroups(configuration, only: changed, logger: logger, metrics: metrics, activity: sinkActivity, tap: tap)
            } catch {
                countReload("rejected")
                logger.error("cannot build the new configuration's sinks; the previous ones are restarted", metadata: ["error": "\(error)"])
                let restored = (try? Self.makeGroups(old.configuration, only: Set(stopping.map(\.sink)), logger: logger, metrics: metrics,
                                                      activity: sinkActivity, tap: tap)) ?? [:]
                state.withLock { state in
                    for (name, group) in restored {
                        var group = group
                        if let mode = state.mode, state.running { group.task = start(group, mode: mode) }
                        state.groups[name] = group
                    }
                }
                throw error
            }
        }
        let unchanged = Set(old.groups.keys).subtracting(changed)
        state.withLock { state in
            for group in stopping {
                for runner in group.runners {
                    state.retiredCounts[runner.plan.name, default: PipelineCounts()].add(runner.statistics.snapshot)
                    state.retiredFiles[runner.plan.name] = (state.retiredFiles[runner.plan.name] ?? FileSourceCounts())
                        .adding(runner.fileStatistics.snapshot)
                    state.failures[runner.plan.name] = nil
                }
                if let edge = group.edge {
                    state.retiredSinks[group.sink] = (state.retiredSinks[group.sink] ?? EdgeSinkCounts()).adding(edge.statistics.snapshot)
                }
                state.groups[group.sink] = nil
            }
            state.errors = []
            state.configuration = configuration
            for (name, group) in fresh {
                var group = group
                if let mode = state.mode, state.running { group.task = start(group, mode: mode) }
                state.groups[name] = group
            }
            state.reloads["applied", default: 0] += 1
            metrics?.recordReload("applied")
        }
        logger.notice("configuration reloaded", metadata: [
            "restarted": "\(fresh.values.flatMap(\.runners).map(\.plan.name).sorted())",
            "unchanged": "\(unchanged.compactMap { old.groups[$0] }.flatMap(\.runners).map(\.plan.name).sorted())",
            "removed": "\(changed.subtracting(fresh.keys).compactMap { old.groups[$0] }.flatMap(\.runners).map(\.plan.name).sorted())",
        ])
    }

    /// One line of totals since start: what the operator reads to see it is working.
    func logSummary() {
        let snapshot = telemetrySnapshot()
        var lines = PipelineCounts()
        for pipeline in snapshot.pipelines.values { lines.add(pipeline.counts) }
        var metadata: Logger.Metadata = [
            "lines": "\(lines.lines)", "page_views": "\(lines.pageViews)", "link_clicks": "\(lines.linkClicks)",
            "dropped": "\(lines.droppedTotal)", "failed": "\(lines.failed)",
            "invalid_client_addresses": "\(lines.invalidClientAddresses)",
            "invalid_identities": "\(lines.invalidIdentities.values.reduce(0, +))",
            "lag_bytes": "\(snapshot.pipelines.values.compactMap(\.checkpointLagBytes).reduce(0, +))",
        ]
        if !snapshot.sinks.isEmpty {
            let sinks = snapshot.sinks.values
            metadata["delivered"] = "\(sinks.reduce(0) { $0 + $1.eventsDelivered })"
            metadata["dead_lettered"] = "\(sinks.reduce(0) { $0 + $1.eventsDeadLettered })"
            metadata["retries"] = "\(sinks.reduce(0) { $0 + $1.retries })"
            metadata["buffered"] = "\(sinks.reduce(0) { $0 + $1.buffer.memoryEvents + $1.buffer.diskEvents })"
        }
        let failed = snapshot.pipelines.filter { $0.value.failure != nil }.map(\.key).sorted()
        if !failed.isEmpty { metadata["stopped_pipelines"] = "\(failed)" }
        logger.info("summary", metadata: metadata)
    }

    /// Counts a reload that failed before reaching the runtime (an unreadable file).
    public func recordRejectedReload() {
        countReload("rejected")
    }

    private func countReload(_ result: String) {
        state.withLock { $0.reloads[result, default: 0] += 1 }
        metrics?.recordReload(result)
    }

    /// The Edge sinks, by name, for their statistics.
    public var edgeSinks: [String: EdgeSink] {
        state.withLock { state in state.groups.compactMapValues(\.edge) }
    }

    /// Counts of all pipelines, by pipeline name (including what replaced runners counted).
    public var counts: [String: PipelineCounts] {
        state.withLock { state in
            var counts = state.retiredCounts
            for runner in state.groups.values.flatMap(\.runners) { counts[runner.plan.name, default: PipelineCounts()].add(runner.statistics.snapshot) }
            return counts
        }
    }

    /// What became of each Edge sink's events, by sink name: the run summary's part
    /// that says whether everything was delivered.
    public var deliveryReports: [String: DeliveryReport] {
        let dataDirectory = configuration.dataDirectory
        return telemetrySnapshot().sinks.reduce(into: [:]) { reports, entry in
            reports[entry.key] = DeliveryReport(
                counts: entry.value,
                bufferDirectory: EdgeSink.bufferDirectory(dataDirectory: dataDirectory, sink: entry.key),
                deadLetterFile: DeadLetterStore.path(dataDirectory: dataDirectory, sink: entry.key))
        }
    }

    /// What `/metrics` and `/health` show, now.
    public func telemetrySnapshot() -> TelemetrySnapshot {
        state.withLock { state in
            var snapshot = TelemetrySnapshot()
            snapshot.running = state.running
            snapshot.reloads = state.reloads
            for group in state.groups.values {
                for runner in group.runners {
                    let name = runner.plan.name
                    var pipeline = TelemetrySnapshot.Pipeline(sink: group.sink)
                    pipeline.counts = state.retiredCounts[name] ?? PipelineCounts()
                    pipeline.counts.add(runner.statistics.snapshot)
                    pipeline.files = (state.retiredFiles[name] ?? FileSourceCounts()).adding(runner.fileStatistics.snapshot)
                    pipeline.checkpointLagBytes = runner.checkpointLagBytes()
                    pipeline.failure = state.failures[name]
                    snapshot.pipelines[name] = pipeline
                }
                if let edge = group.edge {
                    snapshot.sinks[group.sink] = (state.retiredSinks[group.sink] ?? EdgeSinkCounts()).adding(edge.statistics.snapshot)
                }
            }
            return snapshot
        }
    }

    // MARK: Groups

    /// The group's task: its Edge sink runs beside its pipelines, and ends once the
    /// last pipeline has drained it.
    private func start(_ group: Group, mode: PipelineRunner.Mode) -> Task<Void, Never> {
        let logger = logger
        return Task { [self] in
            await withTaskGroup(of: Void.self) { sinks in
                if let edge = group.edge { sinks.addTask { await edge.runUntilDrained() } }
                await runPipelines(group, mode: mode, logger: logger)
                // Drained by now, so it has ended; cancelling is only a safeguard.
                sinks.cancelAll()
            }
        }
    }

    private func runPipelines(_ group: Group, mode: PipelineRunner.Mode, logger: Logger) async {
        await withTaskGroup(of: Void.self) { tasks in
            for (index, runner) in group.runners.enumerated() {
                tasks.addTask {
                    do {
                        try await runner.run(mode: mode, stop: group.stop)
                    } catch {
                        logger.error("pipeline stopped", metadata: ["pipeline": "\(runner.plan.name)", "error": "\(error)"])
                        self.state.withLock { state in
                            state.failures[runner.plan.name] = "\(error)"
                            state.errors.append(error)
                        }
                    }
                    // A pipeline that failed before draining still lets go of the sink.
                    try? await group.shared.release(index)
                }
            }
        }
    }

    /// The groups of `configuration` (those named in `only`, when given), by sink name.
    static func makeGroups(_ configuration: EdgeTailConfiguration, only: Set<String>? = nil, logger: Logger,
                           metrics: MetricsExporter?, activity: ChangeSignal? = nil, tap: LineTap? = nil) throws -> [String: Group] {
        let plans = try ConfigurationValidator.plans(for: configuration)
        let fingerprints = try fingerprints(configuration)
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        var groups: [String: Group] = [:]
        do {
            try addGroups(to: &groups, configuration, plans: plans, fingerprints: fingerprints, only: only, logger: logger,
                          metrics: metrics, activity: activity, tap: tap)
        } catch {
            // Edge sinks made before the failure hold HTTP clients: close them.
            for group in groups.values { group.edge?.discard() }
            throw error
        }
        for plan in plans where configuration.sinks[plan.sink] == nil {
            throw ConfigurationError(file: configuration.origins["pipeline:" + plan.name] ?? "", keyPath: "pipeline '\(plan.name)': sink",
                                     message: "unknown sink '\(plan.sink)'")
        }
        return groups
    }

    private static func addGroups(to groups: inout [String: Group], _ configuration: EdgeTailConfiguration, plans: [PipelinePlan],
                                  fingerprints: [String: String], only: Set<String>?, logger: Logger, metrics: MetricsExporter?,
                                  activity: ChangeSignal?, tap: LineTap?) throws {
        for (name, sinkConfiguration) in configuration.sinks where only?.contains(name) ?? true {
            let groupPlans = plans.filter { $0.sink == name }
            guard !groupPlans.isEmpty, let fingerprint = fingerprints[name] else { continue }
            let sink: any EventSink
            var edge: EdgeSink?
            switch sinkConfiguration.type {
            case .file: sink = try FileSink(path: sinkConfiguration.path ?? "")
            case .console: sink = FileSink(console: ())
            case .edge:
                guard let edgeConfiguration = sinkConfiguration.edge else { continue }
                let made = try EdgeSink(name: name, configuration: edgeConfiguration, dataDirectory: configuration.dataDirectory, logger: logger,
                                        diskBuffer: true, activity: activity)
                if let metrics {
                    made.requestLatency.attach(metrics.latencyTimer(sink: name))
                    made.statistics.attach(metrics.sinkMetrics(name))
                }
                edge = made
                sink = made
            }
            let shared = SharedSink(sink: sink, holders: groupPlans.count)
            let runners = groupPlans.enumerated().map { index, plan in
                var pipelineLogger = logger
                pipelineLogger[metadataKey: "pipeline"] = "\(plan.name)"
                let runner = PipelineRunner(plan: plan, sink: shared.lease(index), dataDirectory: configuration.dataDirectory,
                                            logger: pipelineLogger, tap: tap)
                if let metrics {
                    let counters = metrics.pipelineMetrics(plan.name)
                    runner.statistics.attach(counters)
                    runner.fileStatistics.attach(counters)
                }
                return runner
            }
            groups[name] = Group(sink: name, fingerprint: fingerprint, runners: runners, shared: shared, edge: edge)
        }
    }

    /// A fingerprint per used sink: the sink's configuration, its pipelines' and the
    /// data directory. Equal fingerprints mean the group would be built the same.
    static func fingerprints(_ configuration: EdgeTailConfiguration) throws -> [String: String] {
        let plans = try ConfigurationValidator.plans(for: configuration)
        var result: [String: String] = [:]
        for (name, sink) in configuration.sinks {
            let pipelines = configuration.pipelines.filter { $0.sink == name }.sorted { $0.name < $1.name }
            guard plans.contains(where: { $0.sink == name }) else { continue }
            result[name] = ConfigurationFingerprint.of(configuration.dataDirectory, sink, pipelines)
        }
        return result
    }
}

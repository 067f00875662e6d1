import EdgeTail
import Foundation

/// What `edgetail top` draws: the latest stats document, with rates against the one
/// before it, or what it waits for while the daemon cannot be reached.
struct TopView {
    let url: String
    private var current: StatsDocument?
    private var previous: StatsDocument?
    /// Why the last fetch failed, while the daemon cannot be reached.
    private var unreachable: String?
    private var lostAt: Date?

    init(url: String) { self.url = url }

    mutating func observe(_ document: StatsDocument) {
        previous = current
        current = document
        unreachable = nil
        lostAt = nil
    }

    mutating func lost(_ reason: String) {
        unreachable = reason
        if current != nil && lostAt == nil { lostAt = Date() }
        // Rates resume from the next two documents: a restarted daemon counts from zero.
        previous = nil
    }

    func frame(width: Int) -> [String] {
        var lines: [String] = []
        let clock = Self.clock(Date())
        if let unreachable {
            lines.append("edgetail top  \(clock)  waiting for \(url)  (q quits)")
            if let lostAt, current != nil {
                lines.append("lost at \(Self.clock(lostAt)): \(unreachable); the last figures seen follow")
            } else {
                lines.append(unreachable)
            }
        }
        guard let current else { return lines.map { Self.cut($0, width) } }
        if unreachable == nil {
            let health = current.health.isHealthy ? "ok" : "UNAVAILABLE"
            lines.append("edgetail top  \(clock)  \(url)  version \(current.version)  health \(health)  (q quits)")
            for reason in current.health.reasons ?? [] { lines.append("  ! \(reason)") }
        }
        lines.append("")
        lines += pipelineLines(current)
        if !current.sinks.isEmpty {
            lines.append("")
            lines += sinkLines(current)
        }
        lines.append("")
        lines.append("tap: \(current.tap.subscribers) subscribers, \(current.tap.droppedSamples) samples dropped"
                     + (current.reloads.isEmpty ? "" : "; reloads: " + Self.list(current.reloads)))
        return lines.map { Self.cut($0, width) }
    }

    private func pipelineLines(_ current: StatsDocument) -> [String] {
        var rows: [[String]] = []
        var details: [String: [String]] = [:]
        for (name, pipeline) in current.pipelines.sorted(by: { $0.key < $1.key }) {
            let counts = pipeline.counts
            let before = previous?.pipelines[name]?.counts
            rows.append([name, pipeline.sink,
                         rate(counts.lines, before?.lines), rate(counts.pageViews + counts.linkClicks, before.map { $0.pageViews + $0.linkClicks }),
                         rate(counts.droppedTotal, before?.droppedTotal), rate(counts.failed, before?.failed),
                         "\(counts.lines)", "\(counts.pageViews + counts.linkClicks)", "\(counts.droppedTotal)", "\(counts.failed)",
                         pipeline.checkpointLagBytes.map(Self.bytes) ?? "-", pipeline.failure == nil ? "running" : "STOPPED"])
            var notes: [String] = []
            if !counts.dropped.isEmpty {
                notes.append("drops: " + counts.dropped.sorted { $0.value > $1.value }.map { reason, count in
                    "\(reason) \(count) (\(rate(count, before.map { $0.dropped[reason] ?? 0 })))"
                }.joined(separator: ", "))
            }
            if !counts.failedByReason.isEmpty {
                notes.append("failures: " + counts.failedByReason.sorted { $0.value > $1.value }.prefix(5)
                    .map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            if let failure = pipeline.failure { notes.append("stopped: \(failure)") }
            details[name] = notes
        }
        let header = ["PIPELINE", "SINK", "LINES/S", "EVENTS/S", "DROPS/S", "FAILED/S", "LINES", "EVENTS", "DROPPED", "FAILED", "LAG", "STATE"]
        var lines: [String] = []
        let table = Self.align(header: header, rows: rows)
        lines.append(table[0])
        for (index, name) in current.pipelines.keys.sorted().enumerated() {
            lines.append(table[index + 1])
            lines += (details[name] ?? []).map { "    " + $0 }
        }
        return lines
    }

    private func sinkLines(_ current: StatsDocument) -> [String] {
        var rows: [[String]] = []
        var details: [[String]] = []
        for (name, sink) in current.sinks.sorted(by: { $0.key < $1.key }) {
            let counts = sink.counts
            let before = previous?.sinks[name]?.counts
            let requests = counts.requests.values.reduce(0, +)
            let buffer = counts.buffer
            rows.append([name, rate(requests, before.map { $0.requests.values.reduce(0, +) }),
                         sink.latency.map { Self.milliseconds($0.p50Seconds) } ?? "-",
                         sink.latency.map { Self.milliseconds($0.p99Seconds) } ?? "-",
                         rate(counts.requestUnits, before?.requestUnits),
                         "\(counts.retries)", rate(counts.eventsDelivered, before?.eventsDelivered), "\(counts.eventsDelivered)",
                         "\(counts.eventsDeadLettered)",
                         "\(buffer.memoryEvents)/\(Self.bytes(UInt64(buffer.memoryBytes)))",
                         "\(buffer.diskEvents)/\(Self.bytes(UInt64(buffer.diskBytes)))",
                         buffer.oldestEventAgeSeconds.map { String(format: "%.0fs", $0) } ?? "-",
                         counts.fatalError == nil ? (buffer.blocked ? "BLOCKED" : "sending") : "STOPPED"])
            var notes: [String] = []
            if !counts.errors.isEmpty { notes.append("errors: " + Self.list(counts.errors)) }
            if !counts.warnings.isEmpty { notes.append("warnings: " + Self.list(counts.warnings)) }
            if !buffer.drops.isEmpty { notes.append("buffer drops: " + Self.list(buffer.drops)) }
            if let fatal = counts.fatalError { notes.append("stopped: \(fatal)") }
            details.append(notes)
        }
        let header = ["SINK", "REQ/S", "P50", "P99", "RU/S", "RETRIES", "EVENTS/S", "DELIVERED", "DEAD", "MEMORY", "DISK", "OLDEST", "STATE"]
        let table = Self.align(header: header, rows: rows)
        var lines = [table[0]]
        for (index, notes) in details.enumerated() {
            lines.append(table[index + 1])
            lines += notes.map { "    " + $0 }
        }
        return lines
    }

    /// Per second between the previous document and this one; `-` for the first.
    private func rate(_ now: Int, _ before: Int?) -> String {
        guard let before, let current, let previous, current.time > previous.time else { return "-" }
        let perSecond = Double(now - before) / (current.time - previous.time)
        return perSecond >= 100 ? String(format: "%.0f", perSecond) : String(format: "%.1f", perSecond)
    }

    static func align(header: [String], rows: [[String]]) -> [String] {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }

    static func list(_ counts: [String: Int]) -> String {
        counts.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    static func milliseconds(_ seconds: Double) -> String {
        String(format: "%.1fms", seconds * 1000)
    }

    static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count)B" : String(format: "%.1f%@", value, units[unit])
    }

    static func clock(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: date)
    }

    /// A line no wider than the terminal, so nothing wraps and the frame keeps its shape.
    static func cut(_ line: String, _ width: Int) -> String {
        line.count > width ? String(line.prefix(max(width - 1, 0))) + "…" : line
    }
}

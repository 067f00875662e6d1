import ArgumentParser
import EdgeTail
import Foundation

/// `edgetail parse`: shows what a pipeline makes of each line on stdin — the tool
/// for writing rules. One JSON object per input line on stdout, counts on stderr.
struct ParseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse", abstract: "Maps log lines from stdin through a pipeline and prints each outcome as JSON.")

    @OptionGroup var options: ConfigurationOptions

    @Option(help: "The pipeline to use; required when the configuration has several.")
    var pipeline: String?

    @Flag(help: "After the lines, print outcomes by reason and, for page views and each drop reason, the top user agents and paths.")
    var report = false

    func run() async throws {
        let configuration = try options.load()
        let plans: [PipelinePlan]
        do {
            plans = try ConfigurationValidator.plans(for: configuration)
        } catch {
            throw CommandFailure(message: error.description)
        }
        let plan: PipelinePlan
        if let pipeline {
            guard let named = plans.first(where: { $0.name == pipeline }) else {
                throw CommandFailure(message: "no pipeline '\(pipeline)'; defined: \(plans.map(\.name).joined(separator: ", "))")
            }
            plan = named
        } else {
            guard plans.count == 1, let only = plans.first else {
                throw CommandFailure(message: "the configuration has \(plans.count) pipelines; choose one with --pipeline (\(plans.map(\.name).joined(separator: ", ")))")
            }
            plan = only
        }
        var inspector = LineInspector(plan: plan)
        inspector.describesRequests = report
        var parseReport = ParseReport()
        var framer = LineFramer(maxLineBytes: plan.source.maxLineBytes, startOffset: 0)
        let input = FileHandle.standardInput
        let output = FileHandle.standardOutput
        var lineNumber = 0
        var counts = PipelineCounts()
        var pendingTail = false
        while true {
            let chunk = input.readData(ofLength: 256 * 1024)
            var bytes = [UInt8](chunk)
            if chunk.isEmpty {
                // A last line without a newline still counts.
                guard pendingTail else { break }
                bytes = [0x0A]
                pendingTail = false
            } else {
                pendingTail = bytes.last != 0x0A
            }
            let framed = bytes.withUnsafeBufferPointer { framer.frame($0) }
            var text: [UInt8] = []
            for line in framed.lines {
                lineNumber += 1
                let inspection = inspector.inspect(framed.bytes, line: line, number: lineNumber)
                counts.record(inspection.outcome, namespace: inspection.namespace)
                if report { parseReport.add(inspection.outcome, userAgent: inspection.userAgent, path: inspection.path) }
                text += inspection.json
                text.append(0x0A)
            }
            output.write(Data(text))
            if chunk.isEmpty { break }
        }
        var summary = "\(counts.lines) lines: \(counts.pageViews) page views, \(counts.linkClicks) link clicks, \(counts.droppedTotal) dropped"
        if !counts.dropped.isEmpty {
            summary += " (" + counts.dropped.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        }
        inspector.takeInvalidValueCounts(into: &counts)
        summary += ", \(counts.failed) failed"
        if let invalid = counts.invalidValuesText { summary += "; \(invalid)" }
        summary += "\n"
        FileHandle.standardError.write(Data(summary.utf8))
        if report { output.write(Data(("\n" + parseReport.text).utf8)) }
    }
}

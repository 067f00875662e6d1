import ArgumentParser
import EdgeTail
import Foundation

/// `edgetail status`: what waits in each Edge sink's disk buffer — the second thing
/// to look at when events lag (after `edgetail checkpoints`).
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Prints each Edge sink's disk buffer: segments, bytes, events, oldest event, damaged segments.")

    @OptionGroup var options: ConfigurationOptions

    @Flag(help: "Print JSON Lines instead of a table.")
    var json = false

    func run() async throws {
        let configuration = try options.load()
        let sinks = configuration.sinks.filter { $0.value.type == .edge }.keys.sorted()
        let reports = sinks.map { BufferReport.make(dataDirectory: configuration.dataDirectory, sink: $0) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for report in reports { print(String(decoding: try encoder.encode(report), as: UTF8.self)) }
            return
        }
        let header = ["SINK", "SEGMENTS", "BYTES", "EVENTS", "OLDEST", "DAMAGED", "STATE"]
        let rows = reports.map { report in
            [report.sink, "\(report.segments)", "\(report.bytes)", "\(report.events)",
             report.oldestEventAgeSeconds.map { "\(Int($0))s ago" } ?? "-", "\(report.corruptSegments)",
             report.inUse ? "in use" : "idle"]
        }
        TextTable.print(header: header, rows: rows)
        if reports.isEmpty { print("no edge sinks in this configuration") }
        for report in reports where report.corruptSegments > 0 {
            print("\(report.sink): \(report.corruptSegments) damaged segment(s) moved aside in \(report.directory)/corrupt")
        }
    }
}

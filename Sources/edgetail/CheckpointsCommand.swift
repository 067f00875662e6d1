import ArgumentParser
import EdgeTail
import Foundation

/// `edgetail checkpoints`: where each followed file is acknowledged up to, and how
/// far that is behind the file's end — the first thing to look at when events lag.
struct CheckpointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoints", abstract: "Prints each file's checkpoint: identity, path, offset, size and lag in bytes.")

    @OptionGroup var options: ConfigurationOptions

    @Option(help: "Only this pipeline.")
    var pipeline: String?

    @Flag(help: "Print JSON Lines instead of a table.")
    var json = false

    func run() async throws {
        let configuration = try options.load()
        let names = configuration.pipelines.map(\.name).filter { pipeline == nil || $0 == pipeline }
        if let pipeline, names.isEmpty {
            throw CommandFailure(message: "no pipeline '\(pipeline)'; defined: \(configuration.pipelines.map(\.name).joined(separator: ", "))")
        }
        var reports: [FileCheckpointReport] = []
        for name in names {
            let store = CheckpointStore(dataDirectory: configuration.dataDirectory, pipeline: name)
            do {
                reports += FileCheckpointReport.make(pipeline: name, entries: try store.load() ?? [])
            } catch {
                throw CommandFailure(message: error.description)
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            for report in reports {
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            }
            return
        }
        let header = ["PIPELINE", "IDENTITY", "PATH", "OFFSET", "SIZE", "LAG", "STATE"]
        let rows = reports.map { report in
            [report.pipeline, report.sourceID, report.path, "\(report.offset)",
             report.size.map(String.init) ?? "-", report.lag.map(String.init) ?? "-", report.state.rawValue]
        }
        TextTable.print(header: header, rows: rows)
        if reports.isEmpty { print("no checkpoints yet in \(configuration.dataDirectory)/checkpoints") }
    }
}

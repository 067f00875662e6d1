import ArgumentParser
import EdgeTail
import Foundation

/// `edgetail dead-letters list|replay`: what the Edge Network refused, and resending it.
struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters", abstract: "Shows and resends events the Edge Network refused.",
        subcommands: [List.self, Replay.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists dead letters: time, sink, status, identity, reason.")
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let configuration = try options.load()
            var total = 0
            for name in configuration.sinks.keys.sorted() where configuration.sinks[name]?.type == .edge {
                let path = DeadLetterStore.path(dataDirectory: configuration.dataDirectory, sink: name)
                let entries = try DeadLetterReplay.read(path: path) + DeadLetterReplay.read(path: path + ".replaying")
                total += entries.count
                for entry in entries {
                    print("\(entry.time)  \(name)  \(entry.status.map(String.init) ?? "-")  \(entry.identityNamespace):\(entry.identityID ?? "-")  \(entry.reason)")
                }
            }
            FileHandle.standardError.write(Data("\(total) dead letter(s)\n".utf8))
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resends dead letters; accepted ones are removed, refused ones are kept with the new reason.")
        @OptionGroup var options: ConfigurationOptions
        @Option(help: "Only this sink.") var sink: String?

        func run() async throws {
            let configuration = try options.load()
            let logger = options.makeLogger(label: "edgetail")
            for name in configuration.sinks.keys.sorted() where sink == nil || sink == name {
                guard let edge = configuration.sinks[name]?.edge else { continue }
                let outcome = try await DeadLetterReplay.replay(sink: name, configuration: edge, dataDirectory: configuration.dataDirectory, logger: logger)
                print("\(name): \(outcome.resent) resent, \(outcome.accepted) accepted, \(outcome.deadLetteredAgain) refused again")
            }
        }
    }
}

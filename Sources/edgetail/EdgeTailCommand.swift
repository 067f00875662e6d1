import ArgumentParser
import EdgeTail

/// The `edgetail` command line: each subcommand is a thin shell over the library.
struct EdgeTailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgetail",
        abstract: "Tails web-server logs and ships them as XDM events to the Adobe Edge Network.",
        version: EdgeTailVersion.string,
        subcommands: [
            RunCommand.self,
            ValidateCommand.self,
            DemoCommand.self,
            DeadLettersCommand.self,
            ParseCommand.self,
            CollectorCommand.self,
            CheckpointsCommand.self,
            StatusCommand.self,
            DetectCommand.self,
            TopCommand.self,
            TapCommand.self,
        ]
    )
}

import ArgumentParser
import EdgeTail
import Logging

/// Options every command that reads a configuration shares.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: [.short, .customLong("config")], help: "The configuration file.")
    var config: String = "/etc/edgetail/edgetail.yaml"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default: the configuration's log.level, else info).")
    var logLevel: Logger.Level?

    func load() throws -> EdgeTailConfiguration {
        do {
            return try ConfigurationLoader().load(path: config)
        } catch {
            throw CommandFailure(message: error.description)
        }
    }

    func makeLogger(label: String) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = logLevel ?? .info
        return logger
    }

    /// The logger `log:` of the configuration asks for; `--log-level` wins over its level.
    func makeLogger(label: String, configuration: EdgeTailConfiguration) -> Logger {
        LogSetup.makeLogger(label: label, configuration: configuration.log, levelOverride: logLevel)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// A failure the user must act on: printed as is, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

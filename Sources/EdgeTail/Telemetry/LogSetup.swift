import Logging

/// Makes edgetail's own logger from `log:` — text (swift-log's stream format) or JSON
/// lines, on standard error. A level given on the command line wins over the file's.
public enum LogSetup {
    public static func makeLogger(label: String, configuration: LogConfiguration, levelOverride: Logger.Level? = nil) -> Logger {
        var logger: Logger
        switch configuration.format {
        case .text: logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        case .json: logger = Logger(label: label) { JSONLogHandler(label: $0) }
        }
        logger.logLevel = levelOverride ?? configuration.level.loggerLevel
        return logger
    }
}

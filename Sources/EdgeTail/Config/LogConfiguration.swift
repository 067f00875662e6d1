import Logging

/// `log:` — edgetail's own log on standard error (journald captures it under systemd).
public struct LogConfiguration: Decodable, Sendable, Equatable {
    public enum Format: String, ConfigurationWord { case text, json }
    public enum Level: String, ConfigurationWord {
        case trace, debug, info, notice, warning, error, critical

        public var loggerLevel: Logger.Level {
            switch self {
            case .trace: .trace
            case .debug: .debug
            case .info: .info
            case .notice: .notice
            case .warning: .warning
            case .error: .error
            case .critical: .critical
            }
        }
    }

    public var format: Format
    public var level: Level
    /// Seconds between summary lines while running (counts so far); 0 turns them off.
    public var summaryInterval: Double

    enum CodingKeys: String, CodingKey, CaseIterable {
        case format, level
        case summaryInterval = "summary_interval"
    }

    public init(format: Format = .text, level: Level = .info, summaryInterval: Double = 300) {
        self.format = format
        self.level = level
        self.summaryInterval = summaryInterval
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decodeIfPresent(Format.self, forKey: .format) ?? .text
        level = try container.decodeIfPresent(Level.self, forKey: .level) ?? .info
        summaryInterval = try container.decodeIfPresent(Seconds.self, forKey: .summaryInterval)?.value ?? 300
        guard summaryInterval >= 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .summaryInterval, in: container, debugDescription: "expected a number of seconds, 0 or more (0: no summaries)")
        }
    }
}

/// Failures of the stand-in itself (not of the requests it judges).
public enum LocalEdgeError: Error, CustomStringConvertible, Sendable {
    /// The configuration cannot be served, e.g. an unsupported fault status.
    case invalidConfiguration(String)
    /// The listener could not be bound or stopped before reporting its port.
    case startFailed(String)
    /// ``LocalEdgeServer/start()`` was called twice.
    case alreadyStarted
    /// The database exists but is not one the collector wrote.
    case databaseUnavailable(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): return "invalid collector configuration: \(reason)"
        case .startFailed(let reason): return "collector failed to start: \(reason)"
        case .alreadyStarted: return "collector already started"
        case .databaseUnavailable(let path, let reason): return "cannot use database \(path): \(reason)"
        }
    }
}

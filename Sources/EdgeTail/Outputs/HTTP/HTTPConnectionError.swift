/// Why a request got no answer. Each says what an operator can check; none carries a
/// header or a body, so no credential ends up in a log.
enum HTTPConnectionError: Error, CustomStringConvertible, Equatable {
    case invalidURL(String, reason: String)
    /// TLS could not be set up (the system's trust roots could not be read, for example).
    case tlsUnavailable(String)
    case connectFailed(String, reason: String)
    /// No complete answer within the request's deadline; the connection was closed.
    case timedOut(String, after: Duration)
    /// The server closed the connection before it answered.
    case closedBeforeAnswer(String)
    /// The server closed the connection in the middle of its answer.
    case closedMidAnswer(String)
    case answerTooLarge(String, limit: Int)
    /// A request was sent while another was in flight on the same connection.
    case busy(String)
    case cancelled(String)
    case failed(String, reason: String)

    var description: String {
        switch self {
        case .invalidURL(let url, let reason): "invalid URL \(url): \(reason)"
        case .tlsUnavailable(let reason): "cannot set up TLS: \(reason)"
        case .connectFailed(let endpoint, let reason): "cannot connect to \(endpoint): \(reason)"
        case .timedOut(let endpoint, let after): "no answer from \(endpoint) within \(after)"
        case .closedBeforeAnswer(let endpoint): "\(endpoint) closed the connection before answering"
        case .closedMidAnswer(let endpoint): "\(endpoint) closed the connection in the middle of its answer"
        case .answerTooLarge(let endpoint, let limit): "the answer of \(endpoint) exceeds \(limit) bytes"
        case .busy(let endpoint): "a request to \(endpoint) was already in flight on this connection"
        case .cancelled(let endpoint): "the request to \(endpoint) was cancelled"
        case .failed(let endpoint, let reason): "request to \(endpoint) failed: \(reason)"
        }
    }
}

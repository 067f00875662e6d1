/// What became of one line. Every line read ends in exactly one outcome.
public enum LineOutcome: Sendable, Equatable {
    case pageView
    case linkClick
    case dropped(DropReason)
    case failed(String)

    public var name: String {
        switch self {
        case .pageView: "pageView"
        case .linkClick: "linkClick"
        case .dropped: "dropped"
        case .failed: "failed"
        }
    }
}

/// Why a line was deliberately not turned into an event.
public enum DropReason: String, Sendable, CaseIterable, Codable {
    case bot
    case staticAsset = "static"
    /// No event rule matched the line.
    case unmatched
    /// A W3C log's `#` directive line (`#Fields:`, `#Date:`).
    case directive
}

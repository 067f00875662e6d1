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
    /// The crawler list or a `bot_markers` substring matched the user agent.
    case bot
    /// An empty or `-` user agent.
    case noUserAgent = "no_user_agent"
    /// A feed reader polling RSS or Atom.
    case feed
    /// A user agent that gives a contact URL or e-mail address, as crawlers do.
    case botContact = "bot_contact"
    /// A user agent that is no browser's.
    case notBrowser = "not_browser"
    case staticAsset = "static"
    /// A request method that is no visit (HEAD, OPTIONS, …).
    case method
    /// A repeated 206 Partial Content for the same visitor and URL within the window.
    case partial
    /// No event rule matched the line.
    case unmatched
    /// A W3C log's `#` directive line (`#Fields:`, `#Date:`).
    case directive
}

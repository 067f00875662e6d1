/// Decides whose a user agent is: a person's browser, or a crawler, feed reader or
/// script, and by which rule, so that each rule is counted as its own drop reason.
///
/// In order, the first that applies wins:
/// 1. `allow_user_agents`: a listed substring (any case) keeps the agent, whatever follows.
/// 2. An empty or `-` agent (`no_user_agent`): browsers always send one.
/// 3. A feed reader (`feed`): `feed`, `rss`, `atom`, `aggregator` or a known reader's name.
/// 4. The crawler list or a `bot_markers` substring (`bot`).
/// 5. A contact URL or e-mail address in the agent (`bot_contact`): crawlers name their
///    operator, browsers never do.
/// 6. Not a browser (`not_browser`): every browser's agent begins `Mozilla/` or `Opera/`;
///    the text browsers Lynx, Links, ELinks and w3m are kept.
///
/// Verdicts are cached by a hash of the agent, because a log repeats a few thousand
/// agents millions of times: two generations of at most `cacheGeneration` agents each;
/// when the young one fills, it becomes the old one and the oldest are forgotten.
public struct UserAgentClassifier {
    public enum Verdict: UInt8, Sendable {
        case person, noAgent, feed, listed, contact, notBrowser

        public var dropReason: DropReason? {
            switch self {
            case .person: nil
            case .noAgent: .noUserAgent
            case .feed: .feed
            case .listed: .bot
            case .contact: .botContact
            case .notBrowser: .notBrowser
            }
        }
    }

    /// Which rules apply; built from `filters:`.
    public struct Rules: Sendable {
        public var crawlerList: CrawlerList?
        /// Lower-case substrings that mark a crawler (`bot_markers`).
        public var markers: [[UInt8]]
        /// Lower-case substrings that keep an agent (`allow_user_agents`).
        public var allowed: [[UInt8]]
        public var noAgent: Bool
        public var feeds: Bool
        public var contact: Bool
        public var notBrowser: Bool

        public init(crawlerList: CrawlerList? = .builtin, markers: [String] = [], allowed: [String] = [],
                    noAgent: Bool = true, feeds: Bool = true, contact: Bool = true, notBrowser: Bool = true) {
            self.crawlerList = crawlerList
            self.markers = markers.filter { !$0.isEmpty }.map { Array($0.lowercased().utf8) }
            self.allowed = allowed.filter { !$0.isEmpty }.map { Array($0.lowercased().utf8) }
            self.noAgent = noAgent
            self.feeds = feeds
            self.contact = contact
            self.notBrowser = notBrowser
        }

        /// No rule at all: every agent is a person's.
        public static let none = Rules(crawlerList: nil, noAgent: false, feeds: false, contact: false, notBrowser: false)
    }

    /// Names of feed readers and the words feed clients put in their agents.
    static let feedPattern = #"feed|rss|aggregator|\batom\b(?!/)|liferea|newsblur|netnewswire|inoreader|miniflux|newsboat|akregator|blogtrottr|bloglovin|selfoss|newsify|theoldreader|newsgator|reeder/"#
    /// A URL or an e-mail address, as crawlers give their operator's.
    static let contactPattern = #"https?://|\bwww\.[a-z0-9-]+\.|[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}"#
    static let textBrowsers: [[UInt8]] = ["lynx/", "links ", "links/", "elinks", "w3m/"].map { Array($0.utf8) }
    static let browserPrefixes: [[UInt8]] = ["Mozilla/", "Opera/"].map { Array($0.utf8) }
    static let cacheGeneration = 4096

    public let rules: Rules
    /// No rule can call an agent anything but a person's (`bots: keep`, feeds kept): the
    /// agent is not looked at, nor hashed for the cache, on every line.
    private let judgesNothing: Bool
    private let crawlers: CrawlerListMatcher?
    private let feeds: RegexMatcher?
    private let contacts: RegexMatcher?
    private var young: [UInt64: Verdict] = [:]
    private var old: [UInt64: Verdict] = [:]
    private var lowered: [UInt8] = []
    private var decoded: [UInt8] = []

    public init(rules: Rules) {
        self.rules = rules
        judgesNothing = rules.crawlerList == nil && rules.markers.isEmpty && !rules.noAgent && !rules.feeds && !rules.contact
            && !rules.notBrowser
        crawlers = rules.crawlerList.map(CrawlerListMatcher.init)
        // Both patterns are constants of this file; a failure to compile them is caught by the tests.
        feeds = rules.feeds ? (try? RegexPattern(Self.feedPattern, caseless: true)).map(RegexMatcher.init) : nil
        contacts = rules.contact ? (try? RegexPattern(Self.contactPattern, caseless: true)).map(RegexMatcher.init) : nil
        young.reserveCapacity(Self.cacheGeneration)
        lowered.reserveCapacity(512)
    }

    /// The verdict on the agent in `userAgent` of `buffer`; `urlEncoded` for agents logged
    /// with `+` or `%20` for spaces (IIS, CloudFront), which are judged decoded.
    public mutating func classify(_ buffer: UnsafeBufferPointer<UInt8>, userAgent: ByteRange, urlEncoded: Bool = false) -> Verdict {
        if judgesNothing { return .person }
        let key = FastHash.hash(buffer[range: userAgent], seed: 7)
        if let known = young[key] { return known }
        if let known = old[key] {
            remember(key, known)
            return known
        }
        let verdict: Verdict
        if urlEncoded {
            decoded.removeAll(keepingCapacity: true)
            LogEscapes.percentDecode(buffer, userAgent, into: &decoded)
            let agent = decoded
            verdict = agent.withUnsafeBufferPointer { decide($0) }
        } else {
            verdict = decide(UnsafeBufferPointer(rebasing: buffer[userAgent.start..<userAgent.end]))
        }
        remember(key, verdict)
        return verdict
    }

    /// How many verdicts are cached, for tests.
    var cachedCount: Int { young.count + old.count }

    private mutating func remember(_ key: UInt64, _ verdict: Verdict) {
        if young.count >= Self.cacheGeneration {
            old = young
            young.removeAll(keepingCapacity: true)
        }
        young[key] = verdict
    }

    /// The verdict, without the cache.
    public mutating func decide(_ agent: UnsafeBufferPointer<UInt8>) -> Verdict {
        lowered.removeAll(keepingCapacity: true)
        for byte in agent { lowered.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) }
        for word in rules.allowed where Self.contains(lowered, word) { return .person }
        let isDash = agent.count == 1 && agent[0] == UInt8(ascii: "-")
        if agent.isEmpty || isDash { return rules.noAgent ? .noAgent : .person }
        if let feeds, feeds.matches(agent) { return .feed }
        if let crawlers, crawlers.matches(agent) { return .listed }
        for marker in rules.markers where Self.contains(lowered, marker) { return .listed }
        if let contacts, contacts.matches(agent) { return .contact }
        if rules.notBrowser && !isBrowser(agent) { return .notBrowser }
        return .person
    }

    private func isBrowser(_ agent: UnsafeBufferPointer<UInt8>) -> Bool {
        for prefix in Self.browserPrefixes where Self.hasPrefix(agent, prefix) { return true }
        for prefix in Self.textBrowsers where lowered.starts(with: prefix) { return true }
        return false
    }

    static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: [UInt8]) -> Bool {
        guard bytes.count >= prefix.count else { return false }
        for index in 0..<prefix.count where bytes[index] != prefix[index] { return false }
        return true
    }

    /// Whether `needle` occurs in `haystack`.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= haystack.count else { return needle.isEmpty }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var offset = 1
                while offset < needle.count && haystack[index + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            index += 1
        }
        return false
    }
}

/// One pipeline: a source, how to parse its lines, and what the lines mean.
public struct PipelineConfiguration: Decodable, Sendable {
    public var name: String
    public var source: SourceConfiguration
    public var parser: ParserConfiguration
    public var site: SiteConfiguration
    public var filters: FilterConfiguration
    public var events: [EventRuleConfiguration]
    public var identity: [IdentityRuleConfiguration]
    /// Extra `data` fields of every event, as templates (`"{status}"`).
    public var data: [String: String]
    /// Template of `marketing.trackingCode` (`"{query.cid}"`); left out when it renders empty.
    public var trackingCode: String?
    public var privacy: PrivacyConfiguration
    public var sink: String
    /// Supplies `filters` and `events` where the pipeline leaves them out (`matomo`).
    public var preset: PipelinePreset?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, source, parser, site, filters, events, identity, data, privacy, sink, preset
        case trackingCode = "tracking_code"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        source = try container.decode(SourceConfiguration.self, forKey: .source)
        parser = try container.decode(ParserConfiguration.self, forKey: .parser)
        site = try container.decodeIfPresent(SiteConfiguration.self, forKey: .site) ?? SiteConfiguration()
        preset = try container.decodeIfPresent(PipelinePreset.self, forKey: .preset)
        let supplied = try preset?.body()
        filters = try container.decodeIfPresent(FilterConfiguration.self, forKey: .filters) ?? supplied?.filters ?? FilterConfiguration()
        if let supplied, !container.contains(.events) {
            events = supplied.events
        } else {
            events = try container.decode([EventRuleConfiguration].self, forKey: .events)
        }
        identity = try container.decode([IdentityRuleConfiguration].self, forKey: .identity)
        data = try container.decodeIfPresent([String: String].self, forKey: .data) ?? [:]
        trackingCode = try container.decodeIfPresent(String.self, forKey: .trackingCode)
        privacy = try container.decodeIfPresent(PrivacyConfiguration.self, forKey: .privacy) ?? PrivacyConfiguration()
        sink = try container.decode(String.self, forKey: .sink)
    }
}

/// Where lines come from: files (`type: file`) or the systemd journal (`type: journald`).
public struct SourceConfiguration: Decodable, Sendable {
    public enum Kind: String, ConfigurationWord { case file, journald }
    public enum StartPosition: String, ConfigurationWord { case beginning, end }
    /// What happens to a line longer than `max_line_bytes`.
    public enum OverlongAction: String, ConfigurationWord {
        /// Cut to `max_line_bytes` and reported as a failed line with its length (kept in the rejected log).
        case truncate
        /// Left out of the pipeline and counted as dropped (`overlong`).
        case skip
    }

    /// Rotated files matched by these name patterns are left alone unless
    /// `exclude` is given explicitly (`exclude: []` reads them for backfill).
    public static let defaultExclude = ["*.gz"]

    public var type: Kind
    /// Files only: the paths and globs to follow.
    public var include: [String]
    public var exclude: [String]
    /// Journal only: which journal, which entries, and how to read their messages.
    public var journal: JournalConfiguration
    /// Where to start in a file seen for the first time; `end` is what operators expect of live logs.
    public var readFrom: StartPosition
    /// How often files are checked for new data once everything has been read, in seconds.
    public var pollInterval: Double
    /// Longer lines are cut at this size and reported as failed, never stalling the file.
    public var maxLineBytes: Int
    public var onOverlong: OverlongAction
    /// How long a renamed or deleted file is still read after it left its name, in seconds.
    public var rotateWait: Double
    /// Seconds between checkpoint writes (and one more at shutdown).
    public var checkpointInterval: Double
    /// Files not modified for this many seconds are not read; nil reads every file.
    public var ignoreOlder: Double?
    /// At most this many files are held open; the others wait their turn.
    public var maxOpenFiles: Int
    /// Seconds between rescans of the globs (inotify events rescan sooner).
    public var scanInterval: Double
    /// Checkpoints of files not seen for this many seconds are forgotten.
    public var checkpointGrace: Double

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, include, exclude
        case readFrom = "read_from"
        case pollInterval = "poll_interval"
        case maxLineBytes = "max_line_bytes"
        case onOverlong = "on_overlong"
        case rotateWait = "rotate_wait"
        case checkpointInterval = "checkpoint_interval"
        case ignoreOlder = "ignore_older"
        case maxOpenFiles = "max_open_files"
        case scanInterval = "scan_interval"
        case checkpointGrace = "checkpoint_grace"
        case directory, files, matches
        case syslogPrefix = "syslog_prefix"
    }

    /// The keys a file source accepts.
    enum FileKeys: String, CodingKey, CaseIterable {
        case type, include, exclude, readFrom = "read_from", pollInterval = "poll_interval", maxLineBytes = "max_line_bytes"
        case onOverlong = "on_overlong", rotateWait = "rotate_wait", checkpointInterval = "checkpoint_interval"
        case ignoreOlder = "ignore_older", maxOpenFiles = "max_open_files", scanInterval = "scan_interval"
        case checkpointGrace = "checkpoint_grace"
    }

    /// The keys a journal source accepts.
    enum JournalKeys: String, CodingKey, CaseIterable {
        case type, directory, files, matches, readFrom = "read_from", pollInterval = "poll_interval"
        case maxLineBytes = "max_line_bytes", syslogPrefix = "syslog_prefix"
        case checkpointInterval = "checkpoint_interval", checkpointGrace = "checkpoint_grace"
    }

    /// A file source over `include` with every other key at its default.
    public init(include: [String]) {
        type = .file
        self.include = include
        exclude = Self.defaultExclude
        journal = JournalConfiguration()
        readFrom = .end
        pollInterval = 0.25
        maxLineBytes = 1 << 20
        onOverlong = .truncate
        rotateWait = 5
        checkpointInterval = 1
        ignoreOlder = nil
        maxOpenFiles = 256
        scanInterval = 2
        checkpointGrace = 7 * 86_400
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(Kind.self, forKey: .type)
        switch type {
        case .file:
            try decoder.rejectUnknownKeys(FileKeys.self)
            include = try container.decode(OneOrMany<String>.self, forKey: .include).values
            exclude = try container.decodeIfPresent(OneOrMany<String>.self, forKey: .exclude)?.values ?? Self.defaultExclude
            journal = JournalConfiguration()
        case .journald:
            try decoder.rejectUnknownKeys(JournalKeys.self)
            include = []
            exclude = []
            journal = try JournalConfiguration(from: container)
        }
        readFrom = try container.decodeIfPresent(StartPosition.self, forKey: .readFrom) ?? .end
        pollInterval = try container.decodeIfPresent(Seconds.self, forKey: .pollInterval)?.value ?? 0.25
        maxLineBytes = try container.decodeIfPresent(ByteCount.self, forKey: .maxLineBytes)?.bytes ?? 1 << 20
        onOverlong = try container.decodeIfPresent(OverlongAction.self, forKey: .onOverlong) ?? .truncate
        rotateWait = try container.decodeIfPresent(Seconds.self, forKey: .rotateWait)?.value ?? 5
        checkpointInterval = try container.decodeIfPresent(Seconds.self, forKey: .checkpointInterval)?.value ?? 1
        ignoreOlder = try container.decodeIfPresent(Seconds.self, forKey: .ignoreOlder)?.value
        maxOpenFiles = try container.decodeIfPresent(Int.self, forKey: .maxOpenFiles) ?? 256
        scanInterval = try container.decodeIfPresent(Seconds.self, forKey: .scanInterval)?.value ?? 2
        checkpointGrace = try container.decodeIfPresent(Seconds.self, forKey: .checkpointGrace)?.value ?? 7 * 86_400
        func positive(_ value: Double, _ key: CodingKeys) throws {
            guard value > 0, value.isFinite else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "expected a positive number of seconds, got \(value)")
            }
        }
        try positive(pollInterval, .pollInterval)
        try positive(checkpointInterval, .checkpointInterval)
        try positive(scanInterval, .scanInterval)
        try positive(checkpointGrace, .checkpointGrace)
        if let ignoreOlder { try positive(ignoreOlder, .ignoreOlder) }
        guard rotateWait >= 0, rotateWait.isFinite else {
            throw DecodingError.dataCorruptedError(forKey: .rotateWait, in: container, debugDescription: "expected zero or a positive number of seconds, got \(rotateWait)")
        }
        guard maxLineBytes >= 256 else {
            throw DecodingError.dataCorruptedError(forKey: .maxLineBytes, in: container, debugDescription: "expected at least 256 bytes")
        }
        guard maxOpenFiles >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .maxOpenFiles, in: container, debugDescription: "expected at least 1 file, got \(maxOpenFiles)")
        }
    }
}

/// How lines are split into fields.
public struct ParserConfiguration: Decodable, Sendable {
    public enum Format: String, ConfigurationWord { case common, combined, nginx, apache, json, logfmt, regex, w3c, cloudfront, elb, alb, haproxy }

    public var format: Format
    /// For `nginx`: a `log_format` exactly as in nginx.conf (default: nginx's `combined`);
    /// for `apache`: a `LogFormat` string (default: Apache's `combined`).
    public var logFormat: String?
    /// The field that holds the request's Cookie header, for `{cookie.NAME}`;
    /// by default the first quoted field after the user agent (`extra.1`).
    public var cookieField: String
    /// For `regex`: a PCRE2 pattern whose named groups are the fields.
    public var pattern: String?
    /// For `json`, `logfmt`, `regex`: which field plays which role (`client: ip`).
    public var fields: [FieldRoles.Role: String]
    /// How the `time` field is written (`time_format`: `auto`, `clf`, `iso8601`, `epoch`,
    /// `epoch_ms`, `epoch_us` or a strftime pattern) and the zone of times without an
    /// offset (`timezone`: `UTC`, `+02:00`, `Europe/Paris`).
    public var time: TimeParsing
    /// For `w3c` and `cloudfront`: the log's `#Fields:` line (with or without `#Fields:`);
    /// by default IIS's default fields, or CloudFront's documented ones.
    public var w3cFields: String?
    /// For `haproxy`: the names of the headers captured with `capture request header`,
    /// in capture order (`[Host, User-Agent, Referer]`).
    public var requestHeaders: [String]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case format
        case logFormat = "log_format"
        case cookieField = "cookie_field"
        case pattern, fields
        case timeFormat = "time_format"
        case timezone
        case w3cFields = "w3c_fields"
        case requestHeaders = "request_headers"
    }

    var namedFieldFormat: Bool { format == .json || format == .logfmt || format == .regex }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decode(Format.self, forKey: .format)
        w3cFields = nil
        requestHeaders = []
        logFormat = try container.decodeIfPresent(String.self, forKey: .logFormat)
        if logFormat != nil && format != .nginx && format != .apache {
            throw DecodingError.dataCorruptedError(forKey: .logFormat, in: container, debugDescription: "log_format goes with format: nginx or format: apache")
        }
        cookieField = try container.decodeIfPresent(String.self, forKey: .cookieField) ?? "extra.1"
        pattern = try container.decodeIfPresent(String.self, forKey: .pattern)
        if (pattern != nil) != (format == .regex) {
            throw DecodingError.dataCorruptedError(forKey: .pattern, in: container,
                                                   debugDescription: format == .regex ? "format: regex needs a pattern with named groups, e.g. (?<client>\\S+)" : "pattern goes with format: regex")
        }
        var fields: [FieldRoles.Role: String] = [:]
        let roles = FieldRoles.Role.allCases.map(\.rawValue).joined(separator: ", ")
        for (key, value) in try container.decodeIfPresent([String: String].self, forKey: .fields) ?? [:] {
            guard let role = FieldRoles.Role(rawValue: key) else {
                throw DecodingError.dataCorruptedError(forKey: .fields, in: container, debugDescription: "unknown role '\(key)'; expected one of: \(roles)")
            }
            guard !value.isEmpty else {
                throw DecodingError.dataCorruptedError(forKey: .fields, in: container, debugDescription: "role '\(key)' needs the name of a field")
            }
            fields[role] = value
        }
        self.fields = fields
        var form = TimeParsing.Form.auto
        if let text = try container.decodeIfPresent(String.self, forKey: .timeFormat) {
            switch text {
            case "auto": form = .auto
            case "clf": form = .clf
            case "iso8601": form = .iso8601
            case "epoch": form = .epoch
            case "epoch_ms": form = .epochMillis
            case "epoch_us": form = .epochMicros
            default:
                guard text.contains("%") else {
                    throw DecodingError.dataCorruptedError(forKey: .timeFormat, in: container, debugDescription:
                        "unknown time_format '\(text)'; expected auto, clf, iso8601, epoch, epoch_ms, epoch_us or a strftime pattern such as '%Y-%m-%d %H:%M:%S'")
                }
                do { form = try TimeParsing.pattern(text) } catch {
                    throw DecodingError.dataCorruptedError(forKey: .timeFormat, in: container, debugDescription: error.description)
                }
            }
        }
        var zone = TimeParsing.Zone.fixed(seconds: 0)
        if let text = try container.decodeIfPresent(String.self, forKey: .timezone) {
            guard let parsed = TimeParsing.zone(text) else {
                throw DecodingError.dataCorruptedError(forKey: .timezone, in: container,
                                                       debugDescription: "unknown timezone '\(text)'; expected UTC, an offset such as +02:00, or an IANA name such as Europe/Paris")
            }
            zone = parsed
        }
        time = TimeParsing(form: form, zone: zone)
        let timeKeys = [CodingKeys.fields, .timeFormat].filter { container.contains($0) }
        if let key = timeKeys.first, !namedFieldFormat {
            throw DecodingError.dataCorruptedError(forKey: key, in: container,
                                                   debugDescription: "fields and time_format go with format: json, logfmt or regex")
        }
        if container.contains(.timezone) && !(namedFieldFormat || format == .w3c || format == .haproxy) {
            throw DecodingError.dataCorruptedError(forKey: .timezone, in: container,
                                                   debugDescription: "timezone goes with format: json, logfmt, regex, w3c or haproxy (the other formats' times carry their zone)")
        }
        w3cFields = try container.decodeIfPresent(String.self, forKey: .w3cFields)
        if let fields = w3cFields {
            guard format == .w3c || format == .cloudfront else {
                throw DecodingError.dataCorruptedError(forKey: .w3cFields, in: container, debugDescription: "w3c_fields goes with format: w3c or format: cloudfront")
            }
            let names = ColumnLineParser.fieldNames(fields)
            guard names.contains("date") && names.contains("time") else {
                throw DecodingError.dataCorruptedError(forKey: .w3cFields, in: container,
                                                       debugDescription: "'\(fields)' has no date and time fields; copy the log's #Fields: line, e.g. '#Fields: date time c-ip cs-method cs-uri-stem sc-status'")
            }
        }
        requestHeaders = try container.decodeIfPresent([String].self, forKey: .requestHeaders) ?? []
        if !requestHeaders.isEmpty && format != .haproxy {
            throw DecodingError.dataCorruptedError(forKey: .requestHeaders, in: container, debugDescription: "request_headers goes with format: haproxy")
        }
    }
}

/// The web site the log belongs to, for absolute page URLs.
public struct SiteConfiguration: Decodable, Sendable {
    /// `https://www.example.com`; without it, the line's virtual host is used.
    public var baseURL: String?
    public var siteSection: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case baseURL = "base_url"
        case siteSection = "site_section"
    }

    public init(baseURL: String? = nil, siteSection: String? = nil) {
        self.baseURL = baseURL
        self.siteSection = siteSection
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        baseURL = try container.decodeIfPresent(String.self, forKey: .baseURL)
        siteSection = try container.decodeIfPresent(String.self, forKey: .siteSection)
    }
}

/// Lines that are not visits by people: dropped and counted by default, each by its reason.
public struct FilterConfiguration: Decodable, Sendable {
    public enum Action: String, ConfigurationWord { case drop, keep }
    public enum BotList: String, ConfigurationWord { case builtin, none }
    public enum DashUserAgent: String, ConfigurationWord { case bot, keep }
    public enum Heuristic: String, ConfigurationWord { case contact, notBrowser = "not_browser" }
    public enum PartialRequests: String, ConfigurationWord { case once, keep }

    /// Crawlers and scripts: the crawler list, `bot_markers`, and the heuristics.
    public var bots: Action
    /// `builtin`: the vendored crawler-user-agents list; `none`: only `bot_markers`.
    public var botList: BotList
    /// Substrings (any case) of crawlers' agents, added to the list.
    public var extraBotMarkers: [String]
    /// Substrings (any case) of agents that are never dropped as bots or feed readers.
    public var allowUserAgents: [String]
    /// An empty or `-` user agent: a bot (`no_user_agent`), or kept.
    public var dashUserAgent: DashUserAgent
    /// Which heuristics apply: `contact` (a URL or e-mail in the agent), `not_browser`.
    public var botHeuristics: [Heuristic]
    /// Feed readers (`feed`): dropped, or not told apart (then the bot rules judge them).
    /// Unset, it follows `bots`.
    public var feeds: Action
    public var staticAssets: Action
    /// Replaces the built-in list of static-asset extensions when given.
    public var staticExtensions: [String]?
    /// Replaces the built-in list of static files (`robots.txt`, `sitemap*.xml`, `/.well-known/*`).
    public var staticFiles: [String]?
    /// Methods that can be visits (default GET and POST; with `bots: keep`, all); `[]` lets
    /// every method through.
    public var visitMethods: [String]?
    /// `once`: a 206 counts once per visitor and URL within `partial_window`; `keep`: each
    /// counts. Unset, `once`, or `keep` with `bots: keep`.
    public var partialRequests: PartialRequests
    public var partialWindow: Seconds

    enum CodingKeys: String, CodingKey, CaseIterable {
        case bots
        case botList = "bot_list"
        case extraBotMarkers = "bot_markers"
        case allowUserAgents = "allow_user_agents"
        case dashUserAgent = "dash_user_agent"
        case botHeuristics = "bot_heuristics"
        case feeds
        case staticAssets = "static"
        case staticExtensions = "static_extensions"
        case staticFiles = "static_files"
        case visitMethods = "visit_methods"
        case partialRequests = "partial_requests"
        case partialWindow = "partial_window"
    }

    public init() {
        bots = .drop
        botList = .builtin
        extraBotMarkers = []
        allowUserAgents = []
        dashUserAgent = .bot
        botHeuristics = Heuristic.allCases
        feeds = .drop
        staticAssets = .drop
        staticExtensions = nil
        staticFiles = nil
        visitMethods = nil
        partialRequests = .once
        partialWindow = Seconds(1800)
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = FilterConfiguration()
        bots = try container.decodeIfPresent(Action.self, forKey: .bots) ?? defaults.bots
        botList = try container.decodeIfPresent(BotList.self, forKey: .botList) ?? defaults.botList
        extraBotMarkers = try container.decodeIfPresent([String].self, forKey: .extraBotMarkers) ?? []
        allowUserAgents = try container.decodeIfPresent([String].self, forKey: .allowUserAgents) ?? []
        dashUserAgent = try container.decodeIfPresent(DashUserAgent.self, forKey: .dashUserAgent) ?? defaults.dashUserAgent
        botHeuristics = try container.decodeIfPresent([Heuristic].self, forKey: .botHeuristics) ?? defaults.botHeuristics
        // Feed readers, HEAD/OPTIONS requests and repeated ranges are machine traffic:
        // unless set, they follow `bots`, so `bots: keep` keeps every automated request.
        feeds = try container.decodeIfPresent(Action.self, forKey: .feeds) ?? bots
        staticAssets = try container.decodeIfPresent(Action.self, forKey: .staticAssets) ?? defaults.staticAssets
        staticExtensions = try container.decodeIfPresent([String].self, forKey: .staticExtensions)
        staticFiles = try container.decodeIfPresent([String].self, forKey: .staticFiles)
        visitMethods = try container.decodeIfPresent([String].self, forKey: .visitMethods) ?? (bots == .keep ? [] : nil)
        partialRequests = try container.decodeIfPresent(PartialRequests.self, forKey: .partialRequests)
            ?? (bots == .keep ? .keep : defaults.partialRequests)
        partialWindow = try container.decodeIfPresent(Seconds.self, forKey: .partialWindow) ?? defaults.partialWindow
        for (key, values) in [(CodingKeys.extraBotMarkers, extraBotMarkers), (.allowUserAgents, allowUserAgents), (.staticFiles, staticFiles ?? [])]
        where values.contains(where: \.isEmpty) {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "expected non-empty strings; an empty one would match every line")
        }
        guard partialWindow.value >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .partialWindow, in: container, debugDescription: "expected at least 1s, got \(partialWindow.value)")
        }
    }

    /// The compiled settings of the traffic filter.
    var settings: TrafficFilter.Settings {
        let dropBots = bots == .drop
        let agents = UserAgentClassifier.Rules(
            crawlerList: dropBots && botList == .builtin ? .builtin : nil,
            markers: dropBots ? extraBotMarkers : [],
            allowed: allowUserAgents,
            noAgent: dropBots && dashUserAgent == .bot,
            feeds: feeds == .drop,
            contact: dropBots && botHeuristics.contains(.contact),
            notBrowser: dropBots && botHeuristics.contains(.notBrowser))
        return TrafficFilter.Settings(
            agents: agents,
            dropStatic: staticAssets == .drop,
            staticExtensions: staticExtensions ?? TrafficFilter.defaultStaticExtensions,
            staticFiles: staticFiles ?? TrafficFilter.defaultStaticFiles,
            methods: visitMethods ?? TrafficFilter.defaultMethods,
            partialWindow: partialRequests == .once ? Int64(partialWindow.value.rounded()) : nil)
    }
}

/// What leaves the machine about the visitor's address.
public struct PrivacyConfiguration: Decodable, Sendable {
    /// `omit` (default): no `environment.ipV4`/`ipV6` in events; `truncate`: IPv4 to its
    /// /24 and IPv6 to its /48; `send`: the address as logged.
    public enum AddressPolicy: String, ConfigurationWord { case omit, truncate, send }

    public var ip: AddressPolicy
    /// Networks of the load balancers and CDNs in front of the server: when the logged
    /// peer is one of them, the visitor's address comes from `forwarded_for` / `real_ip`.
    public var trustedProxies: [String]
    /// The field holding `X-Forwarded-For` (default `var.http_x_forwarded_for`, as nginx
    /// names it; `extra.N` for a combined log with extra fields).
    public var forwardedFor: String
    public var realIP: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case ip
        case trustedProxies = "trusted_proxies"
        case forwardedFor = "forwarded_for"
        case realIP = "real_ip"
    }

    public init() {
        ip = .omit
        trustedProxies = []
        forwardedFor = "var.http_x_forwarded_for"
        realIP = "var.http_x_real_ip"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ip = try container.decodeIfPresent(AddressPolicy.self, forKey: .ip) ?? .omit
        trustedProxies = try container.decodeIfPresent([String].self, forKey: .trustedProxies) ?? []
        for network in trustedProxies where IPNetwork(network) == nil {
            throw DecodingError.dataCorruptedError(forKey: .trustedProxies, in: container,
                                                   debugDescription: "'\(network)' is not a network; expected CIDRs such as 10.0.0.0/8 or 2001:db8::/32")
        }
        forwardedFor = try container.decodeIfPresent(String.self, forKey: .forwardedFor) ?? "var.http_x_forwarded_for"
        realIP = try container.decodeIfPresent(String.self, forKey: .realIP) ?? "var.http_x_real_ip"
    }
}

import Yams

/// A named set of `filters` and `events` a pipeline takes where it leaves them out.
///
/// `matomo` makes the decisions of Matomo's log importer (`import_logs.py`) with its
/// default options, so that a site moving from it can compare the two line by line:
/// - its static extensions and files are static (`robots.txt` among them);
/// - its download extensions are downloads (link clicks), except those also static (`xml`);
/// - its 29 user-agent substrings are the only bot rule: no crawler list, no heuristics,
///   feed readers are bots only through `feed`, and empty or `-` agents are kept;
/// - 4xx, 5xx and 3xx other than 304 are not counted; every method and every 206 is.
/// Where edgetail's own defaults differ, `edgetail parse --report` shows which lines and why.
public enum PipelinePreset: String, ConfigurationWord {
    case matomo

    /// What the preset supplies.
    public struct Body: Decodable, Sendable {
        public var filters: FilterConfiguration
        public var events: [EventRuleConfiguration]
    }

    /// Matomo's `STATIC_EXTENSIONS`.
    public static let matomoStaticExtensions = """
        gif jpg jpeg png bmp ico svg svgz ttf otf eot woff woff2 class swf css js xml webp avif
        """.split(separator: " ").map(String.init)

    /// Matomo's `STATIC_FILES`.
    public static let matomoStaticFiles = ["robots.txt"]

    /// Matomo's `DOWNLOAD_EXTENSIONS`.
    public static let matomoDownloadExtensions = """
        7z aac arc arj asf asx avi bin csv deb dmg doc docx exe flac flv gz gzip hqx \
        ibooks jar json mpg mp2 mp3 mp4 mpeg mov movie msi msp odb odf odg odp \
        ods odt ogg ogv pdf phps ppt pptx qt qtm ra ram rar rpm rtf sea sit tar tbz \
        bz2 tgz torrent txt wav webm wma wmv wpd xls xlsx xml xsd z zip \
        azw3 epub mobi apk md5 sig
        """.split(separator: " ").map(String.init)

    /// Matomo's `EXCLUDED_USER_AGENTS`, matched as substrings of the lower-cased agent.
    public static let matomoExcludedUserAgents = [
        "adsbot-google", "ask jeeves", "baidubot", "bot-", "bot/", "ccooter/", "crawl", "curl",
        "echoping", "exabot", "feed", "googlebot", "ia_archiver", "java/", "libwww",
        "mediapartners-google", "msnbot", "netcraftsurvey", "panopta", "pingdom.com_bot_", "robot",
        "spider", "surveybot", "twiceler", "voilabot", "yahoo", "yandex", "zabbix",
        "googlestackdrivermonitoring",
    ]

    /// The preset as configuration text, as a user would write it.
    public var yaml: String {
        switch self {
        case .matomo:
            func list(_ words: [String]) -> String { "[" + words.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
            return """
                filters:
                  bots: drop
                  bot_list: none
                  bot_markers: \(list(Self.matomoExcludedUserAgents))
                  bot_heuristics: []
                  dash_user_agent: keep
                  feeds: keep
                  static: drop
                  static_extensions: \(list(Self.matomoStaticExtensions))
                  static_files: \(list(Self.matomoStaticFiles))
                  visit_methods: []
                  partial_requests: keep
                events:
                  - type: linkClick
                    when: { extension: \(list(Self.matomoDownloadExtensions)), status: [1xx, 2xx, "304"] }
                    link: { kind: download }
                  - type: pageView
                    when: { status: [1xx, 2xx, "304"] }
                """
        }
    }

    /// The preset's filters and events.
    public func body() throws -> Body {
        try YAMLDecoder().decode(Body.self, from: yaml)
    }
}

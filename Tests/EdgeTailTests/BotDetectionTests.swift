import Foundation
import Testing
@testable import EdgeTail

/// Agents of current browsers, as their vendors send them; none may be taken for a bot.
let realBrowserAgents = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/105.0.0.0",
    "Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 Version/12.18",
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/119.0.6045.169 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/16.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]",
    "Mozilla/5.0 (Linux; Android 12; Pixel 6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36 Atom/26.0.0.0",
    "Lynx/2.8.9rel.1 libwww-FM/2.14 SSL-MM/1.4.1 OpenSSL/1.1.1d",
    "Links (2.20.2; Linux 5.10.0-8-amd64 x86_64; GNU C 10.2.1; text)",
    "w3m/0.5.3+git20210102",
    "ELinks/0.13.2 (textmode; Linux 5.10.0 x86_64; 80x24-2)",
]

func verdict(_ agent: String, _ rules: UserAgentClassifier.Rules = .init()) -> UserAgentClassifier.Verdict {
    var classifier = UserAgentClassifier(rules: rules)
    let bytes = Array(agent.utf8)
    return bytes.withUnsafeBufferPointer { classifier.classify($0, userAgent: ByteRange(0, bytes.count)) }
}

@Suite struct BotDetectionTests {
    /// Every agent the dataset lists as an instance of its patterns is found by the
    /// prefiltered matcher: the generated literals lose no match.
    @Test func everyInstanceOfTheDatasetMatches() throws {
        let url = repositoryRoot.appendingPathComponent("ThirdParty/crawler-user-agents/crawler-user-agents.json")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]])
        #expect(entries.count == CrawlerPatterns.entries.count)
        #expect(CrawlerList.builtin.count == entries.count, "every pattern compiles in PCRE2")
        let matcher = CrawlerListMatcher(.builtin)
        var checked = 0
        for entry in entries {
            for instance in entry["instances"] as? [String] ?? [] {
                let bytes = Array(instance.utf8)
                let found = bytes.withUnsafeBufferPointer { matcher.matches($0) }
                #expect(found, "\(instance) should match \(entry["pattern"] ?? "")")
                checked += 1
            }
        }
        #expect(checked > 2000)
    }

    @Test func realBrowsersAreNotBots() {
        let matcher = CrawlerListMatcher(.builtin)
        for agent in realBrowserAgents {
            let bytes = Array(agent.utf8)
            let pattern = bytes.withUnsafeBufferPointer { matcher.matchingPattern($0) }
            #expect(pattern == nil, "\(agent) matched \(pattern ?? "")")
            #expect(verdict(agent) == .person, "\(agent)")
        }
    }

    @Test(arguments: [
        ("", UserAgentClassifier.Verdict.noAgent),
        ("-", .noAgent),
        // Feed readers, as they announce themselves.
        ("UniversalFeedParser/5.0.1 +http://feedparser.org/", .feed),
        ("FeedBurner/1.0 (http://www.FeedBurner.com)", .feed),
        ("Feedbin - 3 subscribers", .feed),
        ("Digg Feed Fetcher 1.0 (Digg/Bot; +http://digg.com/)", .feed),
        ("Tiny Tiny RSS/1.11 (http://tt-rss.org/)", .feed),
        ("Liferea/1.10.9 (Linux; en_US.UTF-8; http://liferea.sf.net/)", .feed),
        // The dataset.
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", .listed),
        ("Mozilla/5.0 (compatible; Ezooms/1.0; ezooms.bot@gmail.com)", .listed),
        ("SiteExplorer/1.0b (+http://siteexplorer.info/)", .listed),
        ("curl/8.5.0", .listed),
        ("python-requests/2.31.0", .listed),
        // A contact address and no listed name.
        ("Mozilla/5.0 (compatible; Ezooms/1.0; help@moz.com)", .contact),
        ("Chef Client/10.18.2 (ruby-1.9.3-p327; ohai-6.16.0; x86_64-linux; +http://opscode.com)", .contact),
        // Not a browser.
        ("Ruby", .notBrowser),
        ("libfetch/2.0", .notBrowser),
        ("portscout/0.8.1", .notBrowser),
    ])
    func eachRuleHasItsVerdict(agent: String, expected: UserAgentClassifier.Verdict) {
        #expect(verdict(agent) == expected)
    }

    @Test func verdictsMapToTheirOwnDropReasons() {
        let reasons = [UserAgentClassifier.Verdict.noAgent, .feed, .listed, .contact, .notBrowser].compactMap(\.dropReason)
        #expect(reasons.map(\.rawValue) == ["no_user_agent", "feed", "bot", "bot_contact", "not_browser"])
        #expect(UserAgentClassifier.Verdict.person.dropReason == nil)
    }

    @Test func rulesCanBeTurnedOffOneByOne() {
        let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
        #expect(verdict(googlebot, .init(crawlerList: nil)) == .contact)
        #expect(verdict(googlebot, .init(crawlerList: nil, contact: false)) == .person)
        #expect(verdict("Ruby", .init(notBrowser: false)) == .person)
        #expect(verdict("-", .init(noAgent: false)) == .person)
        #expect(verdict("Liferea/1.10.9 (Linux; en_US.UTF-8; http://liferea.sf.net/)", .init(feeds: false)) == .contact)
        #expect(verdict("Mozilla/5.0 (X11; Linux x86_64) ExampleMonitor/2", .init(markers: ["examplemonitor"])) == .listed)
        #expect(verdict(googlebot, .init(allowed: ["GOOGLEBOT"])) == .person)
        #expect(verdict(googlebot, .none) == .person)
    }

    @Test func withEveryRuleOffNoAgentIsLookedAtAndWithAnyOneOnItIs() {
        let agents = ["curl/8.5.0", "-", "", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                      "Liferea/1.10.9 (Linux; en_US.UTF-8; http://liferea.sf.net/)"].map { Array($0.utf8) }
        var keepingAll = UserAgentClassifier(rules: .none)
        for agent in agents {
            #expect(agent.withUnsafeBufferPointer { keepingAll.classify($0, userAgent: ByteRange(0, agent.count)) } == .person)
        }
        #expect(keepingAll.cachedCount == 0)
        // One rule left on (feed readers dropped, bots kept): every agent is judged again.
        let feedsOnly = UserAgentClassifier.Rules(crawlerList: nil, noAgent: false, feeds: true, contact: false, notBrowser: false)
        var judging = UserAgentClassifier(rules: feedsOnly)
        let verdicts = agents.map { agent in agent.withUnsafeBufferPointer { judging.classify($0, userAgent: ByteRange(0, agent.count)) } }
        #expect(verdicts == [.person, .person, .person, .person, .feed])
        #expect(judging.cachedCount == agents.count)
    }

    @Test func repeatedAgentsComeFromTheBoundedCache() {
        var classifier = UserAgentClassifier(rules: .init())
        for number in 0..<(UserAgentClassifier.cacheGeneration * 3) {
            let bytes = Array("Mozilla/5.0 (X11; Linux x86_64) Agent/\(number)".utf8)
            _ = bytes.withUnsafeBufferPointer { classifier.classify($0, userAgent: ByteRange(0, bytes.count)) }
            #expect(classifier.cachedCount <= 2 * UserAgentClassifier.cacheGeneration)
        }
        let bot = Array("curl/8.5.0".utf8)
        for _ in 0..<3 {
            #expect(bot.withUnsafeBufferPointer { classifier.classify($0, userAgent: ByteRange(0, bot.count)) } == .listed)
        }
    }

    @Test func filterKeysChooseTheRules() throws {
        let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
        let line = { (agent: String) in
            #"192.0.2.10 - - [10/Oct/2024:13:55:36 +0200] "GET /a HTTP/1.1" 200 512 "-" "\#(agent)""#
        }
        let defaults = try makePlan()
        #expect(try mapLine(line(googlebot), plan: defaults).0 == .dropped(.bot))
        #expect(try mapLine(line("-"), plan: defaults).0 == .dropped(.noUserAgent))
        #expect(try mapLine(line("Ruby"), plan: defaults).0 == .dropped(.notBrowser))
        #expect(try mapLine(line("Tiny Tiny RSS/1.11 (http://tt-rss.org/)"), plan: defaults).0 == .dropped(.feed))

        let noList = try makePlan(extra: "    filters: { bot_list: none, bot_heuristics: [not_browser] }")
        #expect(try mapLine(line(googlebot), plan: noList).0 == .pageView)
        #expect(try mapLine(line("Ruby"), plan: noList).0 == .dropped(.notBrowser))

        let markers = try makePlan(extra: #"    filters: { bot_markers: ["Firefox/121"], allow_user_agents: [curl] }"#)
        #expect(try mapLine(line(realBrowserAgents[2]), plan: markers).0 == .dropped(.bot))
        #expect(try mapLine(line("curl/8.5.0"), plan: markers).0 == .pageView)

        let dash = try makePlan(extra: "    filters: { dash_user_agent: keep }")
        #expect(try mapLine(line("-"), plan: dash).0 == .pageView)

        let feeds = try makePlan(extra: "    filters: { feeds: keep, bot_heuristics: [] }")
        #expect(try mapLine(line("Liferea/1.10.9 (Linux; en_US.UTF-8; http://liferea.sf.net/)"), plan: feeds).0 == .pageView)

        let keep = try makePlan(extra: "    filters: { bots: keep }")
        #expect(try mapLine(line(googlebot), plan: keep).0 == .pageView)
        #expect(try mapLine(line("-"), plan: keep).0 == .pageView)
        // Feed readers, HEAD requests and repeated ranges are machine traffic too: kept
        // with the bots unless set apart.
        #expect(try mapLine(line("Feedbin - 3 subscribers"), plan: keep).0 == .pageView)
        let keepButFeeds = try makePlan(extra: "    filters: { bots: keep, feeds: drop }")
        #expect(try mapLine(line("Feedbin - 3 subscribers"), plan: keepButFeeds).0 == .dropped(.feed))
    }

    /// `filters: { bots: keep, static: keep }` with a catch-all rule turns every line into
    /// an event, as a shipper compared line for line with another must.
    @Test func keepingBotsAndStaticFilesKeepsEveryLine() throws {
        let plan = try makePlan(events: ["{ type: pageView }"], extra: "    filters: { bots: keep, static: keep }")
        let agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
        for (method, path, status) in [("HEAD", "/", 200), ("OPTIONS", "/api", 204), ("DELETE", "/api/1", 200),
                                       ("GET", "/video.mp4", 206), ("GET", "/video.mp4", 206), ("GET", "/robots.txt", 200)] {
            let text = "192.0.2.7 - - [10/Oct/2024:13:55:36 +0000] \"\(method) \(path) HTTP/1.1\" \(status) 10 \"-\" \"\(agent)\""
            #expect(try mapLine(text, plan: plan).0 == .pageView, "\(method) \(path) \(status)")
        }
        let spider = "192.0.2.8 - - [10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 200 10 \"-\" \"Mozilla/5.0 (compatible; Bytespider; spider-feedback@bytedance.com)\""
        #expect(try mapLine(spider, plan: plan).0 == .pageView)
    }

    @Test func unknownFilterValuesAreRejected() {
        #expect(throws: (any Error).self) { try makePlan(extra: "    filters: { bot_list: mine }") }
        #expect(throws: (any Error).self) { try makePlan(extra: "    filters: { bot_heuristics: [guess] }") }
        #expect(throws: (any Error).self) { try makePlan(extra: #"    filters: { bot_markers: [""] }"#) }
    }
}

@Suite struct EncodedAgentTests {
    /// IIS writes spaces as `+`, CloudFront as `%20`: the agent is judged decoded.
    @Test func urlEncodedAgentsAreJudgedDecoded() {
        var classifier = UserAgentClassifier(rules: .init())
        for agent in ["Mozilla/5.0+(compatible;+Yahoo!+Slurp;+http://help.yahoo.com/help/us/ysearch/slurp)",
                      "Mozilla/5.0%20(compatible;%20Yahoo!%20Slurp;%20http://help.yahoo.com/help/us/ysearch/slurp)"] {
            let bytes = Array(agent.utf8)
            let verdict = bytes.withUnsafeBufferPointer { classifier.classify($0, userAgent: ByteRange(0, bytes.count), urlEncoded: true) }
            #expect(verdict == .listed)
        }
        let browser = Array(realBrowserAgents[0].replacingOccurrences(of: " ", with: "+").utf8)
        #expect(browser.withUnsafeBufferPointer { classifier.classify($0, userAgent: ByteRange(0, browser.count), urlEncoded: true) } == .person)
    }
}

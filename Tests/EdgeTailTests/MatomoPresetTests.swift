import Foundation
import Testing
@testable import EdgeTail

@Suite struct MatomoPresetTests {
    /// Matomo's `common_complete` layout: the virtual host, then the combined fields.
    static let vhostFormat = #"apache, log_format: '%v %h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"'"#

    func presetPlan(format: String = "combined", extra: String = "") throws -> PipelinePlan {
        // The events come from the preset: the pipeline's own list would win.
        let directory = try TemporaryDirectory()
        let path = try directory.write("edgetail.yaml", """
        data_dir: \(directory.path)/data
        sinks:
          out: { type: file, path: \(directory.path)/out.jsonl }
        pipelines:
          - name: matomo
            source: { type: file, include: ["\(directory.path)/*.log"] }
            parser: { format: \(format) }
            site: { base_url: "https://www.example.com/" }
            preset: matomo
            identity:
              - { namespace: FPID, derive: [client_ip, user_agent], salt: s }
        \(extra)
            sink: out
        """)
        let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
        return try PipelinePlan(configuration.pipelines[0], file: path)
    }

    func outcomes(_ fixture: String, plan: PipelinePlan) throws -> [LineOutcome] {
        let url = repositoryRoot.appendingPathComponent("Tests/Fixtures/matomo-log-analytics/\(fixture)")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { try mapLine(String($0), plan: plan).0 }
    }

    /// import_logs.py's `test_static_ignores`: one hit of four.
    @Test func staticIgnoresImportsOneLine() throws {
        let result = try outcomes("static_ignores.log", plan: try presetPlan(format: Self.vhostFormat))
        #expect(result == [.pageView, .dropped(.staticAsset), .dropped(.staticAsset), .dropped(.staticAsset)])
    }

    /// Redirects are skipped by the importer's defaults.
    @Test func redirectsAreNotCounted() throws {
        #expect(try outcomes("ncsa_extended.log", plan: try presetPlan()) == [.dropped(.unmatched)])
    }

    func line(method: String = "GET", target: String = "/", status: Int = 200, agent: String = realBrowserAgents[0]) -> String {
        #"192.0.2.10 - - [10/Feb/2012:16:42:07 -0500] "\#(method) \#(target) HTTP/1.1" \#(status) 368 "-" "\#(agent)""#
    }

    /// The importer's rules, one by one, where edgetail's defaults differ.
    @Test func matomoDecisionsLineByLine() throws {
        let plan = try presetPlan()
        let defaults = try makePlan(events: [
            "{ type: linkClick, when: { extension: [pdf, zip, txt] }, link: { kind: download } }",
            "{ type: pageView, when: { method: [GET], status: [2xx, 304] } }",
        ])
        let cases: [(String, matomo: LineOutcome, edgetail: LineOutcome)] = [
            // `-` agents are kept by the importer.
            (line(agent: "-"), .pageView, .dropped(.noUserAgent)),
            // Only its 29 substrings find bots: `feed` catches feed readers, but not Tiny Tiny RSS.
            (line(agent: "UniversalFeedParser/5.0.1 +http://feedparser.org/"), .dropped(.bot), .dropped(.feed)),
            (line(agent: "Tiny Tiny RSS/1.11 (http://tt-rss.org/)"), .pageView, .dropped(.feed)),
            (line(agent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), .dropped(.bot), .dropped(.bot)),
            (line(agent: "Mozilla/5.0 (compatible; Ezooms/1.0; help@moz.com)"), .pageView, .dropped(.botContact)),
            (line(agent: "Ruby"), .pageView, .dropped(.notBrowser)),
            // Every method counts, and every 206.
            (line(method: "HEAD"), .pageView, .dropped(.method)),
            // robots.txt is static in both; a .txt download is a download; xml is static.
            (line(target: "/robots.txt"), .dropped(.staticAsset), .dropped(.staticAsset)),
            (line(target: "/notes.txt"), .linkClick, .linkClick),
            (line(target: "/feed.xml"), .dropped(.staticAsset), .pageView),
            (line(target: "/sitemap.xml"), .dropped(.staticAsset), .dropped(.staticAsset)),
            (line(target: "/favicon.ico"), .dropped(.staticAsset), .dropped(.staticAsset)),
            (line(target: "/report.pdf", status: 404), .dropped(.unmatched), .linkClick),
            // Errors and redirects are not counted; 304 is.
            (line(status: 404), .dropped(.unmatched), .dropped(.unmatched)),
            (line(status: 302), .dropped(.unmatched), .dropped(.unmatched)),
            (line(status: 304), .pageView, .pageView),
        ]
        for (text, matomo, edgetail) in cases {
            #expect(try mapLine(text, plan: plan).0 == matomo, "\(text)")
            #expect(try mapLine(text, plan: defaults).0 == edgetail, "\(text)")
        }
    }

    @Test func thePipelineOverridesWhatThePresetSupplies() throws {
        let plan = try presetPlan(extra: """
                filters: { bots: drop }
                events:
                  - { type: pageView, when: { method: [GET] } }
            """)
        // Its own filters: the defaults, so `-` is a bot again; its own events: GET only.
        #expect(try mapLine(line(agent: "-"), plan: plan).0 == .dropped(.noUserAgent))
        #expect(try mapLine(line(method: "POST"), plan: plan).0 == .dropped(.unmatched))
    }

    @Test func thePresetIsValidConfiguration() throws {
        let body = try PipelinePreset.matomo.body()
        #expect(body.events.count == 2)
        #expect(body.filters.extraBotMarkers.count == 29)
        #expect(body.filters.botList == .none)
        #expect(body.filters.dashUserAgent == .keep)
    }
}

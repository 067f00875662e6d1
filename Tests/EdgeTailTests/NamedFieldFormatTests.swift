import Foundation
import Testing
@testable import EdgeTail

/// `format: json`, `logfmt` and `regex`: fields by name, roles by name or `fields:`.
@Suite struct NamedFieldFormatTests {
    let identity = ["{ namespace: FPID, derive: [client_ip, user_agent], salt: s3cret }"]

    @Test func nginxEscapeJSONLinesBecomePageViews() throws {
        let plan = try makePlan(identity: identity, format: "json")
        let line = #"{"time_iso8601":"2024-03-31T02:30:00.250+05:30","remote_addr":"203.0.113.7","request_method":"GET","request_uri":"/shop/cart?id=3","status":"200","body_bytes_sent":"512","http_referer":"https://ref.example/","http_user_agent":"Mozilla/5.0 (X11)","request_time":"0.004"}"#
        let (outcome, event) = try mapLine(line, plan: plan)
        #expect(outcome == .pageView)
        #expect(event?.value(at: "xdm.web.webPageDetails.URL") as? String == "https://www.example.com/shop/cart?id=3")
        #expect(event?.value(at: "xdm.web.webReferrer.URL") as? String == "https://ref.example/")
        #expect(event?.value(at: "xdm.environment.browserDetails.userAgent") as? String == "Mozilla/5.0 (X11)")
        #expect(event?.value(at: "xdm.timestamp") as? String == "2024-03-30T21:00:00.250Z")
    }

    @Test func jsonEscapeSequencesAreDecoded() throws {
        let plan = try makePlan(identity: identity, extra: "    data: { agent: \"{user_agent}\" }", format: "json")
        let line = #"{"time_iso8601":"2024-03-31T02:30:00+05:30","remote_addr":"203.0.113.7","request_method":"GET","request_uri":"/caf\u00e9/\"menu\"","status":"200","http_referer":"https:\/\/ref.example\/","http_user_agent":"Mozilla/5.0 \"X\" \\ \u00e9\ud83d\ude00\t\u001f"}"#
        let (outcome, event) = try mapLine(line, plan: plan)
        #expect(outcome == .pageView)
        #expect(event?.value(at: "xdm.environment.browserDetails.userAgent") as? String == "Mozilla/5.0 \"X\" \\ é😀\t\u{1F}")
        #expect(event?.value(at: "data.agent") as? String == "Mozilla/5.0 \"X\" \\ é😀\t\u{1F}")
        #expect(event?.value(at: "xdm.web.webReferrer.URL") as? String == "https://ref.example/")
        #expect(event?.value(at: "xdm.web.webPageDetails.URL") as? String == "https://www.example.com/café/\"menu\"")
        // A lone surrogate or a short escape stays as written rather than becoming bad UTF-8.
        let broken = line.replacingOccurrences(of: #"\ud83d\ude00"#, with: #"\ud83d \u12"#)
        let (_, brokenEvent) = try mapLine(broken, plan: plan)
        #expect((brokenEvent?.value(at: "xdm.environment.browserDetails.userAgent") as? String)?.contains("ud83d u12") == true)
    }

    @Test func caddyNestedObjectsAndHeaderArrays() throws {
        let plan = try makePlan(identity: identity, extra: "    data: { duration: \"{var.duration}\" }", format: "json")
        let line = #"{"level":"info","ts":1711832400.25,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"198.51.100.4","proto":"HTTP/2.0","method":"GET","host":"www.example.com","uri":"/docs?q=swift","headers":{"User-Agent":["Mozilla/5.0 (X11; Linux)"],"Accept":["*/*"]}},"duration":0.0012,"size":1024,"status":200}"#
        let (outcome, event) = try mapLine(line, plan: plan)
        #expect(outcome == .pageView)
        #expect(event?.value(at: "xdm.web.webPageDetails.URL") as? String == "https://www.example.com/docs?q=swift")
        #expect(event?.value(at: "xdm.environment.browserDetails.userAgent") as? String == "Mozilla/5.0 (X11; Linux)")
        #expect(event?.value(at: "xdm.timestamp") as? String == "2024-03-30T21:00:00.250Z")
        #expect(event?.value(at: "data.duration") as? String == "0.0012")
    }

    @Test func fieldsNameTheRolesAndTimeFormatsAreHonoured() throws {
        let plan = try makePlan(identity: identity, format: "json, fields: { client: peer, url: target, time: when, user_agent: agent }, time_format: epoch_ms")
        let line = #"{"peer":"192.0.2.1","method":"GET","target":"/a","status":200,"when":1711832400250,"agent":"Mozilla/5.0"}"#
        let (outcome, event) = try mapLine(line, plan: plan)
        #expect(outcome == .pageView)
        #expect(event?.value(at: "xdm.timestamp") as? String == "2024-03-30T21:00:00.250Z")
        #expect(event?.value(at: "xdm.web.webPageDetails.URL") as? String == "https://www.example.com/a")
    }

    @Test func logfmtLines() throws {
        let plan = try makePlan(identity: identity, format: "logfmt")
        let line = #"time=2024-03-30T21:00:00Z client_ip=203.0.113.9 method=GET url="/p?x=1" status=200 bytes=10 user_agent="Mozilla/5.0 (Windows NT 10.0)" cached"#
        let (outcome, event) = try mapLine(line, plan: plan)
        #expect(outcome == .pageView)
        #expect(event?.value(at: "xdm.web.webPageDetails.URL") as? String == "https://www.example.com/p?x=1")
        #expect(event?.value(at: "xdm.environment.browserDetails.userAgent") as? String == "Mozilla/5.0 (Windows NT 10.0)")
    }

    @Test func regexNamedGroupsAreFields() throws {
        let pattern = #"^(?<client>\S+) \[(?<time>[^\]]+)\] (?<method>[A-Z]+) (?<url>\S+) (?<status>\d{3}) \"(?<user_agent>[^\"]*)\" rt=(?<rt>\S+)$"#
        let plan = try makePlan(identity: identity, extra: "    data: { rt: \"{var.rt}\" }", format: "regex, pattern: '\(pattern)'")
        let line = #"198.51.100.20 [10/Oct/2024:13:55:36 +0200] GET /blog/post?id=4 200 "Mozilla/5.0 (Mac)" rt=0.031"#
        let (outcome, event) = try mapLine(line, plan: plan)
        #expect(outcome == .pageView)
        #expect(event?.value(at: "xdm.web.webPageDetails.URL") as? String == "https://www.example.com/blog/post?id=4")
        #expect(event?.value(at: "xdm.timestamp") as? String == "2024-10-10T11:55:36.000Z")
        #expect(event?.value(at: "data.rt") as? String == "0.031")
        let (miss, _) = try mapLine("not an access line at all", plan: plan)
        #expect(miss == .failed(LineParseError.malformedField("line (it does not match the pattern)").description))
    }

    @Test func badLinesFailWithReasonsAndNeverCrash() throws {
        let plan = try makePlan(identity: identity, format: "json")
        let cases: [String] = [
            "",
            "[1,2,3]",
            #"{"remote_addr":"1.2.3.4","time":"2024-03-30T21:00:00Z""#,
            #"{"remote_addr":"1.2.3.4","time":"2024-03-30T21:00:00Z"} trailing"#,
            #"{"remote_addr":"1.2.3.4","time":"yesterday","status":200}"#,
            #"{"remote_addr":"1.2.3.4","status":200}"#,
            #"{"remote_addr":"1.2.3.4","time":"2024-03-30T21:00:00Z","status":"abc"}"#,
            #"{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":1}}}}}}}}},"time":"2024-03-30T21:00:00Z","status":200,"remote_addr":"1.2.3.4","method":"GET","url":"/"}"#,
            "{\"remote_addr\":\"\u{FF}\u{00}\",\"time\":\"2024-03-30T21:00:00Z\"",
        ]
        var outcomes: [String] = []
        for line in cases {
            let (outcome, _) = try mapLine(line, plan: plan)
            outcomes.append("\(outcome)")
        }
        #expect(outcomes.prefix(7).allSatisfy { $0.contains("failed") }, "\(outcomes)")
        // Nesting deeper than followed is skipped, not an error.
        #expect(!outcomes[7].contains("failed"), "\(outcomes[7])")
        #expect(outcomes[8].contains("failed"))
    }

    @Test func configurationMistakesNameTheKey() throws {
        #expect(throws: (any Error).self) { _ = try makePlan(identity: identity, format: "regex") }
        #expect(throws: (any Error).self) { _ = try makePlan(identity: identity, format: "json, fields: { clientip: ip }") }
        #expect(throws: (any Error).self) { _ = try makePlan(identity: identity, format: "combined, time_format: epoch") }
        do {
            _ = try makePlan(identity: identity, format: "regex, pattern: '(?<client>\\S+'")
            Issue.record("a broken pattern was accepted")
        } catch {
            #expect("\(error)".contains("parser.pattern"), "\(error)")
            #expect("\(error)".contains("offset"), "\(error)")
        }
        do {
            _ = try makePlan(identity: identity, format: "json, fields: { clientip: ip }")
        } catch {
            #expect("\(error)".contains("unknown role 'clientip'"), "\(error)")
        }
    }

    func time(_ text: String, _ parsing: TimeParsing) -> LogTime? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { parsing.parse($0, ByteRange(0, bytes.count)) }
    }

    @Test func strftimePatternsAndZones() throws {
        let paris = try #require(TimeParsing.zone("Europe/Paris"))
        let pattern = try TimeParsing.pattern("%Y-%m-%d %H:%M:%S,%f")
        // Summer: Paris is UTC+2; winter: UTC+1.
        let summer = try #require(time("2024-07-01 12:00:00,250", TimeParsing(form: pattern, zone: paris)))
        #expect(summer.epochSeconds == 1_719_828_000 && summer.milliseconds == 250 && summer.offsetSeconds == 7200)
        let winter = try #require(time("2024-01-15 12:00:00,0", TimeParsing(form: pattern, zone: paris)))
        #expect(winter.offsetSeconds == 3600)
        let fixed = try #require(time("15/Jan/24 08:30:00 +0530", TimeParsing(form: try TimeParsing.pattern("%d/%b/%y %T %z"))))
        #expect(fixed.epochSeconds == 1_705_287_600 && fixed.offsetSeconds == 19_800)
        // An ISO time without an offset takes the configured zone; with one, its own.
        let local = try #require(time("2024-07-01T12:00:00", TimeParsing(form: .iso8601, zone: .fixed(seconds: -14_400))))
        #expect(local.epochSeconds == 1_719_849_600)
        let own = try #require(time("2024-07-01T12:00:00Z", TimeParsing(form: .iso8601, zone: paris)))
        #expect(own.epochSeconds == 1_719_835_200)
        #expect(time("2024-07-01 12:00", TimeParsing(form: pattern)) == nil)
        #expect(time("2024-13-01 12:00:00,1", TimeParsing(form: pattern)) == nil)
        #expect(TimeParsing.zone("Mars/Olympus") == nil)
        #expect(TimeParsing.zone("+05:30") == .fixed(seconds: 19_800))
    }

    @Test func timeFormatAndTimezoneMistakesNameTheKey() {
        for (format, expected) in [("json, time_format: '%Y-%q'", "unsupported directive '%q'"), ("json, time_format: yesterday", "unknown time_format 'yesterday'"),
                                   ("json, timezone: Mars/Olympus", "unknown timezone 'Mars/Olympus'"), ("combined, timezone: UTC", "timezone goes with format: json")] {
            do {
                _ = try makePlan(identity: identity, format: format)
                Issue.record("\(format) was accepted")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }

    @Test func aLogfmtLineWithALocalTimeAndAZone() throws {
        let plan = try makePlan(identity: identity, format: "logfmt, time_format: '%Y-%m-%d %H:%M:%S', timezone: Europe/Paris")
        let (outcome, event) = try mapLine(#"time="2024-07-01 12:00:00" client_ip=203.0.113.9 method=GET url=/ status=200 user_agent=Mozilla/5.0"#, plan: plan)
        #expect(outcome == .pageView)
        #expect(event?.value(at: "xdm.timestamp") as? String == "2024-07-01T10:00:00.000Z")
        #expect(event?.value(at: "xdm.placeContext.localTime") as? String == "2024-07-01T12:00:00.000+02:00")
    }
}

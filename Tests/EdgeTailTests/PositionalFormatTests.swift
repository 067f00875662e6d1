import Foundation
import Testing
@testable import EdgeTail

/// `format: w3c`, `cloudfront`, `elb`, `alb` and `haproxy`: fields by position, as
/// their documentation lays them out.
@Suite struct PositionalFormatTests {
    let identity = ["{ namespace: FPID, derive: [client_ip, user_agent], salt: s3cret }"]
    /// The documentation's lines come from curl or capture no user agent, which the bot filter would drop.
    let keepBots = "    filters: { bots: keep }\n"

    func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    @Test func iisDirectivesAreSkippedAndRequestsBecomePageViews() throws {
        let plan = try makePlan(identity: identity, format: "w3c")
        let all = lines(FormatFixtures.iis)
        for directive in all.prefix(4) {
            #expect(try mapLine(directive, plan: plan).0 == .dropped(.directive))
        }
        let (outcome, event) = try mapLine(all[4], plan: plan)
        #expect(outcome == .pageView)
        #expect(event?.value(at: "xdm.web.webPageDetails.URL") as? String == "https://www.example.com/default.htm?id=3")
        #expect(event?.value(at: "xdm.environment.browserDetails.userAgent") as? String == "Mozilla/5.0 (Windows NT 10.0; Win64; x64)")
        #expect(event?.value(at: "xdm.web.webReferrer.URL") as? String == "https://www.example.com/")
        #expect(event?.value(at: "xdm.timestamp") as? String == "2024-01-15T10:15:30.000Z")
        let (second, secondEvent) = try mapLine(all[5], plan: plan)
        #expect(second == .pageView)
        #expect(secondEvent?.value(at: "xdm.web.webPageDetails.URL") as? String == "https://www.example.com/docs/guide.htm")
        #expect(secondEvent?.value(at: "xdm.timestamp") as? String == "2024-01-15T10:15:31.250Z")
        #expect(secondEvent?.value(at: "xdm.web.webReferrer") == nil)
    }

    @Test func aW3CLogWhoseFieldsChangeSaysSoOnTheDirective() throws {
        let plan = try makePlan(identity: identity, format: "w3c, w3c_fields: 'date time c-ip cs-method cs-uri-stem sc-status cs(User-Agent)', timezone: Europe/Paris")
        let (outcome, event) = try mapLine("2024-07-01 12:00:00 198.51.100.9 GET /a 200 Mozilla/5.0+(X11)", plan: plan)
        #expect(outcome == .pageView)
        // Summer time in Paris: UTC+2.
        #expect(event?.value(at: "xdm.timestamp") as? String == "2024-07-01T10:00:00.000Z")
        let (changed, _) = try mapLine("#Fields: date time c-ip cs-method cs-uri-stem sc-status", plan: plan)
        guard case .failed(let reason) = changed else { Issue.record("expected a failure, got \(changed)"); return }
        #expect(reason.contains("w3c_fields") && reason.contains("date time c-ip cs-method cs-uri-stem sc-status"))
        #expect(try mapLine("#Fields: date time c-ip cs-method cs-uri-stem sc-status cs(User-Agent)", plan: plan).0 == .dropped(.directive))
        // Too few or too many columns, and a bad date: clear reasons.
        #expect(try mapLine("2024-07-01 12:00:00 198.51.100.9 GET /a 200", plan: plan).0 == .failed("missing cs(User-Agent)"))
        #expect(try mapLine("2024-07-01 12:00:00 198.51.100.9 GET /a 200 Mozilla/5.0+(X11) extra", plan: plan).0 == .failed(LineParseError.trailingContent.description))
        #expect(try mapLine("2024-13-01 12:00:00 198.51.100.9 GET /a 200 Mozilla/5.0+(X11)", plan: plan).0 == .failed("malformed date and time"))
    }

    @Test func aDashForBytesIsNothingSentAndADashForTheStatusIsAReason() throws {
        let plan = try makePlan(identity: identity, extra: "    data: { bytes: \"{bytes}\" }",
                                format: "w3c, w3c_fields: 'date time c-ip cs-method cs-uri-stem sc-status sc-bytes cs(User-Agent)'")
        let (outcome, event) = try mapLine("2024-07-01 12:00:00 198.51.100.9 GET /a 200 - Mozilla/5.0+(X11)", plan: plan)
        #expect(outcome == .pageView)
        #expect(event?.value(at: "data.bytes") as? String == "0")
        #expect(try mapLine("2024-07-01 12:00:00 198.51.100.9 GET /a - 512 Mozilla/5.0+(X11)", plan: plan).0 == .failed("malformed sc-status"))
    }

    @Test func cloudFrontUsesTheViewersHostAndDecodesTheUserAgent() throws {
        let plan = try makePlan(identity: ["{ namespace: FPID, field: cookie.FPID }"], extra: "    data: { host: \"{host}\" }", format: "cloudfront")
        #expect(try mapLine("#Version: 1.0", plan: plan).0 == .dropped(.directive))
        let (outcome, event) = try mapLine(FormatFixtures.cloudFrontLine, plan: plan)
        #expect(outcome == .pageView)
        #expect(event?.value(at: "xdm.web.webPageDetails.URL") as? String == "https://www.example.com/index.html?utm_source=news")
        #expect(event?.value(at: "data.host") as? String == "www.example.org")
        #expect((event?.value(at: "xdm.environment.browserDetails.userAgent") as? String)?.hasPrefix("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit") == true)
        let identities = event?.value(at: "xdm.identityMap.FPID") as? [[String: Any]]
        #expect(identities?.first?["id"] as? String == "5f3c8a3e-2b6b-4d2e-9c1a-7b0e6f1d2a44")
        #expect(event?.value(at: "xdm.timestamp") as? String == "2019-12-04T21:02:31.000Z")
        // Columns AWS adds later are ignored; a line cut short is not.
        #expect(try mapLine(FormatFixtures.cloudFrontLine + "\tnew-field", plan: plan).0 == .pageView)
        let cut = FormatFixtures.cloudFrontLine.split(separator: "\t").prefix(20).joined(separator: "\t")
        #expect(try mapLine(cut, plan: plan).0 == .failed("missing ssl-protocol"))
    }

    @Test func classicLoadBalancerLinesHaveAbsoluteURLs() throws {
        let plan = try makePlan(identity: identity, extra: keepBots + "    data: { latency: \"{var.backend_processing_time}\", host: \"{host}\" }", format: "elb")
        let (outcome, event) = try mapLine(FormatFixtures.elb, plan: plan)
        #expect(outcome == .pageView)
        // The request's own URL, without the scheme's default port.
        #expect(event?.value(at: "xdm.web.webPageDetails.URL") as? String == "http://www.example.com/")
        #expect(event?.value(at: "data.host") as? String == "www.example.com")
        #expect(event?.value(at: "xdm.timestamp") as? String == "2015-05-13T23:39:43.945Z")
        #expect(event?.value(at: "data.latency") as? String == "0.001048")
        // A TCP listener's line has no HTTP status: a clear failure, not a crash.
        let tcp = #"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -"#
        #expect(try mapLine(tcp, plan: plan).0 == .failed("malformed elb_status_code"))
    }

    @Test func applicationLoadBalancerLines() throws {
        let plan = try makePlan(identity: identity, extra: keepBots + "    privacy: { ip: send }\n    data: { trace: \"{var.trace_id}\", target: \"{var.target_processing_time}\" }", format: "alb")
        let (outcome, event) = try mapLine(FormatFixtures.alb, plan: plan)
        #expect(outcome == .pageView)
        #expect(event?.value(at: "xdm.web.webPageDetails.URL") as? String == "https://www.example.com/shop?id=7")
        #expect(event?.value(at: "xdm.environment.ipV4") as? String == "192.168.131.39")
        #expect(event?.value(at: "data.trace") as? String == "Root=1-58337281-1d84f3d73c47ec4e58577259")
        #expect(event?.value(at: "data.target") as? String == "0.048")
        #expect(try mapLine(FormatFixtures.albHTTP, plan: plan).0 == .pageView)
        // Older lines lack the later columns; a line without a user agent is cut short.
        let old = FormatFixtures.albHTTP.components(separatedBy: " arn:")[0]
        #expect(try mapLine(old, plan: plan).0 == .pageView)
        let short = #"http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1""#
        #expect(try mapLine(short, plan: plan).0 == .failed("missing user_agent"))
        let ipv6 = FormatFixtures.albHTTP.replacingOccurrences(of: "192.168.131.39:2817", with: "2001:db8::7:2817")
        let (_, v6Event) = try mapLine(ipv6, plan: plan)
        #expect(v6Event?.value(at: "xdm.environment.ipV6") as? String == "2001:db8::7")
    }

    @Test func haproxyHTTPLogWithItsSyslogPrefixAndCapturedHeaders() throws {
        let plan = try makePlan(identity: identity, extra: keepBots + "    data: { backend: \"{var.backend_name}\", total: \"{var.Ta}\", host: \"{host}\" }",
                                format: "haproxy, request_headers: [Host], timezone: Europe/Paris")
        let (outcome, event) = try mapLine(FormatFixtures.haproxy, plan: plan)
        #expect(outcome == .pageView)
        #expect(event?.value(at: "data.host") as? String == "1wt.eu")
        // Paris in February: UTC+1.
        #expect(event?.value(at: "xdm.timestamp") as? String == "2009-02-06T11:14:14.655Z")
        #expect(event?.value(at: "data.backend") as? String == "static")
        #expect(event?.value(at: "data.total") as? String == "109")

        let withAgent = try makePlan(identity: identity, format: "haproxy, request_headers: [Host, User-Agent, Referer, X-Forwarded-For]")
        let line = #"203.0.113.9:41122 [06/Feb/2009:12:14:14.655] https-in~ web/srv2 0/0/1/12/13 200 512 - - ---- 3/3/0/0/0 0/0 {www.example.com|Mozilla/5.0 (X11; Linux)|https://ref.example/|198.51.100.1} {} "GET /pricing?plan=pro HTTP/1.1""#
        let (agentOutcome, agentEvent) = try mapLine(line, plan: withAgent)
        #expect(agentOutcome == .pageView)
        #expect(agentEvent?.value(at: "xdm.environment.browserDetails.userAgent") as? String == "Mozilla/5.0 (X11; Linux)")
        #expect(agentEvent?.value(at: "xdm.web.webReferrer.URL") as? String == "https://ref.example/")
        #expect(agentEvent?.value(at: "xdm.web.webPageDetails.URL") as? String == "https://www.example.com/pricing?plan=pro")

        // Lines HAProxy writes that are not HTTP requests fail with a reason.
        let tcp = "Feb  6 12:12:56 localhost haproxy[14387]: 10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0"
        guard case .failed(let reason) = try mapLine(tcp, plan: plan).0 else { Issue.record("a TCP line parsed"); return }
        #expect(reason.contains("is this an HTTP log?") || reason.contains("malformed"), "\(reason)")
        let aborted = #"10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/<NOSRV> -1/-1/-1/-1/0 -1 0 - - CR-- 1/1/1/1/0 0/0 "<BADREQ>""#
        #expect(try mapLine(aborted, plan: plan).0 == .failed("malformed status_code"))
    }

    @Test func nginxPathAndArgsLoggedApartMakeOneURL() throws {
        let plan = try makePlan(identity: identity, format: #"nginx, log_format: '$remote_addr [$time_local] "$request_method $uri $server_protocol" $status "$args" "$http_user_agent"'"#)
        let (outcome, event) = try mapLine(#"203.0.113.7 [10/Oct/2024:13:55:36 +0200] "GET /search HTTP/1.1" 200 "q=swift&page=2" "Mozilla/5.0 (X11)""#, plan: plan)
        #expect(outcome == .pageView)
        #expect(event?.value(at: "xdm.web.webPageDetails.URL") as? String == "https://www.example.com/search?q=swift&page=2")
    }

    @Test func configurationMistakesNameTheKey() throws {
        for (parser, expected) in [
            ("combined, w3c_fields: 'date time c-ip'", "w3c_fields goes with format: w3c or format: cloudfront"),
            ("w3c, w3c_fields: 'c-ip cs-method'", "has no date and time fields"),
            ("combined, request_headers: [Host]", "request_headers goes with format: haproxy"),
            ("elb, timezone: UTC", "timezone goes with format"),
            ("iis", "unknown"),
        ] {
            #expect(throws: (any Error).self, "\(parser)") { try makePlan(identity: identity, format: parser) }
            do { _ = try makePlan(identity: identity, format: parser) } catch {
                #expect("\(error)".contains(expected) && "\(error)".contains("parser"), "\(error)")
            }
        }
    }
}

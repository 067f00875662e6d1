import Foundation
import Testing
@testable import EdgeTail

/// `edgetail detect`: the format that parses most of a sample is suggested.
@Suite struct FormatDetectorTests {
    func lines(_ text: String) -> [[UInt8]] {
        text.split(separator: "\n").map { Array($0.utf8) }
    }

    @Test func theBundledSampleIsCombined() throws {
        let sample = try String(contentsOfFile: repositoryRoot.path + "/samples/access.log", encoding: .utf8)
        let best = try #require(FormatDetector.detect(lines(sample).prefix(500).map { $0 }).first)
        #expect(best.format == "combined")
        #expect(best.parsed > 490)
        #expect(Set(["client", "time", "method", "url", "status", "user_agent"]).isSubset(of: best.roles))
    }

    @Test func commonLinesAreCommonNotCombined() throws {
        let best = try #require(FormatDetector.detect(lines("""
        10.0.0.1 - - [10/Oct/2024:13:55:36 +0200] "GET / HTTP/1.1" 200 12
        10.0.0.2 - bob [10/Oct/2024:13:55:37 +0200] "GET /a HTTP/1.1" 404 -
        """)).first)
        #expect(best.format == "common")
        #expect(best.failed == 0)
    }

    @Test func jsonAndLogfmtAreRecognisedWithTheirFields() throws {
        let json = try #require(FormatDetector.detect(lines("""
        {"time":"2024-03-30T21:00:00Z","client_ip":"10.0.0.1","method":"GET","url":"/","status":200,"request_id":"r1"}
        {"time":"2024-03-30T21:00:01Z","client_ip":"10.0.0.2","method":"GET","url":"/b","status":200,"request_id":"r2"}
        """)).first)
        #expect(json.format == "json")
        #expect(json.otherFields == ["request_id"])
        #expect(!json.roles.contains("user_agent"))
        let logfmt = try #require(FormatDetector.detect(lines("""
        time=2024-03-30T21:00:00Z client_ip=10.0.0.1 method=GET url=/ status=200 user_agent="Mozilla/5.0 (X11)"
        """)).first)
        #expect(logfmt.format == "logfmt")
        #expect(logfmt.roles.contains("user_agent"))
    }

    @Test func somethingElseParsesNowhere() {
        let results = FormatDetector.detect(lines("hello world\nanother line without a format"))
        #expect(results.allSatisfy { $0.parsed == 0 })
        #expect(results.allSatisfy { $0.firstError != nil })
    }

    /// Lines as each server's documentation shows them.
    @Test(arguments: [
        ("vhost-combined", #"www.example.com:443 203.0.113.7 - - [10/Oct/2024:13:55:36 +0200] "GET /a HTTP/1.1" 200 153 "-" "Mozilla/5.0 (X11)""#),
        ("json (nginx)", #"{"time_iso8601":"2024-10-10T13:55:36+02:00","remote_addr":"203.0.113.7","request_method":"GET","request_uri":"/a","status":"200","body_bytes_sent":"153","http_referer":"","http_user_agent":"Mozilla/5.0 (X11)"}"#),
        ("json (Caddy)", #"{"level":"info","ts":1646861401.5241024,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"127.0.0.1","remote_port":"41342","client_ip":"127.0.0.1","proto":"HTTP/2.0","method":"GET","host":"localhost","uri":"/","headers":{"User-Agent":["curl/7.82.0"],"Accept":["*/*"]},"tls":{"resumed":false,"version":772,"cipher_suite":4865,"proto":"h2","server_name":"example.com"}},"bytes_read":0,"user_id":"","duration":0.000929675,"size":10900,"status":200,"resp_headers":{"Server":["Caddy"],"Content-Type":["text/html; charset=utf-8"]}}"#),
        ("json (Traefik)", #"{"ClientAddr":"192.168.1.10:54321","ClientHost":"192.168.1.10","ClientPort":"54321","DownstreamContentSize":1024,"DownstreamStatus":200,"Duration":1234567,"RequestHost":"example.com","RequestMethod":"GET","RequestPath":"/api/users","RequestProtocol":"HTTP/1.1","StartUTC":"2024-01-15T10:30:00.123456789Z","request_User-Agent":"Mozilla/5.0 (X11)"}"#),
    ])
    func dialectsAreNamed(_ expected: String, _ line: String) throws {
        let best = try #require(FormatDetector.detect([Array(line.utf8)]).first)
        #expect(best.format == expected)
        #expect(best.parsed == 1, "\(best.firstError ?? "")")
        #expect(best.roles.contains("client") && best.roles.contains("time") && best.roles.contains("url"), "\(best.roles)")
    }

    /// W3C/IIS, CloudFront, HAProxy and the load balancers, from their documentation's lines.
    @Test(arguments: [
        ("w3c", FormatFixtures.iis, 2),
        ("cloudfront", FormatFixtures.cloudFront, 1),
        ("haproxy", FormatFixtures.haproxy, 1),
        ("elb", FormatFixtures.elb, 1),
        ("alb", FormatFixtures.alb + "\n" + FormatFixtures.albHTTP, 2),
    ])
    func positionalFormatsAreRecognised(_ expected: String, _ sample: String, _ requests: Int) throws {
        let results = FormatDetector.detect(lines(sample))
        let best = try #require(results.first)
        #expect(best.format == expected)
        #expect(best.parsed == requests && best.failed == 0, "\(best.firstError ?? "")")
        #expect(best.roles.contains("client") && best.roles.contains("time") && best.roles.contains("url"), "\(best.roles)")
        // Only one format reads them all.
        #expect(results.dropFirst().allSatisfy { $0.parsed < requests }, "\(results.map { ($0.format, $0.parsed) })")
    }

    @Test func aW3CHeaderBecomesTheSuggestedFields() throws {
        let sample = "#Fields: date time c-ip cs-method cs-uri-stem sc-status\n2024-01-15 10:15:30 203.0.113.7 GET /a 200"
        let best = try #require(FormatDetector.detect(lines(sample)).first)
        #expect(best.format == "w3c")
        #expect(best.parserYAML == "{ format: w3c, w3c_fields: 'date time c-ip cs-method cs-uri-stem sc-status' }")
        let iis = try #require(FormatDetector.detect(lines(FormatFixtures.iis)).first)
        #expect(iis.parserYAML == "{ format: w3c }")
        // Without its header, an IIS line is still recognised by IIS's default fields.
        let headless = try #require(FormatDetector.detect(lines(FormatFixtures.iis).filter { !$0.starts(with: Array("#".utf8)) }).first)
        #expect(headless.format == "w3c" && headless.parsed == 2)
    }
}

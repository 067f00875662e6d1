import Foundation
import Testing
@testable import EdgeTail

/// Each example in pipelines/ turns a line of its format, as the server writes it,
/// into a page view: the examples are tried, not only validated.
@Suite struct BundledPipelineTests {
    static let agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
    static let examples: [(String, String, String)] = [
        ("nginx-combined.yaml", #"203.0.113.7 - - [10/Oct/2024:13:55:36 +0200] "GET /a HTTP/1.1" 200 153 "-" "\#(agent)""#, "https://www.example.com/a"),
        ("apache-combined.yaml", #"203.0.113.7 - - [10/Oct/2024:13:55:36 +0200] "GET /a HTTP/1.1" 200 153 "-" "\#(agent)""#, "https://www.example.com/a"),
        ("nginx-json.yaml", #"{"time_iso8601":"2024-10-10T13:55:36+02:00","remote_addr":"203.0.113.7","request_method":"GET","request_uri":"/a?b=1","status":"200","body_bytes_sent":"153","http_referer":"","http_user_agent":"\#(agent)","http_cookie":"","request_time":"0.004"}"#, "https://www.example.com/a?b=1"),
        ("caddy-json.yaml", #"{"level":"info","ts":1646861401.5241024,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"127.0.0.1","proto":"HTTP/2.0","method":"GET","host":"shop.example.com","uri":"/cart","headers":{"User-Agent":["\#(agent)"]}},"duration":0.0009,"size":10900,"status":200}"#, "https://shop.example.com/cart"),
        ("traefik-json.yaml", #"{"ClientHost":"192.168.1.10","DownstreamContentSize":1024,"DownstreamStatus":200,"Duration":1234567,"RequestHost":"example.com","RequestMethod":"GET","RequestPath":"/api/users","RequestProtocol":"HTTP/1.1","RouterName":"web@docker","StartUTC":"2024-01-15T10:30:00.123456789Z","request_User-Agent":"\#(agent)"}"#, "https://example.com/api/users"),
        ("logfmt-app.yaml", #"at=info ts=2024-03-30T21:00:00.250Z method=GET path=/docs status=200 ip=203.0.113.7 host=www.example.com ua="\#(agent)""#, "https://www.example.com/docs"),
        ("regex-custom.yaml", #"www.example.com 203.0.113.7 - [30/Mar/2024:21:00:00 +0000] "GET /docs HTTP/1.1" 200 512 "-" "\#(agent)" 0.004"#, "https://www.example.com/docs"),
        ("iis-w3c.yaml", FormatFixtures.iis.split(separator: "\n")[4].description, "https://www.example.com/default.htm?id=3"),
        ("cloudfront.yaml", FormatFixtures.cloudFrontLine, "https://www.example.org/index.html?utm_source=news"),
        ("haproxy.yaml", #"203.0.113.9:41122 [06/Feb/2009:12:14:14.655] https-in~ web/srv2 0/0/1/12/13 200 512 - - ---- 3/3/0/0/0 0/0 {www.example.com|\#(agent)|-|-} {} "GET /pricing HTTP/1.1""#, "https://www.example.com/pricing"),
        ("aws-alb.yaml", FormatFixtures.alb.replacingOccurrences(of: "curl/7.46.0", with: agent), "https://www.example.com/shop?id=7"),
        ("aws-elb.yaml", FormatFixtures.elb.replacingOccurrences(of: "curl/7.38.0", with: agent), "http://www.example.com/"),
    ]

    @Test(arguments: examples)
    func theExampleMakesAPageView(_ file: String, _ line: String, _ url: String) throws {
        let directory = try TemporaryDirectory()
        let (configuration, main) = try loadBundledPipeline(file, in: directory)
        let plan = try PipelinePlan(configuration.pipelines[0], file: main)
        let (outcome, event) = try mapLine(line, plan: plan)
        #expect(outcome == .pageView, "\(outcome)")
        #expect(event?.value(at: "xdm.web.webPageDetails.URL") as? String == url)
        #expect((event?.value(at: "xdm.environment.browserDetails.userAgent") as? String)?.hasPrefix(Self.agent) == true)
    }

    @Test func everyExampleIsTried() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.path + "/pipelines")
            .filter { $0.hasSuffix(".yaml") && !["demo.yaml", "journald-nginx.yaml", "nginx-custom.yaml", "apache-vhost.yaml"].contains($0) }
        #expect(Set(files) == Set(Self.examples.map(\.0)))
    }
}

import Foundation
import Testing
@testable import EdgeTail

@Suite struct ParseReportTests {
    @Test func reportCountsReasonsAndRanksAgentsAndPaths() throws {
        let plan = try makePlan()
        var inspector = LineInspector(plan: plan)
        inspector.describesRequests = true
        var report = ParseReport(top: 2)
        let browser = realBrowserAgents[0]
        let lines = [
            (#"192.0.2.1 - - [10/Oct/2024:13:55:36 +0000] "GET /a HTTP/1.1" 200 1 "-" "\#(browser)""#),
            (#"192.0.2.1 - - [10/Oct/2024:13:55:37 +0000] "GET /a HTTP/1.1" 200 1 "-" "\#(browser)""#),
            (#"192.0.2.2 - - [10/Oct/2024:13:55:38 +0000] "GET /b HTTP/1.1" 200 1 "-" "\#(browser)""#),
            (#"192.0.2.3 - - [10/Oct/2024:13:55:39 +0000] "GET /c HTTP/1.1" 200 1 "-" "\#(realBrowserAgents[2])""#),
            (#"192.0.2.4 - - [10/Oct/2024:13:55:40 +0000] "GET /feed.xml HTTP/1.1" 200 1 "-" "Feedbin - 3 subscribers""#),
            (#"192.0.2.5 - - [10/Oct/2024:13:55:41 +0000] "HEAD / HTTP/1.1" 200 1 "-" "\#(browser)""#),
            (#"192.0.2.5 - - [10/Oct/2024:13:55:41 +0000] "GET / HTTP/1.1" 2xx 1 "-" "\#(browser)""#),
        ]
        for (number, text) in lines.enumerated() {
            let bytes = Array((text + "\n").utf8)
            let line = LineBatch.Line(range: ByteRange(0, bytes.count - 1), offset: 0)
            let inspection = inspector.inspect(bytes, line: line, number: number + 1)
            report.add(inspection.outcome, userAgent: inspection.userAgent, path: inspection.path)
        }
        #expect(report.groupNames == ["pageView", "feed", "method", "failed"])
        #expect(report.groups["pageView"]?.lines == 4)
        let text = report.text
        #expect(text.contains("Outcomes by reason"))
        #expect(text.contains("pageView           4   57.1 %"))
        #expect(text.contains("pageView: top paths\n       2  /a\n       1  /b\n"))
        #expect(text.contains("pageView: top user agents\n       3  \(browser)\n       1  \(realBrowserAgents[2])\n"))
        #expect(text.contains("feed: top user agents\n       1  Feedbin - 3 subscribers\n"))
        #expect(text.contains("method: top paths\n       1  /\n"))
        #expect(!text.contains("failed: top"))
    }

    @Test func distinctEntriesAreBounded() {
        var report = ParseReport(top: 3, limit: 2)
        for path in ["/a", "/b", "/c", "/d", "/a"] { report.add(.pageView, userAgent: "x", path: path) }
        #expect(report.text.contains("       2  (others)\n"))
        #expect(report.text.contains("       2  /a\n"))
    }
}

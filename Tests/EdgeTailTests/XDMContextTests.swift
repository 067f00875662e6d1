import Foundation
import Testing
@testable import EdgeTail

/// The context a browser SDK would add and a log shipper adds itself: what sent the
/// event, the environment, the local time and its offset, error pages and campaigns.
@Suite struct XDMContextTests {
    let browser = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"

    func line(target: String = "/a", status: Int = 200, zone: String = "+0200", agent: String? = nil) -> String {
        #"192.0.2.10 - - [10/Oct/2024:13:55:36 \#(zone)] "GET \#(target) HTTP/1.1" \#(status) 512 "-" "\#(agent ?? browser)""#
    }

    @Test func everyEventSaysWhatSentIt() throws {
        let plan = try makePlan(events: [#"{ type: linkClick, when: { path: "^/out$" } }"#, "{ type: pageView }"])
        for target in ["/a", "/out"] {
            let (_, event) = try mapLine(line(target: target), plan: plan)
            let details = try #require(event?.value(at: "xdm.implementationDetails") as? [String: Any])
            #expect(details.count == 3)
            #expect(details["name"] as? String == "edgetail")
            #expect(details["version"] as? String == EdgeTailVersion.string)
            #expect(details["environment"] as? String == "server")
        }
        #expect(String(decoding: ImplementationDetails.json(version: "1.2.3-\"beta\""), as: UTF8.self)
                == #""implementationDetails":{"name":"edgetail","version":"1.2.3-\"beta\"","environment":"server"}"#)
    }

    @Test func aBrowserIsSaidToBeOneAndOtherClientsAreNotTyped() throws {
        let plan = try makePlan(extra: "    filters: { bots: keep }")
        let agents: [(String, String?)] = [
            (browser, "browser"),
            ("Opera/9.80 (Windows NT 6.1) Presto/2.12.388 Version/12.16", "browser"),
            ("okhttp/4.12.0", nil),
            ("MyShop/3.1 (iPhone; iOS 17.0)", nil),
            ("Mozilla", nil),
        ]
        for (agent, type) in agents {
            let (outcome, event) = try mapLine(line(agent: agent), plan: plan)
            #expect(outcome == .pageView)
            #expect(event?.value(at: "xdm.environment.type") as? String == type, "\(agent)")
            #expect(event?.value(at: "xdm.environment.browserDetails.userAgent") as? String == agent)
        }
    }

    @Test func localTimeAndItsOffsetInMinutesAsBrowsersCountThem() throws {
        let plan = try makePlan()
        let cases: [(zone: String, local: String, offset: Int)] = [
            ("+0200", "2024-10-10T13:55:36.000+02:00", -120),
            ("+0100", "2024-10-10T13:55:36.000+01:00", -60),
            ("-0700", "2024-10-10T13:55:36.000-07:00", 420),
            ("+0545", "2024-10-10T13:55:36.000+05:45", -345),
            ("+0000", "2024-10-10T13:55:36.000+00:00", 0),
        ]
        for item in cases {
            let (_, event) = try mapLine(line(zone: item.zone), plan: plan)
            let place = try #require(event?.value(at: "xdm.placeContext") as? [String: Any])
            #expect(place["localTime"] as? String == item.local)
            #expect(place["localTimezoneOffset"] as? Int == item.offset, "\(item.zone)")
        }
        // The offset follows the line when the second stays the same but the zone changes.
        var mapper = EventMapper(plan: plan)
        var writer = JSONWriter()
        // 13:55:36 +0200 and 12:55:36 +0100 are the same second.
        for text in [line(zone: "+0200"), line(zone: "+0100").replacingOccurrences(of: "13:55:36", with: "12:55:36")] {
            writer.removeAll()
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBufferPointer { mapper.map($0, line: ByteRange(0, bytes.count), offset: 0, eventID: EventID(pipeline: "p", source: "s"), into: &writer) }
        }
        let last = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any]
        #expect(last?.value(at: "xdm.placeContext.localTimezoneOffset") as? Int == -60)
    }

    @Test func errorPagesByDefaultAre404s() throws {
        let plan = try makePlan(events: ["{ type: pageView, when: { status: [2xx, 4xx] } }"])
        let expected: [(Int, Bool)] = [(200, false), (404, true), (410, false), (403, false)]
        for (status, isError) in expected {
            let (_, event) = try mapLine(line(status: status), plan: plan)
            #expect(event?.value(at: "xdm.web.webPageDetails.isErrorPage") as? Bool == isError, "\(status)")
        }
    }

    @Test func errorPagesFollowTheRule() throws {
        let plan = try makePlan(events: [
            #"{ type: pageView, when: { path: "^/shop" }, page: { error_page: [4xx, 500] } }"#,
            #"{ type: pageView, when: { path: "^/api" }, page: { error_page: [] } }"#,
            "{ type: pageView, page: { error_page: 410 } }",
        ])
        let expected: [(String, Int, Bool)] = [
            ("/shop/a", 404, true), ("/shop/a", 403, true), ("/shop/a", 500, true), ("/shop/a", 503, false), ("/shop/a", 200, false),
            ("/api/x", 404, false), ("/other", 410, true), ("/other", 404, false),
        ]
        for (target, status, isError) in expected {
            let (_, event) = try mapLine(line(target: target, status: status), plan: plan)
            #expect(event?.value(at: "xdm.web.webPageDetails.isErrorPage") as? Bool == isError, "\(target) \(status)")
        }
        do {
            _ = try makePlan(events: ["{ type: pageView, page: { error_page: [4x4] } }"])
            Issue.record("a bad status was accepted")
        } catch {
            #expect("\(error)".contains("events[0].page.error_page: unknown status '4x4'"), "\(error)")
        }
    }

    @Test func theBundledPipelinesMark404sAsErrorPages() throws {
        let directory = try TemporaryDirectory()
        let (configuration, main) = try loadBundledPipeline("nginx-combined.yaml", in: directory)
        let plan = try PipelinePlan(configuration.pipelines[0], file: main)
        let (notFound, missing) = try mapLine(line(target: "/no-such-page", status: 404), plan: plan)
        #expect(notFound == .pageView)
        #expect(missing?.value(at: "xdm.web.webPageDetails.isErrorPage") as? Bool == true)
        let (_, found) = try mapLine(line(status: 200), plan: plan)
        #expect(found?.value(at: "xdm.web.webPageDetails.isErrorPage") as? Bool == false)
        for file in try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.path + "/pipelines") where file.hasSuffix(".yaml") {
            let text = try String(contentsOfFile: repositoryRoot.path + "/pipelines/" + file, encoding: .utf8)
            #expect(text.contains("error_page: [404]"), "\(file)")
            #expect(text.contains(#"tracking_code: "{query.cid}""#), "\(file)")
        }
    }

    @Test func trackingCodeComesFromItsTemplate() throws {
        let plan = try makePlan(events: [#"{ type: linkClick, when: { path: "^/out$" } }"#, "{ type: pageView }"],
                                extra: #"    tracking_code: "{query.cid}""#)
        let (_, campaign) = try mapLine(line(target: "/landing?cid=spring%2Dsale&x=1"), plan: plan)
        #expect(campaign?.value(at: "xdm.marketing.trackingCode") as? String == "spring-sale")
        let (_, click) = try mapLine(line(target: "/out?cid=mail-7"), plan: plan)
        #expect(click?.value(at: "xdm.marketing.trackingCode") as? String == "mail-7")
        for target in ["/landing", "/landing?cid=", "/landing?cid"] {
            let (_, none) = try mapLine(line(target: target), plan: plan)
            #expect(none?.value(at: "xdm.marketing") == nil, "\(target)")
        }
        let combined = try makePlan(extra: #"    tracking_code: "{query.utm_source}:{query.utm_campaign}""#)
        let (_, both) = try mapLine(line(target: "/?utm_source=news&utm_campaign=fall"), plan: combined)
        #expect(both?.value(at: "xdm.marketing.trackingCode") as? String == "news:fall")
        let (_, noCode) = try mapLine(line(), plan: try makePlan())
        #expect(noCode?.value(at: "xdm.marketing") == nil)
        do {
            _ = try makePlan(extra: #"    tracking_code: "{query.cid""#)
            Issue.record("a bad template was accepted")
        } catch {
            #expect("\(error)".contains("tracking_code: unclosed '{'"), "\(error)")
        }
    }
}

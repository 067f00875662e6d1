import AsyncHTTPClient
import Foundation
import Testing
@testable import LocalEdge

/// The console's JSON endpoints: what a pipeline's author sees of the events sent
/// and of the requests refused.
@Suite struct ConsoleAPITests {
    let alice = UUID().uuidString.lowercased()
    let bob = UUID().uuidString.lowercased()

    /// Three page views of Alice sent out of time order, two link clicks of Bob carrying
    /// pipeline data in `data` and in a tenant object.
    func sendSample(_ collector: Collector) async throws {
        let pages = [("2026-11-27T10:17:05.000Z", "/c"), ("2026-11-27T10:15:01.000Z", "/a"), ("2026-11-27T10:15:40.000Z", "/b")]
        for (timestamp, path) in pages {
            var event = xdmEvent(timestamp: timestamp, fpid: alice, xdm: [
                "web": ["webPageDetails": ["URL": "https://example.com\(path)", "name": "page \(path)", "pageViews": ["value": 1]]],
            ])
            event["data"] = ["status": "200", "search": path == "/b" ? "needle-in-haystack" : ""]
            #expect(try await collector.collect([event]).status == 202)
        }
        let clicks = (0..<2).map { index in
            xdmEvent(eventType: "web.webinteraction.linkClicks", timestamp: "2026-11-27T10:15:5\(index).000Z", fpid: bob, xdm: [
                "web": ["webInteraction": ["URL": "https://elsewhere.example/\(index)", "name": "out \(index)", "type": "exit", "linkClicks": ["value": 1]]],
                "_acme": ["campaign": "spring", "rank": index],
            ])
        }
        #expect(try await collector.collect(clicks).status == 202)
    }

    func get<T: Decodable>(_ collector: Collector, _ path: String, as type: T.Type) async throws -> T {
        let reply = try await collector.send(path, method: .GET, headers: [], body: nil)
        #expect(reply.status == 200, "\(path): \(String(decoding: reply.body, as: UTF8.self))")
        #expect(reply.headers["content-type"].first == "application/json")
        return try JSONDecoder().decode(T.self, from: reply.body)
    }

    @Test func eventsAreListedNewestFirstWithWhatThePipelineSent() async throws {
        try await withCollector { collector in
            try await sendSample(collector)
            let all = try await get(collector, "/console/api/events", as: ConsoleRoutes.EventsAnswer.self)
            #expect(all.matching == 5)
            #expect(all.events.map(\.seq) == all.events.map(\.seq).sorted(by: >))
            #expect(all.events.map(\.kind) == ["linkClick", "linkClick", "pageView", "pageView", "pageView"])

            let click = try #require(all.events.first)
            #expect(click.identity == bob && click.namespace == "FPID")
            #expect(click.url == "https://elsewhere.example/1" && click.name == "out 1" && click.linkType == "exit")
            #expect(click.pipelineData?["_acme"] == .object(["campaign": .string("spring"), "rank": .integer(1)]))
            let page = try #require(all.events.last)
            #expect(page.url == "https://example.com/c" && page.linkType == nil)
            #expect(page.pipelineData?["data"]?["status"] == .string("200"))
            #expect(page.pipelineData?["_id"] == nil)

            let after = try await get(collector, "/console/api/events?after=\(page.seq)", as: ConsoleRoutes.EventsAnswer.self)
            #expect(after.events.count == 4 && after.events.allSatisfy { $0.seq > page.seq })
            #expect(after.matching == 5)
            let limited = try await get(collector, "/console/api/events?limit=2", as: ConsoleRoutes.EventsAnswer.self)
            #expect(limited.events.map(\.seq) == Array(all.events.prefix(2).map(\.seq)))
        }
    }

    @Test func searchNarrowsByTypeIdentityAndText() async throws {
        try await withCollector { collector in
            try await sendSample(collector)
            let clicks = try await get(collector, "/console/api/events?type=linkClick", as: ConsoleRoutes.EventsAnswer.self)
            #expect(clicks.matching == 2 && clicks.events.allSatisfy { $0.kind == "linkClick" })
            let raw = try await get(collector, "/console/api/events?type=web.webpagedetails.pageViews", as: ConsoleRoutes.EventsAnswer.self)
            #expect(raw.matching == 3)

            let part = String(alice.prefix(13))
            let byPart = try await get(collector, "/console/api/events?identity=\(part)", as: ConsoleRoutes.EventsAnswer.self)
            #expect(byPart.matching == 3 && byPart.events.allSatisfy { $0.identity == alice })
            let exact = try await get(collector, "/console/api/events?identity=FPID:\(bob)", as: ConsoleRoutes.EventsAnswer.self)
            #expect(exact.matching == 2 && exact.events.allSatisfy { $0.identity == bob })
            let otherNamespace = try await get(collector, "/console/api/events?identity=ECID:\(bob)", as: ConsoleRoutes.EventsAnswer.self)
            #expect(otherNamespace.matching == 0)

            let text = try await get(collector, "/console/api/events?q=needle-in", as: ConsoleRoutes.EventsAnswer.self)
            #expect(text.events.map(\.url) == ["https://example.com/b"])
            // LIKE's wildcards are taken literally.
            let wildcard = try await get(collector, "/console/api/events?q=%25", as: ConsoleRoutes.EventsAnswer.self)
            #expect(wildcard.matching == 0)
            let both = try await get(collector, "/console/api/events?type=pageView&q=elsewhere", as: ConsoleRoutes.EventsAnswer.self)
            #expect(both.matching == 0)
        }
    }

    @Test func aVisitorsTimelineIsInEventTimeOrder() async throws {
        try await withCollector { collector in
            try await sendSample(collector)
            let timeline = try await get(collector, "/console/api/visitor/\(alice)", as: ConsoleRoutes.TimelineAnswer.self)
            #expect(timeline.identity == alice)
            #expect(timeline.events.map(\.url) == ["https://example.com/a", "https://example.com/b", "https://example.com/c"])
            let sameNamespace = try await get(collector, "/console/api/visitor/\(alice)?namespace=FPID", as: ConsoleRoutes.TimelineAnswer.self)
            #expect(sameNamespace.events.count == 3)
            let otherNamespace = try await get(collector, "/console/api/visitor/\(alice)?namespace=ECID", as: ConsoleRoutes.TimelineAnswer.self)
            #expect(otherNamespace.events.isEmpty)
        }
    }

    @Test func rejectionsAreGroupedByCodeAndTheLatestKept() async throws {
        try await withCollector { collector in
            let repeats = RejectionTable.keptPerCode + 5
            for index in 0..<repeats {
                let reply = try await collector.send("/ee/v2/collect?requestId=missing-\(index)", body: payload([xdmEvent()]))
                expectProblem(reply, "EXEG-0002-400", status: 400)
            }
            let notJSON = try await collector.send(body: Data("{not json".utf8))
            expectProblem(notJSON, "EXEG-0101-400", status: 400)

            let groups = try await get(collector, "/console/api/rejections", as: [RejectionGroup].self)
            #expect(groups.map(\.code) == ["EXEG-0101-400", "EXEG-0002-400"])
            let missing = try #require(groups.last)
            #expect(missing.total == repeats && missing.status == 400 && !missing.title.isEmpty)
            #expect(missing.recent.count == RejectionTable.keptPerCode)
            #expect(missing.recent.first?.requestID == "missing-\(repeats - 1)")
            #expect(missing.recent.last?.requestID == "missing-5")
            let problem = try #require(missing.recent.first?.problem)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(problem.utf8)) as? [String: Any])
            #expect(body["type"] as? String == "https://ns.adobe.com/aep/errors/EXEG-0002-400")
            #expect((body["report"] as? [String: Any])?["requestId"] as? String == "missing-\(repeats - 1)")
            let bad = try #require(groups.first?.recent.first)
            #expect(bad.detail == notJSON.detail && bad.datastreamID == "ds1")

            let summary = try await get(collector, "/console/api/summary", as: ConsoleRoutes.Summary.self)
            #expect(summary.rejected == repeats + 1)
            #expect(summary.stats.requests["400"] == repeats + 1)
        }
    }

    @Test func rejectionsSurviveARestart() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withCollector(directory: directory) { collector in
            _ = try await collector.send(body: Data())
        }
        try await withCollector(directory: directory) { collector in
            let groups = try await get(collector, "/console/api/rejections", as: [RejectionGroup].self)
            #expect(groups.map(\.code) == ["EXEG-0109-408"])
            #expect(groups.first?.total == 1)
        }
    }

    @Test func theChartCountsEachMinuteOfEventTimeGapsIncluded() async throws {
        try await withCollector { collector in
            try await sendSample(collector)
            let minutes = try await get(collector, "/console/api/chart", as: [ChartMinute].self)
            #expect(minutes == [
                ChartMinute(minute: "2026-11-27T10:15", pageViews: 2, linkClicks: 2),
                ChartMinute(minute: "2026-11-27T10:16", pageViews: 0, linkClicks: 0),
                ChartMinute(minute: "2026-11-27T10:17", pageViews: 1, linkClicks: 0),
            ])
            let lastTwo = try await get(collector, "/console/api/chart?minutes=2", as: [ChartMinute].self)
            #expect(lastTwo.map(\.minute) == ["2026-11-27T10:16", "2026-11-27T10:17"])
            let svg = try await collector.send("/console/chart.svg", method: .GET, headers: [], body: nil)
            #expect(svg.headers["content-type"].first == "image/svg+xml")
            let text = String(decoding: svg.body, as: UTF8.self)
            #expect(text.hasPrefix("<svg") && text.contains("10:15: 2 page views, 2 link clicks"))
        }
    }

    /// Without script the page already lists the latest events and an addressed timeline.
    @Test func thePageIsRenderedWithTheDataAlreadyInIt() async throws {
        try await withCollector { collector in
            try await sendSample(collector)
            _ = try await collector.send("/ee/v2/collect", body: payload([xdmEvent()]))
            let reply = try await collector.send("/?visitor=\(alice)", method: .GET, headers: [], body: nil)
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"].first == "text/html; charset=utf-8")
            let page = String(decoding: reply.body, as: UTF8.self)
            #expect(page.matches(of: /data-seq="\d+"/).count == 5 + 3)
            #expect(page.contains("id=\"count-events\">5<"))
            #expect(page.contains("id=\"count-rejected\">1<"))
            #expect(page.contains("EXEG-0002-400"))
            #expect(page.contains("3 events in time order"))
            // Everything is inline: nothing for a browser to fetch elsewhere.
            #expect(!page.contains("<script src=") && !page.contains("<link "))
        }
    }

    @Test func withoutADatasetTheConsoleSaysNothingIsKept() async throws {
        try await withCollector(store: false) { collector in
            #expect(try await collector.collect([xdmEvent()]).status == 202)
            let events = try await get(collector, "/console/api/events", as: ConsoleRoutes.EventsAnswer.self)
            #expect(events.events.isEmpty)
            let summary = try await get(collector, "/console/api/summary", as: ConsoleRoutes.Summary.self)
            #expect(!summary.keepsEvents && summary.stats.eventsStored == 1)
            let page = try await collector.send("/", method: .GET, headers: [], body: nil)
            #expect(String(decoding: page.body, as: UTF8.self).contains("Restart with --db PATH"))
        }
    }
}

import Foundation
import Testing
@testable import EdgeTail

@Suite struct NonVisitRequestTests {
    let anyMethod = ["{ type: pageView, when: { status: [2xx, 304] } }"]

    func line(method: String = "GET", target: String = "/a", status: Int = 200, time: String = "10/Oct/2024:13:55:36 +0000",
              ip: String = "192.0.2.10") -> String {
        #"\#(ip) - - [\#(time)] "\#(method) \#(target) HTTP/1.1" \#(status) 512 "-" "\#(realBrowserAgents[2])""#
    }

    @Test func onlyGetAndPostCanBeVisits() throws {
        let plan = try makePlan(events: anyMethod)
        #expect(try mapLine(line(method: "GET"), plan: plan).0 == .pageView)
        #expect(try mapLine(line(method: "POST"), plan: plan).0 == .pageView)
        for method in ["HEAD", "OPTIONS", "PUT", "DELETE", "PROPFIND"] {
            #expect(try mapLine(line(method: method), plan: plan).0 == .dropped(.method), "\(method)")
        }
        let every = try makePlan(events: anyMethod, extra: "    filters: { visit_methods: [] }")
        #expect(try mapLine(line(method: "HEAD"), plan: every).0 == .pageView)
        let getOnly = try makePlan(events: anyMethod, extra: "    filters: { visit_methods: [get] }")
        #expect(try mapLine(line(method: "POST"), plan: getOnly).0 == .dropped(.method))
    }

    @Test func filesForMachinesAreStatic() throws {
        let plan = try makePlan(events: anyMethod)
        for target in ["/robots.txt", "/sitemap.xml", "/sitemap-posts-1.xml", "/blog/sitemap_index.xml", "/favicon.ico",
                       "/ads.txt", "/.well-known/security.txt", "/.well-known/acme-challenge/x1", "/ROBOTS.TXT"] {
            #expect(try mapLine(line(target: target), plan: plan).0 == .dropped(.staticAsset), "\(target)")
        }
        for target in ["/robots.txt.html", "/docs/sitemaps", "/blog/.well-known/x", "/notes.txt", "/"] {
            #expect(try mapLine(line(target: target), plan: plan).0 == .pageView, "\(target)")
        }
        let own = try makePlan(events: anyMethod, extra: #"    filters: { static_files: ["/private/*", "humans.txt"] }"#)
        #expect(try mapLine(line(target: "/robots.txt"), plan: own).0 == .pageView)
        #expect(try mapLine(line(target: "/private/a/b"), plan: own).0 == .dropped(.staticAsset))
        #expect(try mapLine(line(target: "/team/humans.txt"), plan: own).0 == .dropped(.staticAsset))
    }

    @Test func aBurstOfRangeRequestsCountsOnce() throws {
        let plan = try makePlan(events: anyMethod)
        var mapper = EventMapper(plan: plan)
        func map(_ text: String) -> LineOutcome {
            var writer = JSONWriter()
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBufferPointer {
                mapper.map($0, line: ByteRange(0, bytes.count), offset: 0, eventID: EventID(pipeline: "p", source: "s"), into: &writer).outcome
            }
        }
        let video = "/media/talk.mp4"
        #expect(map(line(target: video, status: 206, time: "10/Oct/2024:13:00:00 +0000")) == .pageView)
        #expect(map(line(target: video, status: 206, time: "10/Oct/2024:13:00:01 +0000")) == .dropped(.partial))
        #expect(map(line(target: video, status: 206, time: "10/Oct/2024:13:29:59 +0000")) == .dropped(.partial))
        // Another visitor, another URL: each counts.
        #expect(map(line(target: video, status: 206, time: "10/Oct/2024:13:10:00 +0000", ip: "192.0.2.99")) == .pageView)
        #expect(map(line(target: "/media/other.mp4", status: 206, time: "10/Oct/2024:13:10:00 +0000")) == .pageView)
        // A full answer is no range request.
        #expect(map(line(target: video, status: 200, time: "10/Oct/2024:13:10:00 +0000")) == .pageView)
        // After the window, the next burst counts again.
        #expect(map(line(target: video, status: 206, time: "10/Oct/2024:13:30:00 +0000")) == .pageView)

        var keep = EventMapper(plan: try makePlan(events: anyMethod, extra: "    filters: { partial_requests: keep }"))
        for second in 0..<3 {
            var writer = JSONWriter()
            let bytes = Array(line(target: video, status: 206, time: "10/Oct/2024:13:00:0\(second) +0000").utf8)
            let outcome = bytes.withUnsafeBufferPointer {
                keep.map($0, line: ByteRange(0, bytes.count), offset: 0, eventID: EventID(pipeline: "p", source: "s"), into: &writer).outcome
            }
            #expect(outcome == .pageView)
        }
        #expect(throws: (any Error).self) { try makePlan(extra: "    filters: { partial_window: 0 }") }
        let short = try makePlan(events: anyMethod, extra: "    filters: { partial_window: 1m }")
        #expect(short.trafficFilter.partialWindow == 60)
    }

    @Test func theRangeWindowStaysBounded() {
        var window = PartialRequestWindow(seconds: 1800, capacity: 100)
        for key in 0..<1000 {
            let admitted = window.admits(UInt64(key), at: 0)
            #expect(admitted)
            #expect(window.count <= 100)
        }
        // Expired keys are forgotten first; live ones keep their place while there is room.
        var expiring = PartialRequestWindow(seconds: 10, capacity: 3)
        let verdicts = [expiring.admits(1, at: 0), expiring.admits(2, at: 0), expiring.admits(3, at: 20),
                        expiring.admits(4, at: 20), expiring.admits(3, at: 21)]
        #expect(verdicts == [true, true, true, true, false])
        #expect(expiring.count <= 3)
    }
}

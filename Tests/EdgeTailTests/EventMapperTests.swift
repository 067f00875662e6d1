import Foundation
import Testing
@testable import EdgeTail

@Suite struct EventMapperTests {
    let browser = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"

    func line(ip: String = "192.0.2.10", method: String = "GET", target: String = "/products?id=7", status: Int = 200,
              referer: String = "https://www.google.com/", agent: String? = nil, extra: String = "") -> String {
        #"\#(ip) - - [10/Oct/2024:13:55:36 +0200] "\#(method) \#(target) HTTP/1.1" \#(status) 512 "\#(referer)" "\#(agent ?? browser)"\#(extra)"#
    }

    @Test func pageViewHasTheXDMShape() throws {
        let plan = try makePlan(extra: "    data: { status: \"{status}\", product: \"{query.id}\", missing: \"{query.none}\" }")
        let (outcome, event) = try mapLine(line(), plan: plan)
        #expect(outcome == .pageView)
        let xdm = try #require(event?["xdm"] as? [String: Any])
        #expect(xdm["eventType"] as? String == "web.webpagedetails.pageViews")
        #expect(xdm["timestamp"] as? String == "2024-10-10T11:55:36.000Z")
        #expect(xdm.value(at: "placeContext.localTime") as? String == "2024-10-10T13:55:36.000+02:00")
        #expect(xdm.value(at: "web.webPageDetails.URL") as? String == "https://www.example.com/products?id=7")
        #expect(xdm.value(at: "web.webPageDetails.name") as? String == "/products")
        #expect(xdm.value(at: "web.webPageDetails.server") as? String == "www.example.com")
        #expect(xdm.value(at: "web.webPageDetails.pageViews.value") as? Int == 1)
        #expect(xdm.value(at: "web.webReferrer.URL") as? String == "https://www.google.com/")
        #expect(xdm.value(at: "environment.browserDetails.userAgent") as? String == browser)
        #expect(xdm.value(at: "environment.ipV4") == nil)
        let fpid = try #require((xdm.value(at: "identityMap.FPID") as? [[String: Any]])?.first)
        #expect(fpid["primary"] as? Bool == true)
        #expect(fpid["authenticatedState"] as? String == "ambiguous")
        let data = try #require(event?["data"] as? [String: Any])
        #expect(data["status"] as? String == "200")
        #expect(data["product"] as? String == "7")
        #expect(data["missing"] == nil)
    }

    @Test func refererDashIsOmitted() throws {
        let (_, event) = try mapLine(line(referer: "-"), plan: try makePlan())
        #expect((event?["xdm"] as? [String: Any])?.value(at: "web.webReferrer") == nil)
    }

    @Test func derivedIdentityIsStableUUIDv4AndDependsOnInputsAndSalt() throws {
        let plan = try makePlan()
        func fpid(_ text: String, _ plan: PipelinePlan) throws -> String {
            let (_, event) = try mapLine(text, plan: plan)
            let entry = ((event?["xdm"] as? [String: Any])?.value(at: "identityMap.FPID") as? [[String: Any]])?.first
            return try #require(entry?["id"] as? String)
        }
        let first = try fpid(line(), plan)
        #expect(try fpid(line(target: "/other"), plan) == first)
        #expect(try fpid(line(ip: "192.0.2.11"), plan) != first)
        let otherSalt = try makePlan(identity: ["{ namespace: FPID, derive: [client_ip, user_agent], salt: pepper }"])
        #expect(try fpid(line(), otherSalt) != first)
        let pattern = #/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/#
        #expect(first.wholeMatch(of: pattern) != nil)
        // Known answer: HMAC-SHA256("s3cret", len-prefixed inputs) shaped as UUIDv4.
        var input: [UInt8] = []
        for value in ["192.0.2.10", browser] {
            let bytes = Array(value.utf8)
            input += [0, 0, UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
        }
        #expect(first == String(decoding: IdentityResolver.derive(input, key: .init(data: Array("s3cret".utf8))), as: UTF8.self))
    }

    /// The derived-identity cache is keyed by the fields as they lie in the line; what is
    /// hashed into the identity is their unescaped value. So an agent spelt with Apache's
    /// `\"` or nginx's `\x22` is one visitor, from the cache or not, and a `daily` rule
    /// or an agent logged URL-encoded (keyed the slow way) gives the same value as a miss.
    @Test func derivedIdentitiesAreTheSameFromTheCacheAndForEverySpellingOfAValue() throws {
        func fpids(_ lines: [String], _ plan: PipelinePlan) throws -> [String] {
            let output = process(lines, plan: plan)
            return try output.events.map { event in
                let object = try JSONSerialization.jsonObject(with: Data(output.bytes[event.range.start..<event.range.end])) as? [String: Any]
                let entry = ((object?["xdm"] as? [String: Any])?.value(at: "identityMap.FPID") as? [[String: Any]])?.first
                return try #require(entry?["id"] as? String)
            }
        }
        let apache = line(agent: #"Mozilla/5.0 (X11; \"Q\")"#)
        let nginx = line(agent: #"Mozilla/5.0 (X11; \x22Q\x22)"#)
        let other = line(ip: "192.0.2.99", agent: #"Mozilla/5.0 (X11; \"Q\")"#)
        let ids = try fpids([apache, nginx, other, apache, nginx, other], try makePlan())
        #expect(ids.count == 6)
        #expect(Set([ids[0], ids[1], ids[3], ids[4]]).count == 1)
        #expect(ids[2] == ids[5] && ids[2] != ids[0])
        var input: [UInt8] = []
        for value in ["192.0.2.10", #"Mozilla/5.0 (X11; "Q")"#] {
            let bytes = Array(value.utf8)
            input += [0, 0, UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
        }
        #expect(ids[0] == String(decoding: IdentityResolver.derive(input, key: .init(data: Array("s3cret".utf8))), as: UTF8.self))

        // A `derive` list with a field that is not a slice of the line (the status) is keyed
        // from its built input: the same answers, from the cache or not.
        let withStatus = try makePlan(identity: ["{ namespace: FPID, derive: [client_ip, status], salt: s3cret }"])
        let statusIDs = try fpids([apache, other, apache, other], withStatus)
        #expect(statusIDs[0] == statusIDs[2] && statusIDs[1] == statusIDs[3] && statusIDs[0] != statusIDs[1])
        var statusInput: [UInt8] = []
        for value in ["192.0.2.10", "200"] {
            let bytes = Array(value.utf8)
            statusInput += [0, 0, 0, UInt8(bytes.count)] + bytes
        }
        #expect(statusIDs[0] == String(decoding: IdentityResolver.derive(statusInput, key: .init(data: Array("s3cret".utf8))), as: UTF8.self))
    }

    @Test func identityChainTakesTheFirstValidValue() throws {
        let plan = try makePlan(identity: [
            #"{ namespace: FPID, field: "cookie.FPID" }"#,
            #"{ namespace: ECID, field: "query.ecid" }"#,
            "{ namespace: FPID, derive: [client_ip], salt: x }",
        ])
        let cookie = #" "FPID=3F2504E0-4F89-41D3-9A0C-0305E82C3301; other=1""#
        let (_, withCookie) = try mapLine(line(extra: cookie), plan: plan)
        let map = (withCookie?["xdm"] as? [String: Any])?["identityMap"] as? [String: Any]
        #expect(((map?["FPID"] as? [[String: Any]])?.first?["id"] as? String) == "3F2504E0-4F89-41D3-9A0C-0305E82C3301")

        // An FPID cookie that is not a UUID is skipped; the next rule wins.
        let ecidValue = "12345678901234567890123456789012345678"
        let (_, badCookie) = try mapLine(line(target: "/p?ecid=\(ecidValue)", extra: #" "FPID=not-a-uuid""#), plan: plan)
        let ecid = ((badCookie?["xdm"] as? [String: Any])?.value(at: "identityMap.ECID") as? [[String: Any]])?.first
        #expect(ecid?["id"] as? String == ecidValue)
        #expect(ecid?["primary"] as? Bool == true)
        #expect((badCookie?["xdm"] as? [String: Any])?.value(at: "identityMap.FPID") == nil)
    }

    @Test func noIdentityIsAFailure() throws {
        let plan = try makePlan(identity: [#"{ namespace: FPID, field: "cookie.FPID" }"#])
        let (outcome, event) = try mapLine(line(), plan: plan)
        #expect(event == nil)
        guard case .failed(let reason) = outcome else { Issue.record("expected failure, got \(outcome)"); return }
        #expect(reason.contains("no identity"))
    }

    @Test func eventIDIsDeterministicPerSourceAndOffset() throws {
        let plan = try makePlan()
        func id(offset: UInt64, source: String = "a") throws -> String {
            let (_, event) = try mapLine(line(), plan: plan, offset: offset, source: source)
            return try #require((event?["xdm"] as? [String: Any])?["_id"] as? String)
        }
        #expect(try id(offset: 100) == id(offset: 100))
        #expect(try id(offset: 100) != id(offset: 101))
        #expect(try id(offset: 100) != id(offset: 100, source: "b"))
        let ids = Set((0..<10_000).map { EventID(pipeline: "p", source: "s").string(offset: UInt64($0) * 200) })
        #expect(ids.count == 10_000)
    }

    @Test func botsAndStaticAssetsAreDroppedByDefault() throws {
        let plan = try makePlan()
        #expect(try mapLine(line(agent: "Mozilla/5.0 (compatible; Googlebot/2.1)"), plan: plan).0 == .dropped(.bot))
        #expect(try mapLine(line(agent: "-"), plan: plan).0 == .dropped(.noUserAgent))
        #expect(try mapLine(line(target: "/static/app.CSS?v=3"), plan: plan).0 == .dropped(.staticAsset))
        #expect(try mapLine(line(target: "/img/logo.png"), plan: plan).0 == .dropped(.staticAsset))
        #expect(try mapLine(line(target: "/blog/2024.10/post"), plan: plan).0 == .pageView)
    }

    @Test func filtersCanBeSwitchedOff() throws {
        let plan = try makePlan(extra: "    filters: { bots: keep, static: keep }")
        #expect(try mapLine(line(agent: "Googlebot"), plan: plan).0 == .pageView)
        #expect(try mapLine(line(target: "/app.js"), plan: plan).0 == .pageView)
    }

    @Test func methodAndStatusConditions() throws {
        let plan = try makePlan()
        #expect(try mapLine(line(method: "POST"), plan: plan).0 == .dropped(.unmatched))
        #expect(try mapLine(line(status: 404), plan: plan).0 == .dropped(.unmatched))
        #expect(try mapLine(line(status: 304), plan: plan).0 == .pageView)
        #expect(try mapLine(line(status: 204), plan: plan).0 == .pageView)
    }

    @Test func linkRulesWithPathQueryAndExtension() throws {
        let plan = try makePlan(events: [
            #"{ type: linkClick, when: { path: "^/out$", query: [u] }, link: { url: "{query.u}", kind: exit } }"#,
            #"{ type: linkClick, when: { extension: [pdf] }, link: { kind: download, name: "file {path}" } }"#,
            "{ type: pageView }",
        ])
        let (exitOutcome, exit) = try mapLine(line(target: "/out?u=https%3A%2F%2Fgithub.com%2Fx%3Fa%3D1", status: 302), plan: plan)
        #expect(exitOutcome == .linkClick)
        let interaction = try #require((exit?["xdm"] as? [String: Any])?.value(at: "web.webInteraction") as? [String: Any])
        #expect(interaction["URL"] as? String == "https://github.com/x?a=1")
        #expect(interaction["type"] as? String == "exit")
        #expect(interaction.value(at: "linkClicks.value") as? Int == 1)
        #expect((exit?["xdm"] as? [String: Any])?["eventType"] as? String == "web.webinteraction.linkClicks")

        // The path rule needs the u parameter; without it the page rule applies.
        #expect(try mapLine(line(target: "/out"), plan: plan).0 == .pageView)
        #expect(try mapLine(line(target: "/outbound?u=x"), plan: plan).0 == .pageView)

        let (downloadOutcome, download) = try mapLine(line(target: "/files/Report.PDF"), plan: plan)
        #expect(downloadOutcome == .linkClick)
        let downloadInteraction = (download?["xdm"] as? [String: Any])?.value(at: "web.webInteraction") as? [String: Any]
        #expect(downloadInteraction?["type"] as? String == "download")
        #expect(downloadInteraction?["name"] as? String == "file /files/Report.PDF")
        #expect(downloadInteraction?["URL"] as? String == "https://www.example.com/files/Report.PDF")
    }

    @Test func hostileFieldsStayValidJSON() throws {
        let plan = try makePlan(extra: "    privacy: { ip: send }")
        let agent = #"Mozilla/5.0 Evil \"agent\" \x00\xff\\ </script>"#
        let (outcome, event) = try mapLine(line(target: "/a%22b?q=\\x22x", agent: agent), plan: plan)
        #expect(outcome == .pageView)
        let xdm = try #require(event?["xdm"] as? [String: Any])
        #expect(xdm.value(at: "environment.browserDetails.userAgent") as? String == "Mozilla/5.0 Evil \"agent\" \u{0}\u{FFFD}\\ </script>")
        #expect(xdm.value(at: "environment.ipV4") as? String == "192.0.2.10")
        let (_, v6) = try mapLine(line(ip: "2001:db8::1"), plan: plan)
        #expect((v6?["xdm"] as? [String: Any])?.value(at: "environment.ipV6") as? String == "2001:db8::1")
    }

    @Test func virtualHostGivesTheURLWithoutBaseURL() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("e.yaml", """
        sinks: { out: { type: console } }
        pipelines:
          - name: v
            source: { type: file, include: ["/x.log"] }
            parser: { format: combined }
            events: [{ type: pageView }]
            identity: [{ namespace: FPID, derive: [client_ip], salt: x }]
            sink: out
        """)
        let plan = try PipelinePlan(try ConfigurationLoader(environment: [:]).load(path: path).pipelines[0], file: path)
        let (outcome, event) = try mapLine("shop.example.org:443 " + line(), plan: plan)
        #expect(outcome == .pageView)
        #expect((event?["xdm"] as? [String: Any])?.value(at: "web.webPageDetails.URL") as? String == "https://shop.example.org/products?id=7")
        #expect((event?["xdm"] as? [String: Any])?.value(at: "web.webPageDetails.server") as? String == "shop.example.org")
        guard case .failed(let reason) = try mapLine(line(), plan: plan).0 else { Issue.record("expected failure"); return }
        #expect(reason.contains("base_url"))
    }
}

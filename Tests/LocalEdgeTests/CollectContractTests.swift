import Foundation
import Testing
@testable import LocalEdge

/// The `/ee/v2/collect` contract: statuses, problem bodies, request ids, datastreams,
/// media types and the body limit. Event checks are in ``EventChecksTests``.
@Suite struct CollectContractTests {
    /// Adobe's documented example: two events, FPID UUIDs, `"primary": true`.
    @Test func adobeExampleRequestIsAccepted() async throws {
        try await withCollector { collector in
            let body = Data("""
                {"events":[
                  {"xdm":{"identityMap":{"FPID":[{"id":"123e4567-e89b-42d3-a456-426614174000","authenticatedState":"ambiguous","primary":true}]},
                   "eventType":"web.webpagedetails.pageViews","web":{"webPageDetails":{"URL":"https://alloystore.dev/","name":"home-demo-Home Page"}},
                   "_id":"1dbc9c1e-8a5c-4a3b-9a8f-8b5e1f0a1b1c","timestamp":"2021-08-09T14:09:20.859Z"},
                   "data":{"prop1":"custom value"}},
                  {"xdm":{"identityMap":{"FPID":[{"id":"223e4567-e89b-42d3-a456-426614174000","authenticatedState":"ambiguous","primary":true}]},
                   "eventType":"commerce.purchases","_id":"2dbc9c1e-8a5c-4a3b-9a8f-8b5e1f0a1b1c","timestamp":"2021-08-09T14:09:20.859Z"}}
                ]}
                """.utf8)
            let reply = try await collector.send(
                "/ee/v2/collect?datastreamId=ds1&requestId=example-1",
                headers: [("Content-Type", "application/json")],
                body: body
            )
            #expect(reply.status == 202)
            #expect(reply.json.keys.sorted() == ["requestId"])
            #expect(reply.json["requestId"] as? String == "example-1")
            #expect(reply.headers["x-request-id"].first == "example-1")
            let stats = try await collector.storedStats()
            #expect(stats.eventsStored == 2)
            #expect(stats.eventTypes == ["web.webpagedetails.pageViews": 1, "commerce.purchases": 1])
            #expect(stats.identities == 2)
            #expect(stats.requests == ["202": 1])
        }
    }

    @Test func silentAnswers204WithNoBody() async throws {
        try await withCollector { collector in
            let reply = try await collector.collect([xdmEvent()], query: "datastreamId=ds1&silent=true")
            #expect(reply.status == 204)
            #expect(reply.body.isEmpty)
            #expect(reply.headers["x-request-id"].first?.isEmpty == false)
            #expect(try await collector.storedStats().eventsStored == 1)
        }
    }

    /// The OpenAPI spelling and Experience League's are both accepted, and name the datastream stored.
    @Test(arguments: ["datastreamId", "dataStreamId"])
    func bothDatastreamSpellingsAreAccepted(parameter: String) async throws {
        try await withCollector({ $0.datastreams = ["known"] }) { collector in
            let reply = try await collector.collect([xdmEvent()], query: "\(parameter)=known")
            #expect(reply.status == 202)
            let unknown = try await collector.collect([xdmEvent()], query: "\(parameter)=other")
            expectProblem(unknown, "EXEG-0003-400", status: 400)
            #expect(unknown.report["configId"] as? String == "other")
        }
    }

    @Test func missingDatastreamIs0002() async throws {
        try await withCollector { collector in
            let reply = try await collector.collect(
                [xdmEvent()], query: "requestId=r-1", headers: [("x-gw-ims-org-id", "ORG@AdobeOrg")]
            )
            expectProblem(reply, "EXEG-0002-400", status: 400)
            #expect(reply.report["requestId"] as? String == "r-1")
            #expect(reply.report["orgId"] as? String == "ORG@AdobeOrg")
            #expect(reply.report["configId"] == nil)
            #expect(reply.headers["x-request-id"].first == "r-1")
            let empty = try await collector.collect([xdmEvent()], query: "datastreamId=")
            expectProblem(empty, "EXEG-0002-400", status: 400)
        }
    }

    @Test func unknownDatastreamIs0003() async throws {
        try await withCollector({ $0.datastreams = ["known", "second"]; $0.orgID = "ABC@AdobeOrg" }) { collector in
            let unknown = try await collector.collect([xdmEvent()], query: "datastreamId=other")
            expectProblem(unknown, "EXEG-0003-400", status: 400)
            #expect(unknown.report["configId"] as? String == "other")
            #expect(unknown.report["orgId"] as? String == "ABC@AdobeOrg")
            #expect(try await collector.collect([xdmEvent()], query: "datastreamId=known").status == 202)
            #expect(try await collector.collect([xdmEvent()], query: "datastreamId=second").status == 202)
            #expect(try await collector.storedStats().eventsStored == 2)
        }
    }

    @Test func disabledDatastreamIs0004() async throws {
        try await withCollector({ $0.datastreams = ["live"]; $0.disabledDatastreams = ["off"] }) { collector in
            let reply = try await collector.collect([xdmEvent()], query: "datastreamId=off")
            expectProblem(reply, "EXEG-0004-422", status: 422)
            #expect(reply.report["configId"] as? String == "off")
            #expect(try await collector.collect([xdmEvent()], query: "datastreamId=live").status == 202)
            #expect(try await collector.storedStats().eventsStored == 1)
        }
    }

    @Test func knownAndDisabledDatastreamIsRefusedAtStart() async throws {
        var configuration = LocalEdgeConfiguration()
        configuration.datastreams = ["a"]
        configuration.disabledDatastreams = ["a"]
        let server = LocalEdgeServer(configuration: configuration)
        await #expect(throws: LocalEdgeError.self) { _ = try await server.start() }
    }

    /// Adobe's four media types are accepted (parameters and case aside); smile bodies
    /// are not parsed, so JSON sent as smile still passes and binary smile is 0101.
    @Test(arguments: ["application/json", "Application/JSON;charset=UTF-8", "text/plain; charset=utf-8", "text/javascript", "application/x-jackson-smile"])
    func documentedContentTypesAreAccepted(contentType: String) async throws {
        try await withCollector { collector in
            let reply = try await collector.send(headers: [("Content-Type", contentType)], body: payload([xdmEvent()]))
            #expect(reply.status == 202)
        }
    }

    @Test func smileBodyIsNotJSON() async throws {
        try await withCollector { collector in
            // ":)\n" then version byte: the smile header, which no JSON begins with.
            let smile = Data([0x3A, 0x29, 0x0A, 0x01, 0xFA, 0x80, 0x61, 0xFB])
            let reply = try await collector.send(headers: [("Content-Type", "application/x-jackson-smile")], body: smile)
            expectProblem(reply, "EXEG-0101-400", status: 400)
        }
    }

    @Test func otherContentTypesAre0111Or0106() async throws {
        try await withCollector { collector in
            for contentType in ["application/x-www-form-urlencoded", "application/xml", "text/html"] {
                let reply = try await collector.send(headers: [("Content-Type", contentType)], body: payload([xdmEvent()]))
                expectProblem(reply, "EXEG-0111-415", status: 415)
            }
            let none = try await collector.send(headers: [], body: payload([xdmEvent()]))
            expectProblem(none, "EXEG-0106-400", status: 400)
            let malformed = try await collector.send(headers: [("Content-Type", "json")], body: payload([xdmEvent()]))
            expectProblem(malformed, "EXEG-0106-400", status: 400)
            #expect(try await collector.storedStats().eventsStored == 0)
        }
    }

    @Test func emptyBodyIs0109() async throws {
        try await withCollector { collector in
            let reply = try await collector.send(body: Data())
            expectProblem(reply, "EXEG-0109-408", status: 408)
        }
    }

    /// A body of exactly 65,536 bytes passes; one byte more is 413.
    @Test func bodyLimitIs64KB() async throws {
        try await withCollector { collector in
            let id = UUID().uuidString
            let fpid = UUID().uuidString
            let base = payload([xdmEvent(id: id, fpid: fpid)]).count
            let exact = payload([xdmEvent(id: id, fpid: fpid, padding: 65_536 - base)])
            #expect(exact.count == 65_536)
            let fits = try await collector.send(body: exact)
            #expect(fits.status == 202)
            let over = payload([xdmEvent(fpid: fpid, padding: 65_537 - base)])
            #expect(over.count == 65_537)
            let tooLarge = try await collector.send(body: over)
            expectProblem(tooLarge, "EXEG-0112-413", status: 413)
            #expect(try await collector.storedStats().eventsStored == 1)
        }
    }

    @Test func invalidJSONIs0101() async throws {
        try await withCollector { collector in
            expectProblem(try await collector.send(body: Data("{\"events\": [".utf8)), "EXEG-0101-400", status: 400)
            expectProblem(try await collector.send(body: Data("[1,2]".utf8)), "EXEG-0101-400", status: 400)
        }
    }

    @Test func missingEmptyOrMistypedEvents() async throws {
        try await withCollector { collector in
            expectProblem(try await collector.send(body: Data("{}".utf8)), "EXEG-0103-400", status: 400)
            expectProblem(try await collector.send(body: Data("{\"events\":[]}".utf8)), "EXEG-0103-400", status: 400)
            expectProblem(try await collector.send(body: Data("{\"events\":{}}".utf8)), "EXEG-0102-400", status: 400)
        }
    }

    @Test func requestIdIsEchoedFromQueryAndHeader() async throws {
        try await withCollector { collector in
            let fromQuery = try await collector.collect([xdmEvent()], query: "datastreamId=ds1&requestId=q-42")
            #expect(fromQuery.json["requestId"] as? String == "q-42")
            #expect(fromQuery.headers["x-request-id"].first == "q-42")
            let fromHeader = try await collector.collect([xdmEvent()], headers: [("x-request-id", "h-7")])
            #expect(fromHeader.json["requestId"] as? String == "h-7")
            #expect(fromHeader.headers["x-request-id"].first == "h-7")
            let generated = try await collector.collect([xdmEvent()])
            let id = try #require(generated.json["requestId"] as? String)
            #expect(UUID(uuidString: id) != nil)
            #expect(generated.headers["x-request-id"].first == id)
        }
    }

    @Test func statsEndpointReportsCounts() async throws {
        try await withCollector { collector in
            _ = try await collector.collect([xdmEvent(), xdmEvent(eventType: "commerce.purchases")])
            _ = try await collector.collect([xdmEvent(primary: false)])
            let reply = try await collector.send("/stats", method: .GET, headers: [])
            #expect(reply.status == 200)
            let stats = try JSONDecoder().decode(LocalEdgeStats.self, from: reply.body)
            #expect(stats.requests == ["202": 1, "400": 1])
            #expect(stats.eventsStored == 2)
            #expect(stats.eventTypes == ["web.webpagedetails.pageViews": 1, "commerce.purchases": 1])
            #expect(reply.json["events_stored"] as? Int == 2)
            #expect(reply.json["duplicates"] as? Int == 0)
        }
    }

    /// Without a database the collector validates and counts but stores nothing.
    @Test func noStoreModeCountsOnly() async throws {
        try await withCollector(store: false) { collector in
            #expect(try await collector.collect([xdmEvent(), xdmEvent()]).status == 202)
            #expect(try await collector.collect([xdmEvent(primary: false)]).status == 400)
            let stats = try await collector.storedStats()
            #expect(stats.eventsStored == 2)
            #expect(!FileManager.default.fileExists(atPath: collector.databasePath))
        }
    }
}

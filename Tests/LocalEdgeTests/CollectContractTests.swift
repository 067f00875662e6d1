import Foundation
import Testing
@testable import LocalEdge

/// The `/ee/v2/collect` contract: statuses, problem bodies, request ids.
@Suite struct CollectContractTests {
    /// Adobe's documented example: two events, `"primary": "true"` as a string, FPID UUIDs.
    @Test func adobeExampleRequestIsAccepted() async throws {
        try await withCollector { collector in
            let body = Data("""
                {"events":[
                  {"xdm":{"identityMap":{"FPID":[{"id":"123e4567-e89b-42d3-a456-426614174000","authenticatedState":"ambiguous","primary":"true"}]},
                   "eventType":"web.webpagedetails.pageViews","web":{"webPageDetails":{"URL":"https://alloystore.dev/","name":"home-demo-Home Page"}},
                   "_id":"1dbc9c1e-8a5c-4a3b-9a8f-8b5e1f0a1b1c","timestamp":"2021-08-09T14:09:20.859Z"},
                   "data":{"prop1":"custom value"}},
                  {"xdm":{"identityMap":{"FPID":[{"id":"223e4567-e89b-42d3-a456-426614174000","authenticatedState":"ambiguous","primary":"true"}]},
                   "eventType":"commerce.purchases","_id":"2dbc9c1e-8a5c-4a3b-9a8f-8b5e1f0a1b1c","timestamp":"2021-08-09T14:09:20.859Z"}}
                ]}
                """.utf8)
            let reply = try await collector.send(
                "/ee/v2/collect?dataStreamId=ds1&requestId=example-1",
                headers: [("Content-Type", "application/json")],
                body: body
            )
            #expect(reply.status == 202)
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
            let reply = try await collector.collect([xdmEvent()], query: "dataStreamId=ds1&silent=true")
            #expect(reply.status == 204)
            #expect(reply.body.isEmpty)
            #expect(reply.headers["x-request-id"].first?.isEmpty == false)
            #expect(try await collector.storedStats().eventsStored == 1)
        }
    }

    @Test func lowercaseDatastreamSpellingIsAccepted() async throws {
        try await withCollector { collector in
            let reply = try await collector.collect([xdmEvent()], query: "datastreamId=ds1")
            #expect(reply.status == 202)
        }
    }

    @Test func missingDatastreamIs0002() async throws {
        try await withCollector { collector in
            let reply = try await collector.collect([xdmEvent()], query: "requestId=r-1")
            #expect(reply.status == 400)
            #expect(reply.headers["content-type"].first == "application/problem+json")
            #expect(reply.problemCode == "EXEG-0002-400")
            #expect(reply.json["status"] as? Int == 400)
            #expect(reply.json["title"] as? String != nil)
            #expect(reply.json["detail"] as? String != nil)
            #expect(reply.report["requestId"] as? String == "r-1")
            #expect(reply.headers["x-request-id"].first == "r-1")
        }
    }

    @Test func unknownDatastreamIs0003() async throws {
        try await withCollector({ $0.datastreams = ["known"] }) { collector in
            let unknown = try await collector.collect([xdmEvent()], query: "dataStreamId=other")
            #expect(unknown.status == 400)
            #expect(unknown.problemCode == "EXEG-0003-400")
            let known = try await collector.collect([xdmEvent()], query: "dataStreamId=known")
            #expect(known.status == 202)
        }
    }

    @Test func nonJSONContentTypeIs415() async throws {
        try await withCollector { collector in
            let form = try await collector.send(
                headers: [("Content-Type", "application/x-www-form-urlencoded")], body: payload([xdmEvent()])
            )
            #expect(form.status == 415)
            #expect(form.problemCode == "EXEG-0111-415")
            let none = try await collector.send(headers: [], body: payload([xdmEvent()]))
            #expect(none.status == 415)
            let plain = try await collector.send(
                headers: [("Content-Type", "text/plain; charset=utf-8")], body: payload([xdmEvent()])
            )
            #expect(plain.status == 202)
            let charset = try await collector.send(
                headers: [("Content-Type", "Application/JSON;charset=UTF-8")], body: payload([xdmEvent()])
            )
            #expect(charset.status == 202)
        }
    }

    @Test func emptyBodyIs408() async throws {
        try await withCollector { collector in
            let reply = try await collector.send(body: Data())
            #expect(reply.status == 408)
            #expect(reply.problemCode == "EXEG-0109-408")
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
            #expect(tooLarge.status == 413)
            #expect(tooLarge.problemCode == "EXEG-0112-413")
            #expect(try await collector.storedStats().eventsStored == 1)
        }
    }

    @Test func invalidJSONIs0101() async throws {
        try await withCollector { collector in
            let reply = try await collector.send(body: Data("{\"events\": [".utf8))
            #expect(reply.status == 400)
            #expect(reply.problemCode == "EXEG-0101-400")
        }
    }

    @Test func missingOrEmptyEventsIs0103() async throws {
        try await withCollector { collector in
            let empty = try await collector.send(body: Data("{\"events\":[]}".utf8))
            #expect(empty.status == 400)
            #expect(empty.problemCode == "EXEG-0103-400")
            let absent = try await collector.send(body: Data("{}".utf8))
            #expect(absent.problemCode == "EXEG-0103-400")
        }
    }

    @Test(arguments: ["_id", "timestamp", "eventType", "identityMap"])
    func missingRequiredFieldIs0103WithIndex(field: String) async throws {
        try await withCollector { collector in
            var bad = xdmEvent()
            var xdm = bad["xdm"] as? [String: Any] ?? [:]
            xdm.removeValue(forKey: field)
            bad["xdm"] = xdm
            let reply = try await collector.collect([xdmEvent(), bad])
            #expect(reply.status == 400)
            #expect(reply.problemCode == "EXEG-0103-400")
            #expect(reply.report["eventIndex"] as? Int == 1)
            #expect((reply.json["detail"] as? String)?.contains("event #1") == true)
            #expect((reply.json["detail"] as? String)?.contains(field) == true)
        }
    }

    @Test func malformedTimestampIs0104() async throws {
        try await withCollector { collector in
            let reply = try await collector.collect([xdmEvent(timestamp: "27/11/2026 10:15")])
            #expect(reply.status == 400)
            #expect(reply.problemCode == "EXEG-0104-400")
            #expect(reply.report["eventIndex"] as? Int == 0)
            let offset = try await collector.collect([xdmEvent(timestamp: "2026-11-27T10:15:30+01:00")])
            #expect(offset.status == 202)
        }
    }

    @Test func noPrimaryIdentityIs0306() async throws {
        try await withCollector { collector in
            let reply = try await collector.collect([xdmEvent(primary: false)])
            #expect(reply.status == 400)
            #expect(reply.problemCode == "EXEG-0306-400")
            #expect(reply.report["eventIndex"] as? Int == 0)
        }
    }

    @Test func twoPrimaryIdentitiesIs0306() async throws {
        try await withCollector { collector in
            let ecid: [String: Any] = ["ECID": [["id": "12345678901234567890123456789012345678", "primary": true]]]
            let reply = try await collector.collect([xdmEvent(), xdmEvent(), xdmEvent(extraIdentities: ecid)])
            #expect(reply.status == 400)
            #expect(reply.problemCode == "EXEG-0306-400")
            #expect(reply.report["eventIndex"] as? Int == 2)
            #expect((reply.json["detail"] as? String)?.contains("event #2") == true)
        }
    }

    @Test func nonUUIDFPIDIs0308() async throws {
        try await withCollector { collector in
            let reply = try await collector.collect([xdmEvent(fpid: "not-a-uuid")])
            #expect(reply.status == 400)
            #expect(reply.problemCode == "EXEG-0308-400")
        }
    }

    /// One invalid event among good ones fails the request and stores none of them.
    @Test func oneBadEventStoresNothing() async throws {
        try await withCollector { collector in
            let reply = try await collector.collect([xdmEvent(), xdmEvent(), xdmEvent(primary: false), xdmEvent()])
            #expect(reply.status == 400)
            #expect(reply.report["eventIndex"] as? Int == 2)
            #expect(try await collector.storedStats().eventsStored == 0)
        }
    }

    @Test func requestIdIsEchoedFromQueryAndHeader() async throws {
        try await withCollector { collector in
            let fromQuery = try await collector.collect([xdmEvent()], query: "dataStreamId=ds1&requestId=q-42")
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

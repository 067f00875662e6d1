import Foundation
import Testing
@testable import LocalEdge

/// What Edge checks in each event: required fields, JSON types, identities, XDM formats
/// and enums. One bad event fails the whole request, and is named only in `detail`.
@Suite struct EventChecksTests {
    static let ecid = "12345678901234567890123456789012345678"

    /// Sends `[good, bad]` and checks the answer is `code` naming event `#1`, with nothing stored.
    static func expectRefused(
        _ bad: [String: Any],
        _ code: String,
        status: Int,
        configure: @escaping (inout LocalEdgeConfiguration) -> Void = { _ in },
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Reply {
        try await withCollector(configure) { collector in
            let reply = try await collector.collect([xdmEvent(), bad])
            expectProblem(reply, code, status: status, sourceLocation: sourceLocation)
            #expect(reply.detail.contains("event `#1`"), "\(reply.detail)", sourceLocation: sourceLocation)
            #expect(try await collector.storedStats().eventsStored == 0, sourceLocation: sourceLocation)
            return reply
        }
    }

    static func expectAccepted(
        _ event: [String: Any],
        configure: @escaping (inout LocalEdgeConfiguration) -> Void = { _ in },
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await withCollector(configure) { collector in
            let reply = try await collector.collect([event])
            #expect(reply.status == 202, "\(String(decoding: reply.body, as: UTF8.self))", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: ["_id", "timestamp", "identityMap"])
    func missingRequiredFieldIs0103(field: String) async throws {
        let reply = try await Self.expectRefused(without(field, xdmEvent()), "EXEG-0103-400", status: 400)
        #expect(reply.detail.contains("xdm.\(field)"))
    }

    @Test func missingXDMIs0103() async throws {
        _ = try await Self.expectRefused(["data": ["a": 1]], "EXEG-0103-400", status: 400)
    }

    /// XDM does not require `eventType`.
    @Test func eventTypeIsOptional() async throws {
        try await Self.expectAccepted(without("eventType", xdmEvent()))
    }

    @Test func fieldsOfTheWrongTypeAre0102() async throws {
        let cases: [[String: Any]] = [
            xdmEvent(xdm: ["_id": 42]),
            xdmEvent(xdm: ["timestamp": 1_700_000_000]),
            xdmEvent(xdm: ["identityMap": ["FPID": ["id": UUID().uuidString, "primary": true]]]),
            xdmEvent(xdm: ["environment": "browser"]),
            xdmEvent(xdm: ["environment": ["ipV4": 167_772_161]]),
            xdmEvent(primary: "true"),
            xdmEvent(primary: 1),
            ["xdm": "not an object"],
        ]
        for bad in cases {
            _ = try await Self.expectRefused(bad, "EXEG-0102-400", status: 400)
        }
    }

    @Test func validTimestampsAreAccepted() async throws {
        for timestamp in ["2026-11-27T10:15:30+01:00", "2026-11-27T10:15:30Z", "2024-02-29T23:59:59.123456-05:30"] {
            try await Self.expectAccepted(xdmEvent(timestamp: timestamp))
        }
    }

    @Test(arguments: ["27/11/2026 10:15", "2026-11-27 10:15:30Z", "2026-11-27T10:15:30", "2026-11-27T10:15:30+0100", "2026-02-30T10:15:30Z", "2026-11-27T24:00:00Z"])
    func malformedTimestampIs0104(timestamp: String) async throws {
        let reply = try await Self.expectRefused(xdmEvent(timestamp: timestamp), "EXEG-0104-422", status: 422)
        #expect(reply.reportErrors.count == 1)
        #expect(reply.reportErrors.first?.contains("xdm.timestamp") == true)
    }

    @Test func canonicalAddressesAreAccepted() async throws {
        for environment in [["ipV4": "192.168.0.1"], ["ipV4": "0.0.0.0"], ["ipV6": "2001:db8::1"], ["ipV6": "::ffff:10.0.0.1"], ["ipV6": "fe80::"]] {
            try await Self.expectAccepted(xdmEvent(xdm: ["environment": environment]))
        }
    }

    @Test(arguments: [
        ["ipV4": "192.168.000.1"], ["ipV4": "256.1.1.1"], ["ipV4": "1.2.3"], ["ipV4": "10.0.0.1 "], ["ipV4": "2001:db8::1"],
        ["ipV6": "2001:DB8::1"], ["ipV6": "2001:0db8::1"], ["ipV6": "2001:db8:0:0:0:0:0:1"], ["ipV6": "10.0.0.1"], ["ipV6": "not-an-ip"],
    ])
    func nonCanonicalAddressIs0104(environment: [String: String]) async throws {
        let reply = try await Self.expectRefused(xdmEvent(xdm: ["environment": environment]), "EXEG-0104-422", status: 422)
        #expect(reply.reportErrors.first?.contains("xdm.environment.ip") == true)
    }

    @Test func linkTypeEnum() async throws {
        for type in ["other", "download", "exit"] {
            try await Self.expectAccepted(xdmEvent(eventType: "web.webinteraction.linkClicks", xdm: ["web": ["webInteraction": ["type": type, "name": "a", "URL": "https://example.com/a"]]]))
        }
        let reply = try await Self.expectRefused(
            xdmEvent(xdm: ["web": ["webInteraction": ["type": "click"]]]), "EXEG-0104-422", status: 422
        )
        #expect(reply.reportErrors.first?.contains("xdm.web.webInteraction.type") == true)
    }

    @Test func authenticatedStateEnum() async throws {
        for state in ["ambiguous", "authenticated", "loggedOut"] {
            try await Self.expectAccepted(xdmEvent(authenticatedState: state))
        }
        let reply = try await Self.expectRefused(xdmEvent(authenticatedState: "anonymous"), "EXEG-0104-422", status: 422)
        #expect(reply.reportErrors.first?.contains("authenticatedState") == true)
    }

    /// Every format failure of the event is listed, each naming the event in text only.
    @Test func everyFormatFailureIsReported() async throws {
        let bad = xdmEvent(timestamp: "yesterday", authenticatedState: "unknown", xdm: ["environment": ["ipV4": "1.2.3.4.5"]])
        let reply = try await Self.expectRefused(bad, "EXEG-0104-422", status: 422)
        #expect(reply.reportErrors.count == 3)
        #expect(reply.reportErrors.allSatisfy { $0.contains("event `#1`") })
    }

    @Test(arguments: [
        "not-a-uuid",
        "123e4567-e89b-12d3-a456-426614174000",   // version 1
        "123e4567-e89b-42d3-c456-426614174000",   // not the RFC 4122 variant
        "123e4567e89b42d3a456426614174000",       // no hyphens
    ])
    func fpidThatIsNotAUUIDv4Is0308(fpid: String) async throws {
        _ = try await Self.expectRefused(xdmEvent(fpid: fpid), "EXEG-0308-400", status: 400)
    }

    @Test func uppercaseUUIDv4IsAnFPID() async throws {
        try await Self.expectAccepted(xdmEvent(fpid: "123E4567-E89B-42D3-A456-426614174000"))
    }

    @Test func ecidMustBe38Digits() async throws {
        try await Self.expectAccepted(xdmEvent(extraIdentities: ["ECID": [["id": Self.ecid]]]))
        _ = try await Self.expectRefused(
            xdmEvent(extraIdentities: ["ECID": [["id": String(Self.ecid.dropLast())]]]), "EXEG-0308-400", status: 400
        )
        _ = try await Self.expectRefused(
            xdmEvent(extraIdentities: ["ECID": [["id": "1234567890123456789012345678901234567x"]]]), "EXEG-0308-400", status: 400
        )
    }

    @Test func identityWithoutIDIs0305() async throws {
        _ = try await Self.expectRefused(
            xdmEvent(extraIdentities: ["Email": [["authenticatedState": "authenticated"]]]), "EXEG-0305-400", status: 400
        )
        _ = try await Self.expectRefused(xdmEvent(extraIdentities: ["Email": [["id": ""]]]), "EXEG-0305-400", status: 400)
    }

    @Test func unknownNamespaceIs0013() async throws {
        let custom = xdmEvent(extraIdentities: ["LoyaltyID": [["id": "L-1"]]])
        let reply = try await Self.expectRefused(custom, "EXEG-0013-422", status: 422)
        #expect(reply.detail.contains("LoyaltyID"))
        try await Self.expectAccepted(custom) { $0.customNamespaces = ["LoyaltyID"] }
    }

    /// Namespaces are matched without regard to case, as Adobe's own examples write `EMAIL`.
    @Test func standardNamespacesAnyCase() async throws {
        try await Self.expectAccepted(xdmEvent(extraIdentities: [
            "EMAIL": [["id": "a@example.com"]], "Phone": [["id": "+3312345678"]], "crmid": [["id": "c-1"]],
        ]))
    }

    @Test func noPrimaryIdentityIs0306() async throws {
        let reply = try await Self.expectRefused(xdmEvent(primary: false), "EXEG-0306-400", status: 400)
        #expect(reply.json["title"] as? String == "No primary identity set in request (event)")
    }

    @Test func twoPrimaryIdentitiesIs0306() async throws {
        _ = try await Self.expectRefused(
            xdmEvent(extraIdentities: ["ECID": [["id": Self.ecid, "primary": true]]]), "EXEG-0306-400", status: 400
        )
    }

    /// Event numbers in `detail` are 0-based indexes into `events`.
    @Test func oneBadEventFailsTheRequestAndIsNamedByIndex() async throws {
        try await withCollector { collector in
            let reply = try await collector.collect([xdmEvent(), xdmEvent(), xdmEvent(primary: false), xdmEvent()])
            expectProblem(reply, "EXEG-0306-400", status: 400)
            #expect(reply.detail.contains("event `#2`"))
            #expect(try await collector.storedStats().eventsStored == 0)
        }
    }

    /// No answer of any kind carries an event index of its own.
    @Test func noAnswerCarriesAnEventIndex() async throws {
        try await withCollector({ $0.datastreams = ["ds1"]; $0.disabledDatastreams = ["off"] }) { collector in
            var replies: [Reply] = []
            for bad in [without("_id", xdmEvent()), xdmEvent(xdm: ["_id": 1]), xdmEvent(timestamp: "x"), xdmEvent(fpid: "x"),
                        xdmEvent(primary: false), xdmEvent(extraIdentities: ["Other": [["id": "o"]]]),
                        xdmEvent(extraIdentities: ["Email": [["x": 1]]])] {
                replies.append(try await collector.collect([xdmEvent(), bad]))
            }
            replies.append(try await collector.collect([xdmEvent()], query: "datastreamId=off"))
            replies.append(try await collector.collect([xdmEvent()], query: "datastreamId=nope"))
            replies.append(try await collector.collect([xdmEvent()]))
            #expect(replies.map(\.status) == [400, 400, 422, 400, 400, 422, 400, 422, 400, 202])
            #expect(replies.allSatisfy { !$0.mentionsEventIndex })
        }
    }
}

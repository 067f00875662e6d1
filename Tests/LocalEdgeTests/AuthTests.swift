import Foundation
import Testing
@testable import LocalEdge

/// Server and edge modes, and the IMS token emulation.
@Suite struct AuthTests {
    static let org = "ABC123@AdobeOrg"

    static func authHeaders(token: String, apiKey: String = "client-1", org: String = AuthTests.org) -> [(String, String)] {
        [("Authorization", "Bearer \(token)"), ("x-api-key", apiKey), ("x-gw-ims-org-id", org)]
    }

    static func configure(_ configuration: inout LocalEdgeConfiguration) {
        configuration.mode = .server
        configuration.orgID = org
        configuration.clientID = "client-1"
        configuration.clientSecret = "secret-1"
        configuration.staticToken = "static-token"
    }

    static func form(_ fields: String) -> Data { Data(fields.utf8) }

    static func requestToken(_ collector: Collector, _ fields: String) async throws -> Reply {
        try await collector.send(
            "/ims/token/v3",
            headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: form(fields)
        )
    }

    @Test func missingOrMalformedCredentialsAre0500() async throws {
        try await withCollector(Self.configure) { collector in
            let none = try await collector.collect([xdmEvent()])
            expectProblem(none, "EXEG-0500-401", status: 401)
            #expect(none.report["orgId"] as? String == Self.org)
            #expect(none.report["configId"] as? String == "ds1")
            let basic = try await collector.collect([xdmEvent()], headers: [
                ("Authorization", "Basic abc"), ("x-api-key", "client-1"), ("x-gw-ims-org-id", Self.org),
            ])
            expectProblem(basic, "EXEG-0500-401", status: 401)
            let empty = try await collector.collect([xdmEvent()], headers: Self.authHeaders(token: ""))
            #expect(empty.problemCode == "EXEG-0500-401")
            let noKey = try await collector.collect([xdmEvent()], headers: [
                ("Authorization", "Bearer static-token"), ("x-gw-ims-org-id", Self.org),
            ])
            #expect(noKey.problemCode == "EXEG-0500-401")
            let wrongOrg = try await collector.collect(
                [xdmEvent()], headers: Self.authHeaders(token: "static-token", org: "OTHER@AdobeOrg")
            )
            #expect(wrongOrg.problemCode == "EXEG-0500-401")
            let wrongKey = try await collector.collect(
                [xdmEvent()], headers: Self.authHeaders(token: "static-token", apiKey: "client-2")
            )
            #expect(wrongKey.problemCode == "EXEG-0500-401")
            #expect(try await collector.storedStats().eventsStored == 0)
        }
    }

    /// A token this collector never issued fails its signature check.
    @Test func unknownTokenIs0502() async throws {
        try await withCollector(Self.configure) { collector in
            let unknown = try await collector.collect([xdmEvent()], headers: Self.authHeaders(token: "nope"))
            expectProblem(unknown, "EXEG-0502-401", status: 401)
            #expect(try await collector.storedStats().eventsStored == 0)
        }
    }

    /// Credentials are checked before the datastream, as the gateway sits in front of Edge.
    @Test func credentialsAreCheckedBeforeTheDatastream() async throws {
        try await withCollector({ Self.configure(&$0); $0.datastreams = ["known"] }) { collector in
            let reply = try await collector.collect([xdmEvent()], query: "datastreamId=other")
            #expect(reply.problemCode == "EXEG-0500-401")
            let authorised = try await collector.collect(
                [xdmEvent()], query: "datastreamId=other", headers: Self.authHeaders(token: "static-token")
            )
            #expect(authorised.problemCode == "EXEG-0003-400")
        }
    }

    /// Edge mode accepts requests without credentials and does not look at any sent.
    @Test func edgeModeNeedsNoCredentials() async throws {
        try await withCollector({ Self.configure(&$0); $0.mode = .edge }) { collector in
            let bare = try await collector.collect([xdmEvent()])
            let bogus = try await collector.collect([xdmEvent()], headers: Self.authHeaders(token: "nope"))
            #expect(bare.status == 202)
            #expect(bogus.status == 202)
            #expect(try await collector.storedStats().eventsStored == 2)
        }
    }

    /// In edge mode a datastream set to accept authenticated events only checks credentials.
    @Test func authenticatedDatastreamInEdgeMode() async throws {
        try await withCollector({ Self.configure(&$0); $0.mode = .edge; $0.authenticatedDatastreams = ["secure"] }) { collector in
            let unchecked = try await collector.collect([xdmEvent()], query: "datastreamId=public")
            let bare = try await collector.collect([xdmEvent()], query: "datastreamId=secure")
            let unknown = try await collector.collect(
                [xdmEvent()], query: "datastreamId=secure", headers: Self.authHeaders(token: "nope")
            )
            let signed = try await collector.collect(
                [xdmEvent()], query: "datastreamId=secure", headers: Self.authHeaders(token: "static-token")
            )
            #expect(unchecked.status == 202)
            expectProblem(bare, "EXEG-0500-401", status: 401)
            #expect(bare.report["configId"] as? String == "secure")
            expectProblem(unknown, "EXEG-0502-401", status: 401)
            #expect(signed.status == 202)
            #expect(try await collector.storedStats().eventsStored == 2)
        }
    }

    /// The library keeps `requireAuth` as another spelling of the mode, and defaults to edge.
    @Test func requireAuthIsServerMode() {
        var configuration = LocalEdgeConfiguration()
        #expect(configuration.mode == .edge)
        #expect(!configuration.requireAuth)
        configuration.requireAuth = true
        #expect(configuration.mode == .server)
        configuration.mode = .edge
        #expect(!configuration.requireAuth)
    }

    @Test func staticTokenIsAccepted() async throws {
        try await withCollector(Self.configure) { collector in
            let reply = try await collector.collect([xdmEvent()], headers: Self.authHeaders(token: "static-token"))
            #expect(reply.status == 202)
        }
    }

    @Test func imsRefusesWrongGrantAndWrongClient() async throws {
        try await withCollector(Self.configure) { collector in
            let grant = try await Self.requestToken(collector, "grant_type=password&client_id=client-1&client_secret=secret-1")
            #expect(grant.status == 400)
            #expect(grant.json["error"] as? String == "unsupported_grant_type")
            let secret = try await Self.requestToken(collector, "grant_type=client_credentials&client_id=client-1&client_secret=wrong")
            #expect(secret.status == 401)
            #expect(secret.json["error"] as? String == "invalid_client")
            #expect(secret.json["error_description"] as? String != nil)
            let client = try await Self.requestToken(collector, "grant_type=client_credentials&client_id=other&client_secret=secret-1")
            #expect(client.status == 401)
            #expect(try await collector.storedStats().tokensIssued == 0)
        }
    }

    /// Issue a token, use it, wait for it to expire, and get EXEG-0503-401. The lifetime
    /// leaves room for a loaded machine between issuing and first use; the wait for
    /// expiry runs beside the other suites.
    @Test func issuedTokenWorksThenExpires() async throws {
        try await withCollector({ Self.configure(&$0); $0.tokenTTL = 15 }) { collector in
            let issued = try await Self.requestToken(
                collector, "grant_type=client_credentials&client_id=client-1&client_secret=secret-1&scope=openid%2CAdobeID"
            )
            #expect(issued.status == 200)
            #expect(issued.json["token_type"] as? String == "bearer")
            #expect(issued.json["expires_in"] as? Int == 15)
            let token = try #require(issued.json["access_token"] as? String)
            let accepted = try await collector.collect([xdmEvent()], headers: Self.authHeaders(token: token))
            #expect(accepted.status == 202)
            #expect(try await collector.storedStats().tokensIssued == 1)

            var expired: Reply?
            try await waitUntil("token expiry", within: 45) {
                let reply = try await collector.collect([xdmEvent()], headers: Self.authHeaders(token: token))
                if reply.status == 401 { expired = reply }
                return reply.status == 401
            }
            if let expired { expectProblem(expired, "EXEG-0503-401", status: 401) }
        }
    }
}

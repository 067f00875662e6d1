import Foundation
import Testing
@testable import EdgeTail

/// Identities are checked against their namespace's format before they leave, and
/// identity rules that could never pass the check are refused with the configuration.
@Suite struct IdentityFormatTests {
    static let ecid = "12345678901234567890123456789012345678"
    let chain = [
        #"{ namespace: FPID, field: "cookie.FPID" }"#,
        #"{ namespace: ECID, field: "query.ecid" }"#,
        "{ namespace: FPID, derive: [client_ip], salt: x }",
    ]

    func line(target: String = "/a", cookie: String = "-") -> String {
        #"192.0.2.10 - - [10/Oct/2024:13:55:36 +0200] "GET \#(target) HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11)" "\#(cookie)""#
    }

    func primary(_ event: [String: Any]?) -> (namespace: String, id: String)? {
        guard let map = event?.value(at: "xdm.identityMap") as? [String: [[String: Any]]], map.count == 1,
              let (namespace, entries) = map.first, let id = entries.first?["id"] as? String,
              entries.first?["primary"] as? Bool == true else { return nil }
        return (namespace, id)
    }

    @Test func fpidMustBeAVersion4UUIDOfTheRFCVariant() {
        func check(_ text: String) -> Bool { Array(text.utf8).withUnsafeBufferPointer(IdentityFormat.uuidV4.accepts) }
        #expect(check("3f2504e0-4f89-41d3-9a0c-0305e82c3301"))
        #expect(check("3F2504E0-4F89-41D3-BA0C-0305E82C3301"))
        #expect(!check("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))     // version 1
        #expect(!check("3f2504e0-4f89-41d3-ca0c-0305e82c3301"))     // Microsoft variant
        #expect(!check("3f2504e0-4f89-41d3-7a0c-0305e82c3301"))     // NCS variant
        #expect(!check("3f2504e04f8941d39a0c0305e82c3301"))         // no dashes
        #expect(!check("3f2504e0-4f89-41d3-9a0c-0305e82c330g"))
        #expect(!check("{3f2504e0-4f89-41d3-9a0c-0305e82c3301}"))
    }

    @Test func ecidIs38Digits() {
        func check(_ text: String) -> Bool { Array(text.utf8).withUnsafeBufferPointer(IdentityFormat.ecid.accepts) }
        #expect(check(Self.ecid))
        #expect(!check(String(Self.ecid.dropLast())))
        #expect(!check(Self.ecid + "9"))
        #expect(!check(String(Self.ecid.dropLast()) + "a"))
        #expect(!check("-" + String(Self.ecid.dropLast())))
        #expect(IdentityFormat(namespace: "ecid") == .ecid)
        #expect(IdentityFormat(namespace: "FPID") == .uuidV4)
        #expect(IdentityFormat(namespace: "CRMID") == .any)
    }

    @Test func aValueNotInItsFormatFallsToTheNextRuleAndIsCounted() throws {
        let plan = try makePlan(identity: chain)
        let good = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
        #expect(try primary(mapLine(line(cookie: "FPID=\(good)"), plan: plan).1)?.id == good)
        // A version-1 UUID in the FPID cookie: the ECID of the query is next.
        let (_, fromECID) = try mapLine(line(target: "/a?ecid=\(Self.ecid)", cookie: "FPID=3f2504e0-4f89-11d3-9a0c-0305e82c3301"), plan: plan)
        #expect(primary(fromECID)?.namespace == "ECID")
        #expect(primary(fromECID)?.id == Self.ecid)
        // A short ECID: the derived FPID is last.
        let (_, derived) = try mapLine(line(target: "/a?ecid=123"), plan: plan)
        #expect(primary(derived)?.namespace == "FPID")
        #expect(primary(derived).map { Array($0.id.utf8).withUnsafeBufferPointer(UUIDText.isVersion4) } == true)

        let output = process([
            line(cookie: "FPID=not-a-uuid"), line(cookie: "FPID=3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
            line(target: "/a?ecid=123"), line(target: "/a?ecid=\(Self.ecid)"), line(cookie: "FPID=\(good)"),
        ], plan: plan)
        #expect(output.counts.pageViews == 5)
        #expect(output.counts.invalidIdentities == ["FPID": 2, "ECID": 1])
        #expect(output.counts.identities == ["FPID": 4, "ECID": 1])
        #expect(output.counts.invalidValuesText == "invalid values left out: 1 ECID, 2 FPID")
    }

    @Test func aCustomNamespaceTakesAnyValue() throws {
        let plan = try makePlan(identity: [#"{ namespace: CRMID, field: "cookie.uid", authenticated_state: authenticated }"#])
        let (_, event) = try mapLine(line(cookie: "uid=customer-42"), plan: plan)
        #expect(primary(event)?.namespace == "CRMID")
        #expect(primary(event)?.id == "customer-42")
    }

    /// Rules that can never yield a value their namespace takes, and what `validate` says.
    static let refused: [(rule: String, key: String, words: [String])] = [
        ("{ namespace: ECID, derive: [client_ip, user_agent], salt: x }", "identity[0].namespace",
         ["derived identity is a UUIDv4", "only FPID or a custom namespace", "'ECID' expects 38 digits"]),
        ("{ namespace: Email, derive: [user], salt: x }", "identity[0].namespace",
         ["only FPID or a custom namespace", "'Email' is a standard namespace"]),
        ("{ namespace: ecid, derive: [user], salt: x }", "identity[0].namespace", ["'ecid' expects 38 digits"]),
        (#"{ namespace: ECID, field: "user_agent" }"#, "identity[0].field",
         ["'user_agent' describes the request", "38 digits", "cookie.NAME"]),
        (#"{ namespace: FPID, field: "client_ip" }"#, "identity[0].field", ["'client_ip'", "a UUIDv4"]),
    ]

    @Test(arguments: refused)
    func aRuleThatCannotWorkIsRefusedNamingFileAndKey(_ rule: String, _ key: String, _ words: [String]) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("site.yaml", """
        data_dir: \(directory.path)/data
        sinks: { out: { type: console } }
        pipelines:
          - name: p
            source: { type: file, include: ["/x.log"] }
            parser: { format: combined }
            events: [{ type: pageView }]
            identity:
              - \(rule)
            sink: out
        """)
        do {
            _ = try ConfigurationLoader(environment: [:]).load(path: path)
            Issue.record("accepted: \(rule)")
        } catch {
            let text = "\(error)"
            #expect(text.hasPrefix(path + ":9: pipelines[0]." + key + ": "), "\(text)")
            for word in words { #expect(text.contains(word), "\(text)") }
        }
    }

    @Test func rulesThatCanWorkAreAccepted() throws {
        _ = try makePlan(identity: [
            #"{ namespace: ECID, field: "cookie.AMCV_ecid" }"#,
            #"{ namespace: ECID, field: "query.ecid" }"#,
            #"{ namespace: FPID, field: "query.fpid" }"#,
            "{ namespace: CRMID, derive: [user], salt: x }",
            "{ namespace: FPID, derive: [client_ip], salt: x }",
        ])
    }
}

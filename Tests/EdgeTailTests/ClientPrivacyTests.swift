import Foundation
import Testing
@testable import EdgeTail

/// The visitor's address behind trusted proxies, truncated before it leaves, and
/// derived identities that change every day when asked to.
@Suite struct ClientPrivacyTests {
    let format = #"nginx, log_format: '$remote_addr [$time_local] "$request" $status "$http_user_agent" "$http_x_forwarded_for"'"#
    let identity = ["{ namespace: FPID, derive: [client_ip, user_agent], salt: s3cret }"]

    func line(peer: String, forwardedFor: String, day: Int = 10) -> String {
        "\(peer) [\(day)/Oct/2024:13:55:36 +0200] \"GET /a HTTP/1.1\" 200 \"Mozilla/5.0 (X11)\" \"\(forwardedFor)\""
    }

    @Test func trustedProxiesGiveWayToTheForwardedClient() throws {
        let plan = try makePlan(identity: identity, extra: "    privacy: { ip: send, trusted_proxies: [10.0.0.0/8, \"2001:db8::/32\"] }", format: format)
        let cases: [(peer: String, forwardedFor: String, client: String)] = [
            ("10.0.0.5", "198.51.100.4, 10.0.0.1", "198.51.100.4"),      // right-most untrusted
            ("10.0.0.5", "203.0.113.9, 198.51.100.4", "198.51.100.4"),   // a client-supplied left part is ignored
            ("10.0.0.5", "10.1.1.1, 10.2.2.2", "10.1.1.1"),              // all trusted: the left-most
            ("2001:db8::7", "192.0.2.44", "192.0.2.44"),
            ("192.0.2.200", "198.51.100.4", "192.0.2.200"),              // untrusted peer: its headers are not believed
            ("10.0.0.5", "-", "10.0.0.5"),
            ("10.0.0.5", "garbage, ,", "10.0.0.5"),
        ]
        for item in cases {
            let (outcome, event) = try mapLine(line(peer: item.peer, forwardedFor: item.forwardedFor), plan: plan)
            #expect(outcome == .pageView)
            let sent = event?.value(at: "xdm.environment.ipV4") as? String ?? event?.value(at: "xdm.environment.ipV6") as? String
            #expect(sent == item.client, "\(item)")
        }
    }

    @Test func truncatedAddressesLeaveWithoutTheirHostPart() throws {
        let plan = try makePlan(identity: identity, extra: "    privacy: { ip: truncate }", format: format)
        let (_, v4) = try mapLine(line(peer: "203.0.113.77", forwardedFor: "-"), plan: plan)
        #expect(v4?.value(at: "xdm.environment.ipV4") as? String == "203.0.113.0")
        let (_, v6) = try mapLine(line(peer: "2001:db8:abcd:12::1", forwardedFor: "-"), plan: plan)
        #expect(v6?.value(at: "xdm.environment.ipV6") as? String == "2001:db8:abcd::")
        let omitted = try makePlan(identity: identity, format: format)
        let (_, none) = try mapLine(line(peer: "203.0.113.77", forwardedFor: "-"), plan: omitted)
        #expect(none?.value(at: "xdm.environment.ipV4") == nil)
    }

    @Test func dailyRotationChangesTheDerivedIdentityEachDay() throws {
        let plan = try makePlan(identity: ["{ namespace: FPID, derive: [client_ip, user_agent], salt: s3cret, rotate: daily }"], format: format)
        func fpid(_ day: Int) throws -> String? {
            let (_, event) = try mapLine(line(peer: "198.51.100.4", forwardedFor: "-", day: day), plan: plan)
            return ((event?.value(at: "xdm.identityMap.FPID") as? [[String: Any]])?.first?["id"]) as? String
        }
        let first = try fpid(10)
        #expect(first != nil)
        #expect(try fpid(10) == first)
        #expect(try fpid(11) != first)
        let steady = try makePlan(identity: identity, format: format)
        let (_, a) = try mapLine(line(peer: "198.51.100.4", forwardedFor: "-", day: 10), plan: steady)
        let (_, b) = try mapLine(line(peer: "198.51.100.4", forwardedFor: "-", day: 11), plan: steady)
        #expect((a?.value(at: "xdm.identityMap.FPID") as? [[String: Any]])?.first?["id"] as? String
                == (b?.value(at: "xdm.identityMap.FPID") as? [[String: Any]])?.first?["id"] as? String)
    }

    @Test func aBadNetworkNamesTheKey() {
        do {
            _ = try makePlan(identity: identity, extra: "    privacy: { trusted_proxies: [10.0.0.0/33] }", format: format)
            Issue.record("a bad network was accepted")
        } catch {
            #expect("\(error)".contains("trusted_proxies"), "\(error)")
            #expect("\(error)".contains("10.0.0.0/33"), "\(error)")
        }
    }

    @Test func networksMatchByPrefix() throws {
        let network = try #require(IPNetwork("192.168.0.0/16"))
        #expect(network.contains(try #require(IPAddress(Array("192.168.44.1".utf8)))))
        #expect(!network.contains(try #require(IPAddress(Array("192.169.0.1".utf8)))))
        #expect(!network.contains(try #require(IPAddress(Array("::ffff:1".utf8)))))
        #expect(IPAddress(Array("999.1.1.1".utf8)) == nil)
        #expect(IPAddress(Array("[2001:db8::1]".utf8))?.isV6 == true)
    }
}

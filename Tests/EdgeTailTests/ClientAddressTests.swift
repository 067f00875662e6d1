import Foundation
import Testing
@testable import EdgeTail

/// Only a parsed address leaves as `environment.ipV4` / `ipV6`, in canonical form;
/// anything else in the client field is left out and counted.
@Suite struct ClientAddressTests {
    func line(client: String) -> String {
        #"\#(client) - - [10/Oct/2024:13:55:36 +0200] "GET /a HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64)""#
    }

    /// A JSON log line, whose client field can hold any form (a combined log's cannot start with `[`).
    func jsonLine(client: String) -> String {
        #"{"time_iso8601":"2024-10-10T13:55:36+02:00","remote_addr":"\#(client)","request_method":"GET","request_uri":"/a","status":"200","http_user_agent":"Mozilla/5.0 (X11)"}"#
    }

    /// The client field as logged, and what is sent: `("ipV4", "192.0.2.1")`, or nil for nothing.
    static let forms: [(logged: String, field: String?, sent: String?)] = [
        ("192.0.2.10", "ipV4", "192.0.2.10"),
        ("192.0.2.10:51234", "ipV4", "192.0.2.10"),                 // HAProxy, ELB: address and port
        ("2001:db8::1", "ipV6", "2001:db8::1"),
        ("2001:DB8:0:0:0:0:0:1", "ipV6", "2001:db8::1"),            // RFC 5952: lowercase, longest zero run as ::
        ("2001:0db8:0000:0001:0000:0000:0000:0001", "ipV6", "2001:db8:0:1::1"),
        ("2001:db8:0:0:1:0:0:1", "ipV6", "2001:db8::1:0:0:1"),      // the first of two equal runs
        ("::1", "ipV6", "::1"),
        ("::ffff:192.0.2.44", "ipV4", "192.0.2.44"),                // IPv4-mapped: an IPv4 client of a dual-stack socket
        ("::FFFF:c000:022c", "ipV4", "192.0.2.44"),
        ("64:ff9b::192.0.2.44", "ipV6", "64:ff9b::c000:22c"),       // NAT64: an IPv6 address
        ("[2001:db8::7]", "ipV6", "2001:db8::7"),
        ("[2001:db8::7]:443", "ipV6", "2001:db8::7"),
        ("[::1]:8080", "ipV6", "::1"),
        ("fe80::1%eth0", "ipV6", "fe80::1"),                        // the zone names a server interface: dropped
        ("[fe80::1%25eth0]:80", "ipV6", "fe80::1"),
        ("www.example.com", nil, nil),
        ("proxy.internal:8080", nil, nil),
        ("-", nil, nil),
        ("unknown", nil, nil),
        ("192.0.2", nil, nil),
        ("192.0.2.256", nil, nil),
        ("192.000.2.1", nil, nil),                                  // leading zeros read as octal by some tools
        ("192.0.2.1:99999", nil, nil),
        ("1.2.3.4%eth0", nil, nil),
        ("2001:db8::1::2", nil, nil),
        ("2001:db8:1:2:3:4:5:6:7", nil, nil),
        ("12345::1", nil, nil),
        ("[2001:db8::1", nil, nil),
        ("[2001:db8::1]x", nil, nil),
        ("[192.0.2.1]", nil, nil),
        ("fe80::1%", nil, nil),
        ("999999999999999", nil, nil),                              // digits only, as long as an address can be
        ("1.2.3.4444", nil, nil),
        ("::ffff:1.2.3.4.5", nil, nil),
        ("1:2:3:4:5:6:7:8:9", nil, nil),
        ("2001:db8::12345", nil, nil),
    ]

    @Test(arguments: forms)
    func eachFormIsSentCanonicalOrLeftOut(_ logged: String, _ field: String?, _ sent: String?) throws {
        let plan = try makePlan(extra: "    privacy: { ip: send }", format: "json")
        let (outcome, event) = try mapLine(jsonLine(client: logged), plan: plan)
        #expect(outcome == .pageView)
        let environment = try #require(event?.value(at: "xdm.environment") as? [String: Any])
        if let field {
            #expect(environment[field] as? String == sent, "\(logged)")
            #expect(environment[field == "ipV4" ? "ipV6" : "ipV4"] == nil)
        } else {
            #expect(environment["ipV4"] == nil && environment["ipV6"] == nil, "\(logged): \(environment)")
        }
    }

    @Test func truncationWorksOnTheCanonicalAddress() throws {
        let plan = try makePlan(extra: "    privacy: { ip: truncate }", format: "json")
        let cases = [("::ffff:203.0.113.77", "ipV4", "203.0.113.0"), ("[2001:DB8:ABCD:12::1]:443", "ipV6", "2001:db8:abcd::"),
                     ("203.0.113.77:5000", "ipV4", "203.0.113.0")]
        for (logged, field, sent) in cases {
            let (_, event) = try mapLine(jsonLine(client: logged), plan: plan)
            #expect(event?.value(at: "xdm.environment." + field) as? String == sent, "\(logged)")
        }
        let (_, none) = try mapLine(jsonLine(client: "host.example.net"), plan: plan)
        #expect(none?.value(at: "xdm.environment.ipV4") == nil)
    }

    @Test func leftOutAddressesAreCountedInThePipelineCounts() throws {
        let plan = try makePlan(extra: "    privacy: { ip: send }")
        let lines = ["192.0.2.1", "www.example.com", "-", "unknown", "::1", "2001:db8::2"].map { line(client: $0) }
        let output = process(lines, plan: plan)
        #expect(output.counts.pageViews == 6)
        #expect(output.counts.invalidClientAddresses == 3)
        #expect(output.counts.invalidValuesText == "invalid values left out: 3 client addresses")
        // Counts are taken once: the next batch starts from zero.
        var processor = LineProcessor(plan: plan)
        #expect(process([line(client: "-")], processor: &processor).counts.invalidClientAddresses == 1)
        #expect(process([line(client: "192.0.2.1")], processor: &processor).counts.invalidClientAddresses == 0)
        // With ip: omit the field is not looked at, so nothing is counted.
        let omitted = process(lines, plan: try makePlan())
        #expect(omitted.counts.invalidClientAddresses == 0)
        var total = PipelineCounts()
        total.add(output.counts)
        total.add(output.counts)
        #expect(total.invalidClientAddresses == 6)
    }

    @Test func trustedProxiesAcceptPortsAndMappedAddresses() throws {
        let format = #"nginx, log_format: '$remote_addr [$time_local] "$request" $status "$http_user_agent" "$http_x_forwarded_for"'"#
        let plan = try makePlan(identity: ["{ namespace: FPID, derive: [client_ip], salt: s }"],
                                extra: "    privacy: { ip: send, trusted_proxies: [10.0.0.0/8] }", format: format)
        func sent(peer: String, forwardedFor: String) throws -> String? {
            let text = "\(peer) [10/Oct/2024:13:55:36 +0200] \"GET /a HTTP/1.1\" 200 \"Mozilla/5.0 (X11)\" \"\(forwardedFor)\""
            let (_, event) = try mapLine(text, plan: plan)
            return event?.value(at: "xdm.environment.ipV4") as? String ?? event?.value(at: "xdm.environment.ipV6") as? String
        }
        #expect(try sent(peer: "::ffff:10.0.0.5", forwardedFor: "198.51.100.4:6000") == "198.51.100.4")
        #expect(try sent(peer: "10.0.0.5", forwardedFor: "[2001:db8::9]:443, 10.0.0.9") == "2001:db8::9")
        #expect(try sent(peer: "10.0.0.5", forwardedFor: "unknown") == "10.0.0.5")
    }

    @Test func networksAreWrittenBare() {
        #expect(IPNetwork("10.0.0.0/8") != nil)
        #expect(IPNetwork("2001:db8::/32") != nil)
        #expect(IPNetwork("10.0.0.1:80") == nil)
        #expect(IPNetwork("[2001:db8::]/32") == nil)
        #expect(IPNetwork("fe80::%eth0/64") == nil)
        #expect(IPNetwork("192.168.0.0/16")?.contains(IPAddress("::ffff:192.168.3.4")!) == true)
        #expect(IPNetwork("::/0")?.contains(IPAddress("192.168.3.4")!) == false)
    }

    @Test func textRoundTripsThroughTheParser() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let high = UInt64.random(in: 0...UInt64.max, using: &generator) & (Bool.random() ? 0xFFFF_0000_FFFF_0000 : .max)
            let low = UInt64.random(in: 0...UInt64.max, using: &generator) & (Bool.random() ? 0x0000_FFFF_0000_0000 : .max)
            let address = IPAddress(high: high, low: low, isV6: true)
            let text = address.text
            #expect(IPAddress(text) == address, "\(text)")
            var system = in6_addr()
            #expect(inet_pton(AF_INET6, text, &system) == 1, "\(text)")
        }
    }

    /// Bare addresses are read exactly as the C library reads them (`inet_pton`), on
    /// random texts made of what addresses are made of.
    @Test func bareTextsAgreeWithInetPton() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789abcdefF:.".utf8)
        let pieces = ["::", ":", ".", "0", "1", "255", "256", "ffff", "12345", "192.0.2.1", "01"]
        var agreed = 0
        for round in 0..<50_000 {
            var text: [UInt8] = []
            let length = Int.random(in: 1...24, using: &generator)
            while text.count < length {
                if round % 2 == 0 {
                    text.append(alphabet.randomElement(using: &generator)!)
                } else {
                    text += Array(pieces.randomElement(using: &generator)!.utf8)
                }
            }
            let colons = text.filter { $0 == UInt8(ascii: ":") }.count
            guard colons != 1 else { continue }   // `a.b.c.d:port` is ours only
            let ours = IPAddress(text)
            var cString = text.map { CChar(bitPattern: $0) }
            cString.append(0)
            var storage = in6_addr()
            let theirs = inet_pton(colons == 0 ? AF_INET : AF_INET6, cString, &storage) == 1
            #expect((ours != nil) == theirs, "\(String(decoding: text, as: UTF8.self))")
            if let ours, theirs {
                let bytes = withUnsafeBytes(of: &storage) { Array($0.prefix(colons == 0 ? 4 : 16)) }
                let value = bytes.reduce((UInt64(0), UInt64(0))) { partial, byte in
                    (partial.0 << 8 | partial.1 >> 56, partial.1 << 8 | UInt64(byte))
                }
                #expect(ours == IPAddress(high: value.0, low: value.1, isV6: colons > 0), "\(String(decoding: text, as: UTF8.self))")
                agreed += 1
            }
        }
        #expect(agreed > 100)
    }
}

func process(_ lines: [String], plan: PipelinePlan) -> LineProcessor.Output {
    var processor = LineProcessor(plan: plan)
    return process(lines, processor: &processor)
}

func process(_ lines: [String], processor: inout LineProcessor) -> LineProcessor.Output {
    var bytes: [UInt8] = []
    var ranges: [LineBatch.Line] = []
    for text in lines {
        let start = bytes.count
        bytes += Array(text.utf8)
        ranges.append(LineBatch.Line(range: ByteRange(start, bytes.count), offset: UInt64(start)))
        bytes.append(0x0A)
    }
    return processor.process(LineBatch(sourceID: "test-source", origin: "test.log", bytes: bytes, lines: ranges,
                                       endPosition: UInt64(bytes.count), sequence: 0))
}

import Testing
@testable import EdgeTail

@Suite struct LogFormatParserTests {
    func parse(_ template: LogFormatTemplate, _ line: [UInt8]) throws -> AccessLogRecord {
        var record = AccessLogRecord()
        let parser = LogFormatParser(template: template)
        try line.withUnsafeBufferPointer { try parser.parse($0, line: ByteRange(0, line.count), into: &record) }
        return record
    }

    func text(_ line: [UInt8], _ range: ByteRange) -> String {
        String(decoding: line[range.start..<range.end], as: UTF8.self)
    }

    func unescaped(_ line: [UInt8], _ range: ByteRange) -> [UInt8] {
        var out: [UInt8] = []
        line.withUnsafeBufferPointer { LogEscapes.unescape($0, range, into: &out) }
        return out
    }

    @Test func nginxCombinedMatchesTheHandWrittenParser() throws {
        let line = Array(#"203.0.113.7 - alice [10/Oct/2024:13:55:36 +0200] "GET /a/b?x=1 HTTP/2.0" 404 153 "https://ref.example/" "Mozilla/5.0 (X11)""#.utf8)
        let compiled = try parse(try LogFormatTemplate.nginx(LogFormatTemplate.nginxCombined), line)
        var reference = AccessLogRecord()
        try line.withUnsafeBufferPointer { try AccessLogParser(format: .combined).parse($0, line: ByteRange(0, line.count), into: &reference) }
        #expect(compiled.client == reference.client)
        #expect(compiled.user == reference.user)
        #expect(compiled.time == reference.time)
        #expect(compiled.method == reference.method)
        #expect(compiled.path == reference.path)
        #expect(compiled.query == reference.query)
        #expect(compiled.protocolName == reference.protocolName)
        #expect(compiled.status == reference.status)
        #expect(compiled.bytesSent == reference.bytesSent)
        #expect(compiled.referer == reference.referer)
        #expect(compiled.userAgent == reference.userAgent)
    }

    @Test func nginxCustomFormatWithNamedVariables() throws {
        let template = try LogFormatTemplate.nginx(#"escape=json $host $remote_addr [$time_iso8601] "$request_method $request_uri" $status $bytes_sent $request_time "$http_x_forwarded_for" "$http_cookie" ${upstream_response_time}s"#)
        let line = Array(#"shop.example.org 10.0.0.9 [2024-03-31T02:30:00.250+05:30] "POST /cart?id=3" 201 88 0.004 "198.51.100.4, 10.0.0.1" "FPID=3F2504E0-4F89-41D3-9A0C-0305E82C3301; a=b" 0.003s"#.utf8)
        let record = try parse(template, line)
        #expect(text(line, record.virtualHost) == "shop.example.org")
        #expect(text(line, record.method) == "POST")
        #expect(text(line, record.path) == "/cart")
        #expect(text(line, record.query) == "id=3")
        #expect(record.status == 201)
        #expect(record.time.epochSeconds == 1_711_832_400)
        #expect(record.time.milliseconds == 250)
        #expect(record.time.offsetSeconds == 19_800)
        #expect(text(line, record.cookieHeader).hasPrefix("FPID="))
        let named = Dictionary(uniqueKeysWithValues: record.named.map { (String(decoding: $0.name, as: UTF8.self), text(line, $0.range)) })
        #expect(named["request_time"] == "0.004")
        #expect(named["http_x_forwarded_for"] == "198.51.100.4, 10.0.0.1")
        #expect(named["upstream_response_time"] == "0.003")
    }

    @Test func apacheFormatWithCookieAndDuration() throws {
        let template = try LogFormatTemplate.apache(#"%v:%p %h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" %D \"%{Cookie}i\" %{FPID}C"#)
        let line = Array(#"www.example.com:443 192.0.2.3 - - [01/Jan/2025:00:00:01 -0500] "GET /x HTTP/1.1" 200 - "-" "Agent \"q\" \\ z" 1234 "FPID=abc; b=c" abc"#.utf8)
        let record = try parse(template, line)
        #expect(text(line, record.virtualHost) == "www.example.com")
        #expect(record.bytesSent == 0)
        #expect(record.time.epochSeconds == 1_735_707_601)
        #expect(String(decoding: unescaped(line, record.userAgent), as: UTF8.self) == #"Agent "q" \ z"#)
        let names = record.named.map { String(decoding: $0.name, as: UTF8.self) }
        #expect(names == ["p", "D", "cookie_FPID"])
        #expect(text(line, record.cookieHeader) == "FPID=abc; b=c")
    }

    @Test(arguments: [
        ("$remote_addr$remote_user [$time_local]", "follow each other"),
        ("no variables", "no variables"),
        ("${unclosed", "unclosed"),
    ])
    func nginxSyntaxErrors(format: String, message: String) {
        #expect { try LogFormatTemplate.nginx(format) } throws: { ($0 as? LogFormatTemplate.SyntaxError)?.message.contains(message) == true }
    }

    @Test func apacheSyntaxErrors() {
        #expect { try LogFormatTemplate.apache("%h %Z %t") } throws: { ($0 as? LogFormatTemplate.SyntaxError)?.message.contains("%Z") == true }
        #expect { try LogFormatTemplate.apache("%h %{Referer") } throws: { ($0 as? LogFormatTemplate.SyntaxError)?.message.contains("unclosed") == true }
        #expect { try LogFormatTemplate.apache("%h %t %") } throws: { $0 is LogFormatTemplate.SyntaxError }
    }

    @Test func lineNotMatchingTheFormatFailsWithAReason() throws {
        let template = try LogFormatTemplate.nginx(LogFormatTemplate.nginxCombined)
        #expect(throws: LineParseError.self) { try parse(template, Array("garbage line".utf8)) }
        #expect(throws: LineParseError.self) { try parse(template, Array(#"1.2.3.4 - - [bad time] "GET / HTTP/1.1" 200 1 "-" "-""#.utf8)) }
    }

    /// Lines written from random hostile values, escaped as each server escapes them,
    /// parse back to the same values.
    @Test func hostileValuesRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = Array("abc XYZ09-_/?=&;:,.\"\\[]{}%$é".utf8) + [0x01, 0x7F, 0xFF, 0xC3]
        func value() -> [UInt8] {
            (0..<Int.random(in: 1...24, using: &generator)).map { _ in alphabet.randomElement(using: &generator) ?? 0x61 }
        }
        func nginxEscape(_ bytes: [UInt8]) -> [UInt8] {
            bytes.flatMap { byte -> [UInt8] in
                if byte == 0x22 || byte == 0x5C || byte < 0x20 || byte >= 0x7F {
                    let hex = Array("0123456789ABCDEF".utf8)
                    return [0x5C, 0x78, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
                }
                return [byte]
            }
        }
        func apacheEscape(_ bytes: [UInt8]) -> [UInt8] {
            bytes.flatMap { byte -> [UInt8] in
                if byte == 0x22 || byte == 0x5C { return [0x5C, byte] }
                return [byte]
            }
        }
        let nginx = try LogFormatTemplate.nginx(#"$remote_addr [$time_local] "$request" $status "$http_user_agent" "$http_x_custom""#)
        let apache = try LogFormatTemplate.apache(#"%h %t \"%r\" %>s \"%{User-Agent}i\" \"%{X-Custom}i\""#)
        for _ in 0..<300 {
            let agent = value()
            let custom = value()
            let target = Array("/p/".utf8) + value().filter { $0 != 0x20 }
            for (template, escape) in [(nginx, nginxEscape), (apache, apacheEscape)] {
                var line = Array("192.0.2.1 [05/Mar/2024:10:00:00 +0000] \"GET ".utf8) + escape(target) + Array(" HTTP/1.1\" 200 \"".utf8)
                line += escape(agent) + Array("\" \"".utf8) + escape(custom) + [0x22]
                let record = try parse(template, line)
                #expect(unescaped(line, record.userAgent) == agent)
                #expect(unescaped(line, record.named[0].range) == custom)
                #expect(unescaped(line, record.target) == target)
                #expect(record.status == 200)
            }
        }
    }
}

@Suite struct LogFormatPipelineTests {
    @Test func nginxLogFormatDrivesTheWholeMapping() throws {
        let plan = try makePlan(
            identity: [#"{ namespace: FPID, field: "cookie.FPID" }"#],
            extra: #"    data: { upstream: "{var.upstream_addr}", took: "{var.request_time}" }"#,
            format: #"nginx, log_format: '$remote_addr - [$time_local] "$request" $status "$http_user_agent" "$http_cookie" $upstream_addr $request_time'"#)
        let line = #"192.0.2.8 - [10/Oct/2024:13:55:36 +0000] "GET /pricing HTTP/1.1" 200 "Mozilla/5.0 (X11)" "FPID=3F2504E0-4F89-41D3-9A0C-0305E82C3301" 10.0.0.2:8080 0.012"#
        let (outcome, event) = try mapLine(line, plan: plan)
        #expect(outcome == .pageView)
        let fpid = ((event?["xdm"] as? [String: Any])?.value(at: "identityMap.FPID") as? [[String: Any]])?.first
        #expect(fpid?["id"] as? String == "3F2504E0-4F89-41D3-9A0C-0305E82C3301")
        #expect((event?["data"] as? [String: Any])?["upstream"] as? String == "10.0.0.2:8080")
        #expect((event?["data"] as? [String: Any])?["took"] as? String == "0.012")
        #expect((event?["xdm"] as? [String: Any])?.value(at: "web.webPageDetails.URL") as? String == "https://www.example.com/pricing")
    }

    @Test func invalidLogFormatIsAConfigurationError() throws {
        #expect {
            try makePlan(format: "nginx, log_format: '$remote_addr$remote_user'")
        } throws: { error in
            (error as? ConfigurationErrors)?.description.contains("parser.log_format") == true
        }
        #expect {
            try makePlan(format: "combined, log_format: '$remote_addr'")
        } throws: { error in
            (error as? ConfigurationError)?.message.contains("log_format goes with format: nginx") == true
        }
    }
}

import Testing
@testable import EdgeTail

@Suite struct AccessLogParserTests {
    func parse(_ text: String, format: AccessLogParser.Format = .combined) -> Result<(AccessLogRecord, [UInt8]), LineParseError> {
        let bytes = Array(text.utf8)
        return parseBytes(bytes, format: format)
    }

    func parseBytes(_ bytes: [UInt8], format: AccessLogParser.Format = .combined) -> Result<(AccessLogRecord, [UInt8]), LineParseError> {
        var record = AccessLogRecord()
        let parser = AccessLogParser(format: format)
        do {
            try bytes.withUnsafeBufferPointer { try parser.parse($0, line: ByteRange(0, bytes.count), into: &record) }
            return .success((record, bytes))
        } catch let error as LineParseError {
            return .failure(error)
        } catch {
            Issue.record("unexpected error \(error)")
            return .failure(.empty)
        }
    }

    func text(_ bytes: [UInt8], _ range: ByteRange) -> String {
        String(decoding: bytes[range.start..<range.end], as: UTF8.self)
    }

    @Test func combinedLineHasEveryField() throws {
        let line = #"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?x=1&y=2 HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)""#
        let (record, bytes) = try parse(line).get()
        #expect(text(bytes, record.client) == "127.0.0.1")
        #expect(text(bytes, record.ident) == "-")
        #expect(text(bytes, record.user) == "frank")
        #expect(text(bytes, record.method) == "GET")
        #expect(text(bytes, record.target) == "/apache_pb.gif?x=1&y=2")
        #expect(text(bytes, record.path) == "/apache_pb.gif")
        #expect(text(bytes, record.query) == "x=1&y=2")
        #expect(text(bytes, record.protocolName) == "HTTP/1.0")
        #expect(record.status == 200)
        #expect(record.bytesSent == 2326)
        #expect(text(bytes, record.referer) == "http://www.example.com/start.html")
        #expect(text(bytes, record.userAgent) == "Mozilla/4.08 [en] (Win98; I ;Nav)")
        #expect(record.virtualHost.isEmpty)
        // 2000-10-10T20:55:36Z
        #expect(record.time.epochSeconds == 971_211_336)
        #expect(record.time.offsetSeconds == -7 * 3600)
    }

    @Test func commonLineAndDashBytes() throws {
        let (record, _) = try parse(#"10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "HEAD / HTTP/1.1" 304 -"#, format: .common).get()
        #expect(record.status == 304)
        #expect(record.bytesSent == 0)
        #expect(record.referer.isEmpty)
    }

    @Test func commonFormatRejectsTrailingFields() {
        let result = parse(#"10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "ua""#, format: .common)
        #expect(throws: LineParseError.trailingContent) { try result.get() }
    }

    @Test func virtualHostAndExtraQuotedFields() throws {
        let line = #"www.example.com:443 192.0.2.1 - - [05/Mar/2024:10:00:00 +0100] "GET /a HTTP/2.0" 200 10 "-" "UA" "FPID=abc; x=1" 0.003"#
        let (record, bytes) = try parse(line).get()
        #expect(text(bytes, record.virtualHost) == "www.example.com:443")
        #expect(text(bytes, record.client) == "192.0.2.1")
        #expect(record.extras.count == 2)
        #expect(text(bytes, record.extras[0]) == "FPID=abc; x=1")
        #expect(text(bytes, record.extras[1]) == "0.003")
    }

    @Test func escapedQuotesInsideFields() throws {
        let line = #"1.2.3.4 - - [05/Mar/2024:10:00:00 +0000] "GET /q?a=\"b\" HTTP/1.1" 200 1 "-" "Agent \"quoted\" \\ end""#
        let (record, bytes) = try parse(line).get()
        #expect(text(bytes, record.userAgent) == #"Agent \"quoted\" \\ end"#)
        #expect(text(bytes, record.path) == "/q")
        // A backslash escaped by another ends just before the quote that closes the field.
        let closing = #"1.2.3.4 - - [05/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "\\" "ends \\""#
        let (closed, closedBytes) = try parse(closing).get()
        #expect(text(closedBytes, closed.referer) == #"\\"#)
        #expect(text(closedBytes, closed.userAgent) == #"ends \\"#)
    }

    @Test func binaryRequestParsesWithoutMethod() throws {
        let line = #"203.0.113.9 - - [02/Nov/2026:08:03:11 +0100] "\x16\x03\x01\x02\x00" 400 157 "-" "-""#
        let (record, _) = try parse(line).get()
        #expect(record.method.isEmpty)
        #expect(record.status == 400)
    }

    @Test(arguments: [
        ("", LineParseError.empty),
        ("garbage", LineParseError.missingField("time")),
        (#"1.2.3.4 - - [05/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200"#, LineParseError.missingField("bytes")),
        (#"1.2.3.4 - - [05/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 12"#, LineParseError.missingField("referer")),
        (#"1.2.3.4 - - [05/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 20x 12 "-" "-""#, LineParseError.malformedField("status")),
        (#"1.2.3.4 - - [31/Foo/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 12 "-" "-""#, LineParseError.malformedField("time")),
        (#"1.2.3.4 - - [05/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1"#, LineParseError.unterminatedQuote("request")),
        (#"1.2.3.4 - - [05/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 12 "-" "cut"#, LineParseError.unterminatedQuote("user agent")),
        (#"1.2.3.4 - - [05/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 12 "-" "cut\""#, LineParseError.unterminatedQuote("user agent")),
        (#"1.2.3.4 - - [05/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 12 "-" "a\\" "b\"#, LineParseError.unterminatedQuote("extra field")),
        (#"1.2.3.4 - - [05/Mar/2024:10:00:00 +0000"#, LineParseError.unterminatedQuote("time")),
    ])
    func malformedLinesFailWithAReason(line: String, expected: LineParseError) {
        #expect(throws: expected) { try parse(line).get() }
    }

    @Test func arbitraryBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let valid = Array(#"1.2.3.4 - - [05/Mar/2024:10:00:00 +0000] "GET /x HTTP/1.1" 200 12 "-" "ua""#.utf8)
        for _ in 0..<2000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) { bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator))) }
            _ = parseBytes(bytes)
        }
        let noise = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        _ = parseBytes(noise)
    }

    @Test func timeFormatsAsUTCAndLocal() {
        let time = LogTime(epochSeconds: 971_211_336, offsetSeconds: -7 * 3600)
        var utc: [UInt8] = []
        var local: [UInt8] = []
        time.writeISO8601(into: &utc, local: false)
        time.writeISO8601(into: &local, local: true)
        #expect(String(decoding: utc, as: UTF8.self) == "2000-10-10T20:55:36.000Z")
        #expect(String(decoding: local, as: UTF8.self) == "2000-10-10T13:55:36.000-07:00")
        var india: [UInt8] = []
        LogTime(epochSeconds: 0, offsetSeconds: 19_800).writeISO8601(into: &india, local: true)
        #expect(String(decoding: india, as: UTF8.self) == "1970-01-01T05:30:00.000+05:30")
    }

    @Test func leapDayAndYearBoundaries() throws {
        let (record, _) = try parse(#"1.2.3.4 - - [29/Feb/2024:23:59:59 +0000] "GET / HTTP/1.1" 200 1 "-" "ua""#).get()
        var utc: [UInt8] = []
        record.time.writeISO8601(into: &utc, local: false)
        #expect(String(decoding: utc, as: UTF8.self) == "2024-02-29T23:59:59.000Z")
        let (newYear, _) = try parse(#"1.2.3.4 - - [01/Jan/2025:00:30:00 +0100] "GET / HTTP/1.1" 200 1 "-" "ua""#).get()
        var shifted: [UInt8] = []
        newYear.time.writeISO8601(into: &shifted, local: false)
        #expect(String(decoding: shifted, as: UTF8.self) == "2024-12-31T23:30:00.000Z")
    }
}

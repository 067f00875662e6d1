import Testing
@testable import EdgeTail

@Suite struct JournalSyslogPrefixTests {
    let access = #"203.0.113.9 - - [27/Nov/2025:04:20:26 +0000] "GET / HTTP/1.1" 200 612 "-" "Mozilla/5.0""#

    func message(_ line: String) -> String {
        let bytes = Array(line.utf8)
        let start = bytes.withUnsafeBufferPointer { SyslogPrefix.messageStart($0, ByteRange(0, $0.count)) }
        return String(decoding: bytes[start...], as: UTF8.self)
    }

    @Test func stripsRFC3164Headers() {
        #expect(message("<190>Nov 27 04:20:26 web1 nginx: " + access) == access)
        #expect(message("<190>Nov  7 04:20:26 nginx[812]: " + access) == access)
        #expect(message("Nov 27 04:20:26 web1 nginx: " + access) == access)
        #expect(message("<190>nginx: " + access) == access)
    }

    @Test func stripsRFC5424Headers() {
        #expect(message("<190>1 2025-11-27T04:20:26Z web1 nginx 812 - - " + access) == access)
        #expect(message(#"<190>1 2025-11-27T04:20:26Z web1 nginx 812 ID47 [x@1 a="\]"] "# + access) == access)
    }

    @Test func leavesLinesWithoutAHeaderWhole() {
        #expect(message(access) == access)
        #expect(message("2001:db8::1 - - [27/Nov/2025:04:20:26 +0000] \"GET / HTTP/1.1\" 200 1") == "2001:db8::1 - - [27/Nov/2025:04:20:26 +0000] \"GET / HTTP/1.1\" 200 1")
        #expect(message("<190>") == "<190>")
        #expect(message("") == "")
    }
}

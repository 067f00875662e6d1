import Foundation
import Testing
@testable import EdgeTail

/// `edgetail detect`: the format that parses most of a sample is suggested.
@Suite struct FormatDetectorTests {
    func lines(_ text: String) -> [[UInt8]] {
        text.split(separator: "\n").map { Array($0.utf8) }
    }

    @Test func theBundledSampleIsCombined() throws {
        let sample = try String(contentsOfFile: repositoryRoot.path + "/samples/access.log", encoding: .utf8)
        let best = try #require(FormatDetector.detect(lines(sample).prefix(500).map { $0 }).first)
        #expect(best.format == "combined")
        #expect(best.parsed > 490)
        #expect(Set(["client", "time", "method", "url", "status", "user_agent"]).isSubset(of: best.roles))
    }

    @Test func commonLinesAreCommonNotCombined() throws {
        let best = try #require(FormatDetector.detect(lines("""
        10.0.0.1 - - [10/Oct/2024:13:55:36 +0200] "GET / HTTP/1.1" 200 12
        10.0.0.2 - bob [10/Oct/2024:13:55:37 +0200] "GET /a HTTP/1.1" 404 -
        """)).first)
        #expect(best.format == "common")
        #expect(best.failed == 0)
    }

    @Test func jsonAndLogfmtAreRecognisedWithTheirFields() throws {
        let json = try #require(FormatDetector.detect(lines("""
        {"time":"2024-03-30T21:00:00Z","client_ip":"10.0.0.1","method":"GET","url":"/","status":200,"request_id":"r1"}
        {"time":"2024-03-30T21:00:01Z","client_ip":"10.0.0.2","method":"GET","url":"/b","status":200,"request_id":"r2"}
        """)).first)
        #expect(json.format == "json")
        #expect(json.otherFields == ["request_id"])
        #expect(!json.roles.contains("user_agent"))
        let logfmt = try #require(FormatDetector.detect(lines("""
        time=2024-03-30T21:00:00Z client_ip=10.0.0.1 method=GET url=/ status=200 user_agent="Mozilla/5.0 (X11)"
        """)).first)
        #expect(logfmt.format == "logfmt")
        #expect(logfmt.roles.contains("user_agent"))
    }

    @Test func somethingElseParsesNowhere() {
        let results = FormatDetector.detect(lines("hello world\nanother line without a format"))
        #expect(results.allSatisfy { $0.parsed == 0 })
        #expect(results.allSatisfy { $0.firstError != nil })
    }
}

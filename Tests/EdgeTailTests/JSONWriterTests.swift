import Foundation
import Testing
@testable import EdgeTail

@Suite struct JSONWriterTests {
    func roundTrip(_ bytes: [UInt8]) throws -> String {
        var writer = JSONWriter()
        writer.raw("{\"v\":")
        writer.string(bytes)
        writer.raw("}")
        let object = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any]
        return try #require(object?["v"] as? String)
    }

    @Test func escapesQuotesBackslashesAndControls() throws {
        let hostile = "a\"b\\c\n\r\t\u{0}\u{1}\u{1F}\u{7F}é😀 </script>"
        #expect(try roundTrip(Array(hostile.utf8)) == hostile)
    }

    @Test func replacesInvalidUTF8() throws {
        let bytes: [UInt8] = [0x61, 0xFF, 0x62, 0xC3, 0x28, 0xE2, 0x82, 0x63, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80, 0xC0, 0xAF]
        let decoded = try roundTrip(bytes)
        #expect(decoded.hasPrefix("a\u{FFFD}b\u{FFFD}(\u{FFFD}"))
        #expect(!decoded.unicodeScalars.contains { $0.value >= 0xD800 && $0.value <= 0xDFFF })
    }

    @Test func randomBytesAlwaysGiveValidJSON() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let bytes = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let decoded = try roundTrip(bytes)
            // Valid UTF-8 input must survive unchanged.
            if let original = String(validating: bytes, as: UTF8.self) {
                #expect(decoded == original)
            }
        }
    }

    @Test func integers() {
        for value in [0, 7, -7, 1234567890, Int.max, Int.min + 1] {
            var writer = JSONWriter()
            writer.integer(value)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == String(value))
        }
    }
}

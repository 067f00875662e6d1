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

    /// Plain runs are looked at sixteen and eight bytes at a time, and the tail by one
    /// overlapping load: a byte to escape at any place in strings of every length up to
    /// 40 is found, and a string with none is written as it is.
    @Test func aByteToEscapeIsFoundWhereverItIs() throws {
        for length in 0...40 {
            let plain = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            var writer = JSONWriter()
            writer.string(plain)
            #expect(writer.bytes == [UInt8(ascii: "\"")] + plain + [UInt8(ascii: "\"")])
            for position in 0..<length {
                for special in ["\"", "\\", "\n", "\u{1}", "é", "\u{7F}"] {
                    var bytes = plain
                    bytes.replaceSubrange(position...position, with: Array(special.utf8))
                    let text = try #require(String(validating: bytes, as: UTF8.self))
                    #expect(try roundTrip(bytes) == text, "\(special.debugDescription) at \(position) of \(length)")
                }
                var invalid = plain
                invalid[position] = 0xFF
                var expected = String(decoding: plain, as: UTF8.self).unicodeScalars.map { String($0) }
                expected[position] = "\u{FFFD}"
                #expect(try roundTrip(invalid) == expected.joined(), "0xFF at \(position) of \(length)")
            }
        }
    }

    @Test func integers() {
        for value in [0, 7, -7, 10, -10, 1234567890, Int.max, Int.min + 1, Int.min] {
            var writer = JSONWriter()
            writer.integer(value)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == String(value))
        }
    }

    /// The writer grows its own memory: what it holds after many appends from a small
    /// start is what an array given the same appends holds, byte for byte.
    @Test func growsFromASmallCapacityWithoutLosingBytes() {
        var writer = JSONWriter(capacity: 1)
        var expected: [UInt8] = []
        var generator = SystemRandomNumberGenerator()
        for round in 0..<2_000 {
            let text = (0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0x61...0x7A, using: &generator) }
            writer.raw("{\"n\":")
            writer.integer(round)
            writer.raw(",\"t\":")
            writer.string(text)
            writer.raw(UInt8(ascii: "}"))
            expected += Array("{\"n\":\(round),\"t\":\"".utf8) + text + Array("\"}".utf8)
            #expect(writer.count == expected.count)
        }
        #expect(writer.bytes == expected)
        writer.removeAll()
        writer.raw("x")
        let finished = writer.finish()
        #expect(finished == Array("x".utf8))
    }

    @Test func uuidTextIsTheSameWrittenOrAppended() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let (high, low) = (generator.next() as UInt64, generator.next() as UInt64)
            var writer = JSONWriter(capacity: 8)
            writer.uuidVersion4(high: high, low: low)
            var appended: [UInt8] = []
            UUIDText.appendVersion4(high: high, low: low, to: &appended)
            #expect(writer.bytes == appended)
            let isVersion4 = writer.withUnsafeBytes(UUIDText.isVersion4)
            #expect(isVersion4)
        }
    }
}

import Testing
@testable import EdgeTail

@Suite struct UUIDTextTests {
    @Test func sixteenBytesBecomeAVersion4UUIDWithTheRFCVariant() {
        var out = Array("x".utf8)
        UUIDText.appendVersion4(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "x01234567-89ab-4def-bedc-ba9876543210")
        let text = UUIDText.version4(high: 0, low: .max)
        #expect(text == "00000000-0000-4000-bfff-ffffffffffff")
        #expect(Array(text.utf8).withUnsafeBufferPointer(UUIDText.isUUID))
    }

    @Test func randomRequestIDsAreVersion4UUIDsAndDiffer() {
        let ids = (0..<64).map { _ in UUIDText.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let bytes = Array(id.utf8)
            #expect(bytes.withUnsafeBufferPointer(UUIDText.isUUID))
            #expect(bytes[14] == UInt8(ascii: "4") && [UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(bytes[19]))
            #expect(id == id.lowercased())
        }
    }

    /// The digits computed eight at a time are the standard library's, for every nibble value in every place.
    @Test func hexDigitsAreThoseOfTheStandardLibrary() {
        var generator = SystemRandomNumberGenerator()
        let values: [UInt32] = [0, .max, 0x0123_4567, 0x89AB_CDEF, 0xA0B0_C0D0, 0x0909_0909] + (0..<2_000).map { _ in generator.next() }
        for value in values {
            let word = UUIDText.hexDigits(value).littleEndian
            let text = withUnsafeBytes(of: word) { String(decoding: $0, as: UTF8.self) }
            let expected = String(value, radix: 16)
            #expect(text == String(repeating: "0", count: 8 - expected.count) + expected, "\(value)")
        }
        var out: [UInt8] = []
        UUIDText.appendVersion4(high: 0xFFFF_FFFF_FFFF_FFFF, low: 0xFFFF_FFFF_FFFF_FFFF, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "ffffffff-ffff-4fff-bfff-ffffffffffff")
    }
}

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
}

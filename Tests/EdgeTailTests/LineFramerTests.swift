import Testing
@testable import EdgeTail

@Suite struct LineFramerTests {
    func frame(_ chunks: [String], max: Int = 1 << 20) -> [(String, UInt64, Int?)] {
        var framer = LineFramer(maxLineBytes: max, startOffset: 1000)
        var result: [(String, UInt64, Int?)] = []
        for chunk in chunks {
            let bytes = Array(chunk.utf8)
            let framed = bytes.withUnsafeBufferPointer { framer.frame($0) }
            for line in framed.lines {
                result.append((String(decoding: framed.bytes[line.range.start..<line.range.end], as: UTF8.self), line.offset, line.overlongLength))
            }
        }
        return result
    }

    @Test func linesAcrossChunksKeepTheirOffsets() {
        let lines = frame(["ab\ncd", "ef\n", "\ngh"])
        #expect(lines.map(\.0) == ["ab", "cdef", ""])
        #expect(lines.map(\.1) == [1000, 1003, 1008])
    }

    @Test func partialLastLineWaits() {
        var framer = LineFramer(maxLineBytes: 100, startOffset: 0)
        let first = Array("one\ntw".utf8).withUnsafeBufferPointer { framer.frame($0) }
        #expect(first.lines.count == 1)
        #expect(framer.committedOffset == 4)
        let second = Array("o\n".utf8).withUnsafeBufferPointer { framer.frame($0) }
        #expect(second.lines.count == 1)
        #expect(String(decoding: second.bytes, as: UTF8.self) == "two")
        #expect(framer.committedOffset == 8)
    }

    @Test func overlongLinesAreCutAndMarked() {
        let long = String(repeating: "x", count: 700)
        let lines = frame([long.prefix(300) + "", long.dropFirst(300) + "\nnext\n"], max: 256)
        #expect(lines.count == 2)
        #expect(lines[0].0.count == 256)
        #expect(lines[0].2 == 700)
        #expect(lines[1].0 == "next")
        #expect(lines[1].1 == 1000 + 701)
    }
}

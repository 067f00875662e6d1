import Foundation
import Testing
@testable import EdgeTail

/// The processor writes a batch's events into memory it keeps from batch to batch and
/// sizes from the batch; a batch whose JSON outgrows that must come out the same as
/// one that fits, and as its lines mapped one by one.
@Suite struct LineProcessorTests {
    func batch(_ lines: [String], offsets: [UInt64]) -> LineBatch {
        var bytes: [UInt8] = []
        var ranges: [LineBatch.Line] = []
        for (text, offset) in zip(lines, offsets) {
            let start = bytes.count
            bytes += Array(text.utf8)
            ranges.append(LineBatch.Line(range: ByteRange(start, bytes.count), offset: offset))
            bytes.append(0x0A)
        }
        return LineBatch(sourceID: "test-source", origin: "test.log", bytes: bytes, lines: ranges,
                         endPosition: UInt64(bytes.count), sequence: 0)
    }

    func events(_ output: LineProcessor.Output) -> [[UInt8]] {
        output.events.map { Array(output.bytes[$0.range.start..<$0.range.end]) }
    }

    @Test(arguments: [
        // Short lines: each event's JSON is eight times its line, past the room reserved.
        "Mozilla/5.0 (X11)",
        // Long lines: the JSON fits in the room reserved.
        String(repeating: "Mozilla/5.0 (X11; Linux x86_64) ", count: 40),
    ])
    func aBatchMapsAsItsLinesDoOneByOne(agent: String) throws {
        let plan = try makePlan()
        let lines = (0..<300).map { #"192.0.2.\#($0 % 250) - - [10/Oct/2024:13:55:36 +0200] "GET /p\#($0) HTTP/1.1" 200 1 "-" "\#(agent)""# }
        let offsets = (0..<300).map { UInt64($0) * 1_000 }
        var processor = LineProcessor(plan: plan)
        let whole = processor.process(batch(lines, offsets: offsets))
        #expect(whole.counts.pageViews == 300)
        let together = events(whole)
        #expect(together.count == 300)
        var single = LineProcessor(plan: plan)
        for index in lines.indices {
            let alone = events(single.process(batch([lines[index]], offsets: [offsets[index]])))
            #expect(alone == [together[index]], "line \(index)")
        }
        let object = try JSONSerialization.jsonObject(with: Data(together[299])) as? [String: Any]
        #expect((object?["xdm"] as? [String: Any])?["eventType"] as? String == "web.webpagedetails.pageViews")
    }
}

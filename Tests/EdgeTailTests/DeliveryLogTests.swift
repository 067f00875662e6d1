import Foundation
import Testing
@testable import EdgeTail

@Suite struct DeliveryLogTests {
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-delivered-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func event(_ id: String) -> ArraySlice<UInt8> {
        ArraySlice(#"{"xdm":{"_id":"\#(id)","timestamp":"2026-11-02T09:00:00Z"}}"#.utf8)
    }

    @Test func theKeyIsTheEventsIDAndStableAcrossProcesses() throws {
        let key = try #require(DeliveryLog.key(ofEvent: Self.event("a1b2")))
        // FNV-1a 64 of "a1b2", computed by hand from the published constants; the lowest
        // bit is left for the settlement.
        var expected: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "a1b2".utf8 { expected = (expected ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        #expect(key == expected & ~1)
        #expect(DeliveryLog.key(ofEvent: Self.event("a1b3")) != key)
        #expect(DeliveryLog.key(ofEvent: ArraySlice(#"{"xdm":{"timestamp":"x"}}"#.utf8)) == nil)
        #expect(DeliveryLog.key(ofEvent: ArraySlice(#"{"xdm":{"_id":"unterminated"#.utf8)) == nil)
        // Found where it is, too (another writer's layout), and in a slice of a larger buffer.
        #expect(DeliveryLog.key(ofEvent: ArraySlice(#"{"xdm":{"eventType":"web","_id":"a1b2"}}"#.utf8)) == key)
        let shared = Array(#"[{"xdm":{"_id":"zz"}},{"xdm":{"_id":"a1b2","timestamp":"x"}}]"#.utf8)
        #expect(DeliveryLog.key(ofEvent: shared[22..<shared.count - 1]) == key)
    }

    @Test func aNewRunKnowsWhatTheLastOneDeliveredAndNothingElse() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = DeliveryLog.path(dataDirectory: directory, sink: "edge")
        let keys = (0..<100).compactMap { DeliveryLog.key(ofEvent: Self.event("id-\($0)")) }
        do {
            let first = try DeliveryLog(path: path)
            #expect(first.previousCount == 0)
            first.record(Array(keys[0..<60]))
            // Within the run that delivered them, nothing counts as delivered "before".
            #expect(!first.deliveredBefore(keys[0]))
        }
        let second = try DeliveryLog(path: path)
        #expect(second.previousCount == 60)
        #expect(keys[0..<60].allSatisfy { second.deliveredBefore($0) })
        #expect(!keys[60...].contains { second.deliveredBefore($0) })
    }

    /// A buffered event counts for a line read again (its record will be replayed),
    /// not for the record itself, which is sent unless it was delivered.
    @Test func bufferedEventsSettleReReadLinesButNotTheirRecords() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = DeliveryLog.path(dataDirectory: directory, sink: "edge")
        let delivered = try #require(DeliveryLog.key(ofEvent: Self.event("delivered")))
        let buffered = try #require(DeliveryLog.key(ofEvent: Self.event("buffered")))
        let both = try #require(DeliveryLog.key(ofEvent: Self.event("both")))
        do {
            let log = try DeliveryLog(path: path)
            log.record([delivered, both])
            log.record([buffered, both], as: .buffered)
        }
        let log = try DeliveryLog(path: path)
        #expect(log.deliveredBefore(delivered) && log.settledBefore(delivered))
        #expect(!log.deliveredBefore(buffered) && log.settledBefore(buffered))
        #expect(log.deliveredBefore(both) && log.settledBefore(both))
        let unknown = try #require(DeliveryLog.key(ofEvent: Self.event("unknown")))
        #expect(!log.settledBefore(unknown))
    }

    @Test func twoGenerationsAreKeptAndOlderOnesForgotten() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = DeliveryLog.path(dataDirectory: directory, sink: "edge")
        let keys = (0..<25).map { UInt64($0) * 7919 + 1 }
        do {
            let log = try DeliveryLog(path: path, generationSize: 10)
            for chunk in stride(from: 0, to: 25, by: 5) { log.record(Array(keys[chunk..<chunk + 5])) }
        }
        let reopened = try DeliveryLog(path: path, generationSize: 10)
        // 25 keys in generations of 10: the file holds the last 5, the previous generation 10 more.
        #expect(reopened.previousCount == 15)
        #expect(keys[10...].allSatisfy { reopened.deliveredBefore($0) })
        #expect(!keys[..<10].contains { reopened.deliveredBefore($0) })
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        #expect(size == 5 * 8)
    }
}

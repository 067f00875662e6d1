import Testing
@testable import EdgeTail

/// A lane must let go of an event once its request is finished: events share their
/// batch's JSON, so one kept in a stale queue slot holds a whole batch outside the
/// buffer's memory budget (it made the heap grow by about 1 KB a line at a steady rate).
@Suite struct EdgeLaneMemoryTests {
    private func event(_ acknowledgement: Acknowledgement, _ number: Int) -> PendingEvent {
        let json = Array(#"{"xdm":{"_id":"\#(number)"}}"#.utf8)
        return PendingEvent(bytes: json, range: ByteRange(0, json.count), acknowledgement: acknowledgement,
                            namespace: "FPID", identityHash: UInt64(number))
    }

    @Test(arguments: [1, 5, 300])
    func aFinishedRequestLeavesNothingBehind(requests: Int) async throws {
        let lane = EdgeLane(maxBodyBytes: 60_000, maxEvents: 10, linger: .zero)
        weak var lastSent: Acknowledgement?
        for round in 0..<requests {
            // Only the events hold their acknowledgement: the weak reference tells
            // whether anything still holds them.
            let acknowledgement = Acknowledgement(count: 1) {}
            lastSent = acknowledgement
            await lane.enqueue((0..<10).map { event(acknowledgement, round * 10 + $0) })
            let batch = try #require(await lane.nextBatch())
            #expect(batch.count == 10)
            await lane.finished(batch)
        }
        #expect(await lane.queuedCount == 0)
        #expect(lastSent == nil, "the lane still holds events of a finished request")
    }

    @Test func whatIsStillQueuedIsKeptInOrder() async throws {
        let lane = EdgeLane(maxBodyBytes: 60_000, maxEvents: 4, linger: .zero)
        let acknowledgement = Acknowledgement(count: 10) {}
        await lane.enqueue((0..<10).map { event(acknowledgement, $0) })
        let first = try #require(await lane.nextBatch())
        await lane.finished(first)
        let second = try #require(await lane.nextBatch())
        let rest = await lane.unfinished()
        #expect(first.map(\.identityHash) == [0, 1, 2, 3])
        #expect(second.map(\.identityHash) == [4, 5, 6, 7])
        #expect(rest.map(\.identityHash) == [4, 5, 6, 7, 8, 9])
    }
}

/// Each lane gets its events' JSON in an array of its own, holding nothing else.
@Suite struct SplitByLaneTests {
    @Test func eachLaneHoldsOnlyItsOwnBytesInOrder() throws {
        var batch: [UInt8] = []
        var events: [PendingEvent] = []
        let acknowledgement = Acknowledgement(count: 9) {}
        for number in 0..<9 {
            let json = Array(#"{"xdm":{"_id":"event-\#(number)"}}"#.utf8)
            events.append(PendingEvent(bytes: [], range: ByteRange(batch.count, batch.count + json.count),
                                       acknowledgement: acknowledgement, namespace: "FPID", identityHash: UInt64(number),
                                       enteredAt: Double(number), serial: UInt64(number + 1)))
            batch.append(contentsOf: json)
        }
        events = events.map { PendingEvent(bytes: batch, range: $0.range, acknowledgement: $0.acknowledgement, namespace: $0.namespace,
                                           identityHash: $0.identityHash, enteredAt: $0.enteredAt, serial: $0.serial) }
        let lanes = events.splitByLane(3)
        #expect(lanes.count == 3)
        for (lane, held) in lanes.enumerated() {
            #expect(held.map(\.identityHash) == [UInt64(lane), UInt64(lane + 3), UInt64(lane + 6)])
            let shared = try #require(held.first?.bytes)
            #expect(shared.count == held.totalSize, "lane \(lane) holds bytes of other lanes")
            for event in held {
                #expect(event.bytes == shared)
                #expect(String(decoding: event.json, as: UTF8.self) == #"{"xdm":{"_id":"event-\#(event.identityHash)"}}"#)
                #expect(event.serial == event.identityHash + 1 && event.enteredAt == Double(event.identityHash))
            }
        }
    }
}

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

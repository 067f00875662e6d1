import Foundation
import Logging
import Synchronization
import Testing
@testable import EdgeTail

/// The buffer's acknowledgement path: an event is settled once, whether it is
/// delivered, parked on disk during an outage, or delivered after being parked.
@Suite struct EventBufferSettlingTests {
    func events(_ count: Int, told: Acknowledgement) -> [PendingEvent] {
        (0..<count).map { index in
            let json = Array(#"{"_id":"event-\#(index)"}"#.utf8)
            return PendingEvent(bytes: json, range: ByteRange(0, json.count), acknowledgement: told, namespace: "FPID", identityHash: 7)
        }
    }

    @Test func eventsDeliveredWhileTheirRequestIsInFlightAreNotParkedAgain() async throws {
        let directory = try TemporaryDirectory()
        let lane = EdgeLane(maxBodyBytes: 60_000, maxEvents: 100, linger: .zero)
        let statistics = EdgeSinkStatistics()
        let buffer = try EventBuffer(configuration: BufferConfiguration(fsyncInterval: 0), directory: directory.path + "/buffer",
                                     lanes: [lane], requestBytes: 60_000, statistics: statistics,
                                     logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let acknowledged = Mutex(0)
        let source = Acknowledgement(count: 4) { acknowledged.withLock { $0 += 1 } }
        await buffer.submit(events(4, told: source))
        let request = try #require(await lane.nextBatch())
        #expect(request.count == 4)

        // Half the request is delivered (a split request), then the endpoint fails.
        await buffer.settle(Array(request.prefix(2)))
        await buffer.endpointFailing()
        // Only the two still waiting are parked; the source is complete now.
        #expect(statistics.snapshot.buffer.spilledEvents == 2)
        #expect(statistics.snapshot.buffer.diskEvents == 2)
        #expect(acknowledged.withLock { $0 } == 1)

        // The parked two are delivered after all: their segment is done and deleted.
        await buffer.settle(Array(request.suffix(2)))
        await lane.finished(request)
        await buffer.released(request)
        #expect(statistics.snapshot.buffer.diskEvents == 0)
        #expect(await buffer.isEmpty)
        await buffer.close()
    }
}

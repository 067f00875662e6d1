import NIOCore
import Testing
@testable import EdgeTail

/// A request's body is its events' JSON, in order, whichever chunks they come from.
@Suite struct RequestBodyTests {
    @Test func eventsFromSeveralChunksAreWrittenInOrderBetweenTheEnvelope() {
        let acknowledgement = Acknowledgement(count: 5) {}
        let first = EventChunk(bytes: Array(#"xx{"a":1}{"a":2}{"a":3}"#.utf8), acknowledgement: acknowledgement)
        let second = EventChunk(bytes: Array(#"{"b":1}{"b":2}"#.utf8), acknowledgement: acknowledgement)
        func event(_ chunk: EventChunk, _ start: Int) -> PendingEvent {
            PendingEvent(chunk: chunk, range: ByteRange(start, start + 7), namespace: "FPID", identityHash: 0)
        }
        // Runs of one chunk, a chunk met again after another, and one event alone.
        let events = [event(first, 2), event(first, 9), event(second, 0), event(first, 16), event(second, 7)]
        let body = events.requestBody()
        #expect(String(buffer: body) == #"{"events":[{"a":1},{"a":2},{"b":1},{"a":3},{"b":2}]}"#)
        #expect(String(buffer: [event(second, 7)].requestBody()) == #"{"events":[{"b":2}]}"#)
        #expect(String(buffer: [PendingEvent]().requestBody()) == #"{"events":[]}"#)
    }
}

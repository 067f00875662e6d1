import NIOCore

/// An event waiting in a lane: its JSON (a range of its batch's shared buffer),
/// whom to acknowledge, and its identity for attribution.
struct PendingEvent: Sendable {
    let bytes: [UInt8]
    let range: ByteRange
    let acknowledgement: Acknowledgement
    let namespace: String
    let identityHash: UInt64
    /// When the event entered the buffer (seconds since 1970), for its age.
    var enteredAt: Double = 0
    /// True when the event came from a disk segment: it is durable already, and its
    /// acknowledgement releases the segment rather than a source position.
    var fromDisk = false
    /// The segment it was read from, when `fromDisk`: settling it counts there.
    var segment: UInt64 = 0
    /// Numbers events that entered memory from a source (0 for those read from disk),
    /// so they can be parked on disk during an outage.
    var serial: UInt64 = 0

    var size: Int { range.count }

    var json: ArraySlice<UInt8> { bytes[range.start..<range.end] }
}

extension Array where Element == PendingEvent {
    /// `{"events":[…]}` — the body of a collect request, written once into the buffer
    /// the HTTP client sends, from each event's bytes where the mapper wrote them.
    func requestBody() -> ByteBuffer {
        var body = ByteBufferAllocator().buffer(capacity: reduce(13) { $0 + $1.size + 1 })
        body.writeStaticString(#"{"events":["#)
        for (index, event) in enumerated() {
            if index > 0 { body.writeInteger(UInt8(ascii: ",")) }
            body.writeBytes(event.json)
        }
        body.writeStaticString("]}")
        return body
    }

    var totalSize: Int { reduce(0) { $0 + $1.size } }
}

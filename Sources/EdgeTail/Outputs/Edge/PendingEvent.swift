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

    /// The events by lane (`identityHash % lanes`, so a visitor keeps its lane), each
    /// lane's JSON copied into one exact-size array of its own.
    ///
    /// A batch's events go to different lanes, which finish them at different times;
    /// sharing the batch's JSON, the slowest lane would keep all of it alive after the
    /// others delivered theirs, and memory held would be several times what
    /// `memory_bytes` counts. Apart, a lane holds its own bytes only, released with the
    /// last of its events.
    func splitByLane(_ lanes: Int) -> [[PendingEvent]] {
        // Positions first, so each event is copied once, into its lane's array.
        var members = [[Int]](repeating: [], count: lanes)
        var sizes = [Int](repeating: 0, count: lanes)
        for index in indices {
            let lane = Int(self[index].identityHash % UInt64(lanes))
            members[lane].append(index)
            sizes[lane] += self[index].size
        }
        return members.indices.map { lane in
            guard !members[lane].isEmpty else { return [] }
            let bytes = [UInt8](unsafeUninitializedCapacity: sizes[lane]) { target, initialized in
                var at = 0
                for index in members[lane] {
                    let event = self[index]
                    event.bytes.withUnsafeBufferPointer { source in
                        let json = UnsafeBufferPointer(rebasing: source[event.range.start..<event.range.end])
                        _ = UnsafeMutableBufferPointer(rebasing: target[at..<at + json.count]).initialize(fromContentsOf: json)
                    }
                    at += event.size
                }
                initialized = at
            }
            var at = 0
            return members[lane].map { index in
                let event = self[index]
                defer { at += event.size }
                return PendingEvent(bytes: bytes, range: ByteRange(at, at + event.size), acknowledgement: event.acknowledgement,
                                    namespace: event.namespace, identityHash: event.identityHash, enteredAt: event.enteredAt,
                                    fromDisk: event.fromDisk, segment: event.segment, serial: event.serial)
            }
        }
    }
}

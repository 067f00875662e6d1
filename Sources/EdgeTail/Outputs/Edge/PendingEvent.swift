import NIOCore

/// The JSON of events that travel together (a lane's share of a source batch, or one
/// record read from disk) and the acknowledgement they tell when settled.
///
/// Events point at their chunk instead of holding the array and the acknowledgement
/// each: an event is copied at every hand-off (buffer, lane, request, settlement), and
/// with one reference instead of two each copy costs one retain and one release less.
final class EventChunk: Sendable {
    let bytes: [UInt8]
    let acknowledgement: Acknowledgement

    init(bytes: [UInt8], acknowledgement: Acknowledgement) {
        self.bytes = bytes
        self.acknowledgement = acknowledgement
    }
}

/// An event waiting in a lane: its JSON (a range of its chunk's bytes), whom to
/// acknowledge, and its identity for attribution.
struct PendingEvent: Sendable {
    let chunk: EventChunk
    let range: ByteRange
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

    init(chunk: EventChunk, range: ByteRange, namespace: String, identityHash: UInt64,
         enteredAt: Double = 0, fromDisk: Bool = false, segment: UInt64 = 0, serial: UInt64 = 0) {
        self.chunk = chunk
        self.range = range
        self.namespace = namespace
        self.identityHash = identityHash
        self.enteredAt = enteredAt
        self.fromDisk = fromDisk
        self.segment = segment
        self.serial = serial
    }

    /// An event with a chunk of its own.
    init(bytes: [UInt8], range: ByteRange, acknowledgement: Acknowledgement, namespace: String, identityHash: UInt64,
         enteredAt: Double = 0, fromDisk: Bool = false, segment: UInt64 = 0, serial: UInt64 = 0) {
        self.init(chunk: EventChunk(bytes: bytes, acknowledgement: acknowledgement), range: range, namespace: namespace,
                  identityHash: identityHash, enteredAt: enteredAt, fromDisk: fromDisk, segment: segment, serial: serial)
    }

    var bytes: [UInt8] { chunk.bytes }
    var acknowledgement: Acknowledgement { chunk.acknowledgement }

    var size: Int { range.count }

    var json: ArraySlice<UInt8> { chunk.bytes[range.start..<range.end] }
}

extension Array where Element == PendingEvent {
    /// `{"events":[…]}` — the body of a collect request, written once into the buffer
    /// the HTTP client sends, from each event's bytes where the mapper wrote them.
    ///
    /// One borrow of the buffer's memory for the whole body, and plain copies into it:
    /// a `ByteBuffer` write per event (two with its comma) paid a uniqueness and an
    /// exclusivity check each.
    func requestBody() -> ByteBuffer {
        let opening: StaticString = #"{"events":["#
        let closing: StaticString = "]}"
        let length = opening.utf8CodeUnitCount + totalSize + Swift.max(0, count - 1) + closing.utf8CodeUnitCount
        var body = ByteBufferAllocator().buffer(capacity: length)
        body.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { target in
            guard let destination = target.baseAddress else { return 0 }
            var at = 0
            func put(_ source: UnsafeRawBufferPointer) {
                guard let base = source.baseAddress, source.count > 0 else { return }
                (destination + at).copyMemory(from: base, byteCount: source.count)
                at += source.count
            }
            opening.withUTF8Buffer { put(UnsafeRawBufferPointer($0)) }
            // A run of events from one chunk (a request's events mostly come from one or
            // two) is copied from one borrow of its bytes.
            withUnsafeBufferPointer { events in
                var index = 0
                while index < events.count {
                    let chunk = events[index].chunk
                    chunk.bytes.withUnsafeBytes { bytes in
                        repeat {
                            if index > 0 {
                                target[at] = UInt8(ascii: ",")
                                at += 1
                            }
                            let range = events[index].range
                            put(UnsafeRawBufferPointer(rebasing: bytes[range.start..<range.end]))
                            index += 1
                        } while index < events.count && events[index].chunk === chunk
                    }
                }
            }
            closing.withUTF8Buffer { put(UnsafeRawBufferPointer($0)) }
            return at
        }
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
    /// last of its events. With `firstSerial`, the events are numbered in order from it
    /// as they are copied (the buffer numbers source events so they can be parked).
    func splitByLane(_ lanes: Int, numberingFrom firstSerial: UInt64? = nil) -> [[PendingEvent]] {
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
                    event.chunk.bytes.withUnsafeBufferPointer { source in
                        let json = UnsafeBufferPointer(rebasing: source[event.range.start..<event.range.end])
                        _ = UnsafeMutableBufferPointer(rebasing: target[at..<at + json.count]).initialize(fromContentsOf: json)
                    }
                    at += event.size
                }
                initialized = at
            }
            // One chunk for each run of events with one acknowledgement (a source batch's
            // events all share one), all over the lane's one array.
            var chunk: EventChunk?
            var at = 0
            return members[lane].map { index in
                let event = self[index]
                defer { at += event.size }
                if chunk?.acknowledgement !== event.chunk.acknowledgement {
                    chunk = EventChunk(bytes: bytes, acknowledgement: event.chunk.acknowledgement)
                }
                return PendingEvent(chunk: chunk ?? event.chunk, range: ByteRange(at, at + event.size), namespace: event.namespace,
                                    identityHash: event.identityHash, enteredAt: event.enteredAt, fromDisk: event.fromDisk,
                                    segment: event.segment, serial: firstSerial.map { $0 + UInt64(index) } ?? event.serial)
            }
        }
    }
}

/// Counts a burst of 206 Partial Content answers as one request.
///
/// A media player or a download manager fetches one file in many ranges; each is a
/// line with status 206. The first range of a visitor and URL counts, the next ones
/// within `seconds` of it do not. State is bounded: at most `capacity` keys; when full,
/// keys whose window has passed are forgotten, and if none has, all are (a burst then
/// counts once more, never an unbounded table).
struct PartialRequestWindow {
    let seconds: Int64
    let capacity: Int
    private var firstSeen: [UInt64: Int64] = [:]

    init(seconds: Int64, capacity: Int = 8192) {
        self.seconds = seconds
        self.capacity = capacity
    }

    /// Whether the 206 of `key` (visitor and URL) at `time` (seconds) counts.
    mutating func admits(_ key: UInt64, at time: Int64) -> Bool {
        if let first = firstSeen[key], time >= first, time - first < seconds { return false }
        if firstSeen.count >= capacity {
            firstSeen = firstSeen.filter { time - $0.value < seconds && time >= $0.value }
            if firstSeen.count >= capacity { firstSeen.removeAll(keepingCapacity: true) }
        }
        firstSeen[key] = time
        return true
    }

    var count: Int { firstSeen.count }
}

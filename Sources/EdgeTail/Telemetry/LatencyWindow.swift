import Synchronization

/// The durations of a sink's most recent requests, for `p50`/`p99` in
/// `/api/v1/stats`: a fixed ring, so memory stays the same however long it runs,
/// and the quantiles speak of now rather than of the whole run.
public final class LatencyWindow: Sendable {
    /// Quantiles of the requests in the window, in seconds.
    public struct Quantiles: Sendable, Codable, Equatable {
        public var p50Seconds: Double
        public var p99Seconds: Double
        /// Requests the quantiles were computed from (at most the window's capacity).
        public var requests: Int

        enum CodingKeys: String, CodingKey {
            case p50Seconds = "p50_seconds"
            case p99Seconds = "p99_seconds"
            case requests
        }
    }

    private struct Ring {
        var seconds: [Double] = []
        var next = 0
    }

    public let capacity: Int
    private let ring = Mutex(Ring())

    public init(capacity: Int = 512) {
        self.capacity = max(1, capacity)
    }

    public func record(seconds: Double) {
        ring.withLock { ring in
            if ring.seconds.count < capacity {
                ring.seconds.append(seconds)
            } else {
                ring.seconds[ring.next] = seconds
            }
            ring.next = (ring.next + 1) % capacity
        }
    }

    /// Nil before the first request.
    public func quantiles() -> Quantiles? {
        let recent = ring.withLock { $0.seconds }
        guard !recent.isEmpty else { return nil }
        let sorted = recent.sorted()
        return Quantiles(p50Seconds: Self.quantile(0.50, of: sorted), p99Seconds: Self.quantile(0.99, of: sorted),
                         requests: sorted.count)
    }

    /// The nearest-rank quantile of sorted, non-empty values.
    static func quantile(_ q: Double, of sorted: [Double]) -> Double {
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}

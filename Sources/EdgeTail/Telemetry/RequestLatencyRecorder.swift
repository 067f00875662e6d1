import CoreMetrics
import Synchronization

/// Where an Edge sink reports how long each request took. The sink is made before
/// (and without knowing) the metrics registry, so the histogram is attached later;
/// until then durations are not recorded there. The recent window behind the
/// quantiles of `/api/v1/stats` records from the first request.
public final class RequestLatencyRecorder: Sendable {
    private let timer = Mutex<CoreMetrics.Timer?>(nil)
    public let recent = LatencyWindow()

    public init() {}

    public func attach(_ timer: CoreMetrics.Timer) {
        self.timer.withLock { $0 = timer }
    }

    public func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        timer.withLock { $0 }?.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        recent.record(seconds: Double(seconds) + Double(attoseconds) / 1e18)
    }
}

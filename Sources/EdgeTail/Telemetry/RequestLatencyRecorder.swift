import CoreMetrics
import Synchronization

/// Where an Edge sink reports how long each request took. The sink is made before
/// (and without knowing) the metrics registry, so the histogram is attached later;
/// until then durations are not recorded.
public final class RequestLatencyRecorder: Sendable {
    private let timer = Mutex<CoreMetrics.Timer?>(nil)

    public init() {}

    public func attach(_ timer: CoreMetrics.Timer) {
        self.timer.withLock { $0 = timer }
    }

    public func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        timer.withLock { $0 }?.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

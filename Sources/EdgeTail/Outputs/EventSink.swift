/// Where events go. `submit` may return before delivery; the batch's
/// acknowledgement is told once its events are durable.
public protocol EventSink: Sendable {
    func submit(_ batch: EventBatch) async throws
    /// Delivers or persists what is pending; called at shutdown.
    func drain() async throws
    /// Shutdown has begun: a `submit` waiting for room returns without taking its
    /// events (they stay unacknowledged and are read again on the next start).
    func stopWaiting()
    /// `--once`: everything is read; deliver what waits anywhere (memory or disk)
    /// before `drain`, for as long as deliveries make progress.
    func flush() async
}

extension EventSink {
    public func stopWaiting() {}
    public func flush() async {}
}

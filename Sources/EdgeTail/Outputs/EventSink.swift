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
    /// How long the sink may hold an event to fill a request (the Edge sink's
    /// `linger`): a source can gather lines for a fraction of it at no cost in delay
    /// that anyone sees. Zero for a sink that writes each batch as it comes.
    var batchingWindow: Duration { get }
}

extension EventSink {
    public func stopWaiting() {}
    public func flush() async {}
    public var batchingWindow: Duration { .zero }
}

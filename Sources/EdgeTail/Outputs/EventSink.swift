/// Where events go. `submit` may return before delivery; the batch's
/// acknowledgement is told once its events are durable.
public protocol EventSink: Sendable {
    func submit(_ batch: EventBatch) async throws
    /// Delivers or persists what is pending; called at shutdown.
    func drain() async throws
}

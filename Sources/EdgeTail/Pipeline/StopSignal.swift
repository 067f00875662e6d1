import Synchronization

/// Asks running pipelines to stop reading; set on SIGINT/SIGTERM.
public final class StopSignal: Sendable {
    private let stopped = Mutex(false)
    public init() {}
    public func stop() { stopped.withLock { $0 = true } }
    public var isStopped: Bool { stopped.withLock { $0 } }
}

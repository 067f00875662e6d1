#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Ends a source's blocking wait from any thread, for good: a pipe that the waiting
/// `poll` watches beside its own descriptor. Once set (the pipeline is stopping, or its
/// task was cancelled) every wait that watches it returns at once, so a source can sleep
/// until the kernel has news instead of waking on a timer to look for a stop.
public final class WakeLatch: Sendable {
    /// The end a `poll` watches; readable once the latch is set.
    private let readEnd: Int32
    private let writeEnd: Int32
    private let flag = Atomic<Bool>(false)
    /// The longest `poll` of a latch that has no pipe.
    static let waitWithoutPipe = Duration.milliseconds(250)

    init() {
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            }
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        if readEnd >= 0 { close(readEnd) }
        if writeEnd >= 0 { close(writeEnd) }
    }

    /// Wakes the wait in progress, and every later one.
    public func set() {
        guard !flag.exchange(true, ordering: .relaxed) else { return }
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    var isSet: Bool { flag.load(ordering: .relaxed) }

    /// Blocks the calling thread (a source's own, never the cooperative pool's) in `poll`
    /// until `descriptor` has `events`, `wait` passes or the latch is set. True when the
    /// descriptor is ready and the latch is not set.
    ///
    /// Without its pipe (the process was out of descriptors when the latch was made) a
    /// set cannot end a `poll`: the wait is then cut to `waitWithoutPipe`, and the
    /// caller, which looks at `isSet` or its stop between waits, sees the stop that late.
    func poll(_ descriptor: Int32, events: Int16, for wait: Duration) -> Bool {
        var entries = [pollfd(fd: descriptor, events: events, revents: 0),
                       pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)]
        let limit = readEnd >= 0 ? wait : min(wait, Self.waitWithoutPipe)
        let ready = Glibc.poll(&entries, 2, limit.pollMilliseconds)
        return ready > 0 && entries[0].revents != 0 && entries[1].revents == 0
    }

    /// Runs `operation` (a wait of the source's), setting the latch if the task is
    /// cancelled meanwhile: a cancelled pipeline is going away, as a stopped one is.
    func settingOnCancel<T: Sendable>(_ operation: () async -> T) async -> T {
        await withTaskCancellationHandler(operation: operation, onCancel: { self.set() })
    }
}

extension Duration {
    /// Whole milliseconds, rounded up (a wait never ends early), for `poll` and `usleep`.
    var pollMilliseconds: Int32 {
        Int32(clamping: components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 + 1)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Ends a source's blocking wait from any thread, for good: a pipe that the waiting
/// `poll` watches beside its own descriptor. Once set (the pipeline is stopping) every
/// wait that watches it returns at once, so a source can sleep until the kernel has
/// news instead of waking on a timer to look for a stop.
public final class WakeLatch: Sendable {
    /// The end a `poll` watches; readable once the latch is set.
    let descriptor: Int32
    private let writeEnd: Int32
    private let flag = Atomic<Bool>(false)

    init() {
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            }
        }
        descriptor = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if writeEnd >= 0 { close(writeEnd) }
    }

    /// Wakes the wait in progress, and every later one.
    public func set() {
        guard !flag.exchange(true, ordering: .relaxed) else { return }
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    var isSet: Bool { flag.load(ordering: .relaxed) }
}

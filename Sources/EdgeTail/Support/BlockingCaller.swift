import Foundation
import Synchronization

/// Runs blocking system calls (`poll` on an inotify descriptor, and the like) one at a
/// time on a thread of its own, so they never hold one of the cooperative pool's
/// threads — of which a two-core machine has two, shared by every task.
///
/// The thread sleeps on a semaphore between calls and ends with `close()` (or when the
/// caller is released), so a waiting source costs nothing until the kernel wakes it.
final class BlockingCaller: Sendable {
    private final class Queue: Sendable {
        let jobs = Mutex<(work: [@Sendable () -> Void], closed: Bool)>(([], false))
        let ready = DispatchSemaphore(value: 0)

        enum Next {
            case job(@Sendable () -> Void)
            case end
            case nothing
        }

        func loop() {
            while true {
                ready.wait()
                let next = jobs.withLock { jobs -> Next in
                    if !jobs.work.isEmpty { return .job(jobs.work.removeFirst()) }
                    return jobs.closed ? .end : .nothing
                }
                switch next {
                case .job(let job): job()
                case .end: return
                case .nothing: continue
                }
            }
        }
    }

    private let queue = Queue()

    init(name: String) {
        let queue = queue
        let thread = Thread { queue.loop() }
        thread.name = name
        thread.start()
    }

    deinit {
        close()
    }

    /// Runs `work` on the thread and returns its result.
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let accepted = queue.jobs.withLock { jobs -> Bool in
                guard !jobs.closed else { return false }
                jobs.work.append { continuation.resume(returning: work()) }
                return true
            }
            if accepted {
                queue.ready.signal()
            } else {
                continuation.resume(returning: work())
            }
        }
    }

    /// Lets the thread end once the calls already queued have run.
    func close() {
        let first = queue.jobs.withLock { jobs -> Bool in
            defer { jobs.closed = true }
            return !jobs.closed
        }
        if first { queue.ready.signal() }
    }
}

import ArgumentParser
import Dispatch

/// The process's entry: the command runs on the cooperative pool while the main thread
/// waits for it.
///
/// Not an `async` main: that hands the main thread to `dispatch_main`, which ends it with
/// `pthread_exit`, and the forced unwinding of its stack searches the binary's unwind
/// tables (`.eh_frame_hdr`, 1.3 MB) — pages that then stay resident for the life of a
/// daemon (0.6–1.0 MB of peak RSS, measured alternated). `EdgeTailCommand.main()` parses,
/// runs, and on an error prints it and exits with its code, as before.
@main
enum EdgeTailMain {
    static func main() {
        let finished = DispatchSemaphore(value: 0)
        // Detached: a task made here would belong to the main actor, whose jobs only
        // `dispatch_main` runs.
        Task.detached {
            await EdgeTailCommand.main()
            finished.signal()
        }
        finished.wait()
    }
}

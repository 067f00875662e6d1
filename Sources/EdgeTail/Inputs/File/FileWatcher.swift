#if canImport(Glibc)
import Glibc
#endif

/// Wakes the file source early when a watched directory changes (inotify), so new
/// files and rotations are seen within milliseconds instead of the next rescan.
///
/// Only a hint: the source still rescans on its interval, and polls every
/// `poll_interval` where inotify is unavailable or has shown that it misses writes
/// (see `FileSource.waitForData`), so a missed event costs latency, never lines.
/// Where inotify cannot be used the watcher says so once and stays idle.
final class FileWatcher {
    /// What the events since the last look say.
    struct Events {
        /// Files were created, renamed or deleted: the globs should be rescanned.
        var structureChanged = false
        /// Some watched file was written to.
        var modified = false
        /// Files renamed within or between watched directories (old path, new path):
        /// a rotation that happened while edgetail was busy is still followed.
        var renames: [(from: String, to: String)] = []
        var any: Bool { structureChanged || modified }

        mutating func merge(_ other: Events) {
            structureChanged = structureChanged || other.structureChanged
            modified = modified || other.modified
            renames += other.renames
        }
    }

    /// Why the watcher is not watching, for the log; nil while it works.
    private(set) var unavailableReason: String?
    private var descriptor: Int32 = -1
    private var watched: Set<String> = []
    /// Watched directory of each watch descriptor, to name the files events are about.
    private var directoryOfWatch: [Int32: String] = [:]
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    /// Where `waitForEvents` blocks in `poll`, off the cooperative pool.
    private let waiter = BlockingCaller(name: "edgetail-inotify")
    /// Set when the pipeline stops: a wait in progress ends at once.
    let latch: WakeLatch

    init(latch: WakeLatch) {
        self.latch = latch
        #if canImport(Glibc)
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if descriptor < 0 {
            unavailableReason = "inotify_init1: \(String(cString: strerror(errno)))"
        }
        #else
        unavailableReason = "inotify is not available on this system"
        #endif
    }

    deinit {
        waiter.close()
        if descriptor >= 0 { close(descriptor) }
    }

    /// Returns when an event is pending or `deadline` has passed, sleeping in `poll`
    /// meanwhile: an idle source wakes only when the kernel has news, or at its deadline.
    /// With `notBefore`, news that comes earlier is held until then on the same thread
    /// (reads spaced while lines trickle in), without a timer of the concurrency runtime.
    /// The wait ends early too when the latch is set (the pipeline stops, or its task
    /// is cancelled).
    func waitForEvents(until deadline: ContinuousClock.Instant, notBefore: ContinuousClock.Instant? = nil) async {
        let remaining = deadline - .now
        guard descriptor >= 0, remaining > .zero else { return }
        let (descriptor, latch) = (descriptor, latch)
        await latch.settingOnCancel {
            await waiter.run {
                if latch.poll(descriptor, events: Int16(POLLIN), for: remaining), let notBefore {
                    Self.sleep(min(notBefore, deadline) - .now)
                }
            }
        }
    }

    /// Returns at `instant`, having slept on the watcher's thread: spacing reads
    /// without a timer of the concurrency runtime.
    func hold(until instant: ContinuousClock.Instant) async {
        let hold = instant - .now
        guard hold > .zero else { return }
        _ = await waiter.run { Self.sleep(hold) }
    }

    /// Sleeps on the calling thread (the watcher's); nothing for a duration of zero or less.
    private static func sleep(_ duration: Duration) {
        guard duration > .zero else { return }
        usleep(UInt32(clamping: duration.pollMilliseconds * 1000))
    }

    var isWatching: Bool { unavailableReason == nil }

    /// Adds watches for directories not watched yet; returns a reason when a watch
    /// could not be added (limits exhausted), after which polling alone continues.
    @discardableResult
    func watch(directories: [String]) -> String? {
        #if canImport(Glibc)
        guard descriptor >= 0, unavailableReason == nil else { return nil }
        let mask = UInt32(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
        for directory in directories where !watched.contains(directory) {
            let watch = inotify_add_watch(descriptor, directory, mask)
            if watch < 0 {
                let code = errno
                if code == ENOSPC || code == ENOMEM {
                    unavailableReason = "inotify watch limit reached at \(directory) (fs.inotify.max_user_watches)"
                    close(descriptor)
                    descriptor = -1
                    return unavailableReason
                }
                continue // vanished meanwhile or not a directory: the next scan tells
            }
            watched.insert(directory)
            directoryOfWatch[watch] = directory
        }
        #endif
        return nil
    }

    /// Tests set it to play a filesystem whose writes inotify does not report.
    var ignoresEvents = false

    /// Reads every pending event without blocking.
    func drain() -> Events {
        let events = readEvents()
        return ignoresEvents ? Events() : events
    }

    private func readEvents() -> Events {
        var events = Events()
        #if canImport(Glibc)
        guard descriptor >= 0 else { return events }
        var movedFrom: [UInt32: String] = [:]
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            var index = 0
            while index + 16 <= count {
                // struct inotify_event { int wd; uint32_t mask, cookie, len; char name[]; }
                let (watch, mask, cookie, length) = buffer.withUnsafeBytes { raw in
                    (raw.loadUnaligned(fromByteOffset: index, as: Int32.self),
                     raw.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self),
                     raw.loadUnaligned(fromByteOffset: index + 8, as: UInt32.self),
                     Int(raw.loadUnaligned(fromByteOffset: index + 12, as: UInt32.self)))
                }
                if mask & UInt32(IN_MOVED_FROM | IN_MOVED_TO) != 0, length > 0, index + 16 + length <= count,
                   let directory = directoryOfWatch[watch] {
                    let nameBytes = buffer[(index + 16)..<(index + 16 + length)].prefix { $0 != 0 }
                    let path = (directory == "/" ? "" : directory) + "/" + String(decoding: nameBytes, as: UTF8.self)
                    if mask & UInt32(IN_MOVED_FROM) != 0 {
                        movedFrom[cookie] = path
                    } else if let from = movedFrom.removeValue(forKey: cookie) {
                        events.renames.append((from, path))
                    }
                }
                if mask & UInt32(IN_MODIFY) != 0 { events.modified = true }
                if mask & UInt32(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_Q_OVERFLOW) != 0 {
                    events.structureChanged = true
                }
                if mask & UInt32(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
                    // A watched directory went away: watch again whatever takes its place.
                    watched.removeAll()
                    directoryOfWatch.removeAll()
                    events.structureChanged = true
                }
                index += 16 + length
            }
        }
        #endif
        return events
    }
}

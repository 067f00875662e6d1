import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Follows the files a pipeline's globs name and hands on batches of lines.
///
/// Files are read round-robin, one turn (≤ 1 MiB) each, so one busy file does not
/// starve the others; at most `max_open_files` are open, the idle ones (then the
/// least recently read) are closed to make room and reopened later by path. New
/// files are found by rescans, early on inotify events. A file renamed or deleted is
/// read to its end: a renamed file is let go once at its end for `rotate_wait`, a
/// deleted one as soon as it is at its end, and never later than `rotate_wait`.
///
/// Where a file starts: at its checkpoint when one matches its identity and the
/// marker of the bytes before it still matches; otherwise at `read_from` for files
/// present at the very first start, and at the beginning for files that appear
/// later (they are new, e.g. the file a rotation created).
public final class FileSource {
    public let configuration: SourceConfiguration
    public let statistics: FileSourceStatistics
    let ledger: AcknowledgementLedger
    let logger: Logger
    private let includes: [FileGlob]
    private let excludes: [FileGlob]
    private var files: [FileTailer] = []
    private var byInode: [InodeKey: FileTailer] = [:]
    private var cursor = 0
    private var openCount = 0
    private var checkpoints: [String: CheckpointStore.Entry]
    private let firstStart: Bool
    private var scanned = false
    private var lastScan = ContinuousClock.Instant.now
    /// When `waitForData` last returned for written data.
    private var lastDataWake: ContinuousClock.Instant?
    private var unreadable: Set<String> = []
    private let watcher: FileWatcher
    public let wakeLatch = WakeLatch()
    /// The last wait ended at its deadline without news from inotify.
    private var wokeWithoutNews = false
    /// inotify was seen to miss a write here (a network filesystem, a writer through
    /// a mapping): from then on the files are polled every `poll_interval`.
    private var inotifyMissesWrites = false
    private var pendingEvents = FileWatcher.Events()
    private var loggedWatchState = false
    /// Files found before their first line was complete, held open (so a quick
    /// rename cannot lose them) until they have an identity.
    private var youngFiles: [InodeKey: YoungFile] = [:]
    /// Markers of batch ends not yet checkpointed, by source id then position.
    private var markers: [String: [UInt64: UInt64]] = [:]
    /// Lines left out under `on_overlong: skip` not yet reported to the runner.
    private var skippedLines = 0
    private let chunk: UnsafeMutableRawBufferPointer
    private let rotateWait: Duration
    private let scanInterval: Duration
    /// How often the files are looked at where inotify cannot say (`poll_interval`).
    private let pollInterval: Duration

    static let chunkSize = 256 * 1024
    /// Rescans on inotify events are at most this frequent (thousands of files).
    static let eventScanSpacing = Duration.milliseconds(20)
    /// While lines trickle in, reads are at least `readSpacing` apart: a web server
    /// flushing its log every few milliseconds would otherwise cost a wake, a read, a
    /// batch and a hand-off to the sink per flush. The first write after a quiet spell is
    /// read at once.
    let readSpacing: Duration

    /// The spacing for a sink that holds events up to `window` to fill a request: a
    /// quarter of it, within 50–250 ms. Behind the Edge sink's `linger` of a second a
    /// line waits at most 250 ms more (a quarter more than the sink makes it wait), and
    /// at 1,000 lines/s, read every 50 ms, the wakes and hand-offs cost as much CPU as
    /// everything else together (`sidecar.sh`: 0.49–0.59 s of busy CPU in 20 s against
    /// 0.26–0.30 s read every 250 ms). Behind a short `linger` or a sink that writes at
    /// once, reads stay 50 ms apart.
    public static func readSpacing(forBatchingWindow window: Duration) -> Duration {
        min(max(window / 4, .milliseconds(50)), .milliseconds(250))
    }

    struct InodeKey: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    /// A file without a complete first line yet, so without an identity. It is
    /// followed from its beginning once it has one, whatever `read_from` says: when it
    /// was first seen it held no complete line, so its end at that moment was offset 0,
    /// and every line written since is new.
    struct YoungFile {
        var path: String
        var descriptor: Int32
        /// When a scan first missed it at its path.
        var goneSince: ContinuousClock.Instant?
    }

    /// - Parameter checkpoints: stored entries, or nil on the very first start.
    /// - Parameter readSpacing: see `readSpacing(forBatchingWindow:)`.
    public init(configuration: SourceConfiguration, checkpoints: [CheckpointStore.Entry]?, ledger: AcknowledgementLedger,
                statistics: FileSourceStatistics = FileSourceStatistics(),
                readSpacing: Duration = FileSource.readSpacing(forBatchingWindow: .zero),
                logger: Logger) {
        self.configuration = configuration
        self.readSpacing = readSpacing
        watcher = FileWatcher(latch: wakeLatch)
        self.ledger = ledger
        self.logger = logger
        self.statistics = statistics
        var byID: [String: CheckpointStore.Entry] = [:]
        for entry in checkpoints ?? [] where byID[entry.sourceID].map({ $0.position < entry.position }) ?? true {
            byID[entry.sourceID] = entry
        }
        self.checkpoints = byID
        firstStart = checkpoints == nil
        includes = configuration.include.map(FileGlob.init)
        excludes = configuration.exclude.map(FileGlob.init)
        chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        rotateWait = .milliseconds(Int(configuration.rotateWait * 1000))
        scanInterval = .milliseconds(Int(configuration.scanInterval * 1000))
        pollInterval = .milliseconds(Int(configuration.pollInterval * 1000))
    }

    deinit {
        chunk.deallocate()
        for young in youngFiles.values { close(young.descriptor) }
    }

    /// Paths of the files followed now.
    public var paths: [String] { files.map(\.path) }

    /// Source ids of the files followed now (their checkpoints stay fresh).
    public var activeSourceIDs: Set<String> { Set(files.map(\.sourceID)) }

    /// The next batch, or nil when every file is read to its end (the caller decides
    /// whether to wait and ask again).
    public func next() -> LineBatch? {
        pendingEvents.merge(watcher.drain())
        // Lines found now in a file that was read to its end before a wait that brought
        // no news were written without inotify saying so.
        let quietWake = wokeWithoutNews && !pendingEvents.any
        wokeWithoutNews = false
        let now = ContinuousClock.now
        if !scanned || now - lastScan >= scanInterval || (scanWanted && now - lastScan >= eventScanSpacing) {
            scan()
        } else if !scanWanted {
            // Writes to open files: reading below sees them, no rescan needed.
            pendingEvents.modified = false
        }
        promoteYoungFiles()
        var attempts = 0
        while attempts < files.count {
            let index = cursor % files.count
            cursor = index + 1
            attempts += 1
            let tailer = files[index]
            if !tailer.isOpen {
                guard tailer.hasNews, makeRoom(for: tailer) else { continue }
                switch tailer.reopen() {
                case .reopened:
                    didOpen()
                case .gone:
                    locateOrRetire(tailer, reason: "replaced while closed")
                    attempts -= 1
                    continue
                case .failed(let error):
                    report(unreadable: tailer.path, error.description)
                    continue
                }
            }
            let openBefore = tailer.isOpen
            do {
                switch try tailer.read(into: chunk) {
                case .lines(let bytes, var lines, let endPosition):
                    if quietWake && openBefore { noteWriteWithoutNews(tailer.path) }
                    return batch(from: tailer, bytes: bytes, lines: &lines, endPosition: endPosition)
                case .progress:
                    // Inside a long line: not "nothing new", so the file gets another turn.
                    attempts -= 1
                case .truncated(let previous):
                    logger.warning("file truncated, reading it again from the start", metadata: [
                        "path": "\(tailer.path)", "previous": "\(previous.sourceID)", "now": "\(tailer.sourceID)"])
                    statistics.recordTruncation()
                    attempts -= 1
                    cursor = index
                case .endOfFile:
                    if shouldLetGo(tailer, now: now) {
                        retire(tailer, reason: tailer.isDeleted ? "deleted" : "rotated")
                        attempts -= 1
                    }
                }
            } catch {
                report(unreadable: tailer.path, error.description)
                retire(tailer, reason: "unreadable")
                attempts -= 1
            }
        }
        return nil
    }

    /// Waits until a watched directory changes, the next rescan is due, or `limit`
    /// passes, whichever is first; or until `wakeLatch` is set.
    ///
    /// While inotify reports the writes (it does on local filesystems), nothing else
    /// wakes an idle source: only news, the rescan (`scan_interval`) and the caller's
    /// limit. Without inotify, or once it was seen to miss a write (the lines were found
    /// after a wait that ended without news), the files are polled every `poll_interval`.
    public func waitForData(upTo limit: Duration) async {
        let now = ContinuousClock.now
        var deadline = min(now + limit, lastScan + scanInterval)
        if !watcher.isWatching || inotifyMissesWrites {
            deadline = min(deadline, now + pollInterval)
        }
        guard watcher.isWatching else {
            try? await Task.sleep(until: deadline)
            return
        }
        defer { wokeWithoutNews = !pendingEvents.any && ContinuousClock.now >= deadline }
        while ContinuousClock.now < deadline && !wakeLatch.isSet {
            pendingEvents.merge(watcher.drain())
            if pendingEvents.any {
                // A rescan is due soon: wait for its spacing instead of spinning.
                if scanWanted {
                    try? await Task.sleep(until: min(deadline, lastScan + eventScanSpacing))
                } else if let last = lastDataWake {
                    // News that came while the last batch was mapped: held on the watcher's
                    // thread, as `waitForEvents` holds news that wakes it.
                    await watcher.hold(until: min(deadline, last + readSpacing))
                }
                lastDataWake = .now
                return
            }
            // News within `readSpacing` of the last read is held on the watcher's thread.
            await watcher.waitForEvents(until: deadline, notBefore: lastDataWake.map { $0 + readSpacing })
        }
    }

    /// Plays a filesystem whose writes inotify does not report (tests).
    func ignoreInotifyEvents() {
        watcher.ignoresEvents = true
    }

    /// Whether inotify was seen to miss a write, so the files are polled.
    var pollsForWrites: Bool { inotifyMissesWrites }

    /// A file grew while inotify said nothing. Unless its event comes now (written
    /// between the look for news and the read), inotify misses writes here: poll.
    private func noteWriteWithoutNews(_ path: String) {
        pendingEvents.merge(watcher.drain())
        guard !pendingEvents.modified, !inotifyMissesWrites else { return }
        inotifyMissesWrites = true
        logger.notice("inotify did not report a write; the files are polled every poll_interval", metadata: [
            "path": "\(path)", "poll_interval": "\(configuration.pollInterval)"])
    }

    /// Whether the watched events call for a rescan: names changed, or a file that
    /// was too young for an identity (or one closed for room) was written to.
    private var scanWanted: Bool {
        pendingEvents.structureChanged || (pendingEvents.modified && openCount < files.count)
    }

    /// Rescans on events are spaced so thousands of files are not rescanned per write.
    private var eventScanSpacing: Duration {
        pendingEvents.structureChanged ? Self.eventScanSpacing : .milliseconds(250)
    }

    /// Lines left out as overlong since the last call (`on_overlong: skip`).
    public func takeSkippedLines() -> Int {
        defer { skippedLines = 0 }
        return skippedLines
    }

    /// The marker of the bytes before `position` of a source, when that position is
    /// a batch end read here; forgets markers of earlier positions.
    public func marker(sourceID: String, position: UInt64) -> UInt64? {
        guard var known = markers[sourceID] else { return nil }
        let marker = known[position]
        known = known.filter { $0.key >= position }
        markers[sourceID] = known.isEmpty && !activeSourceIDs.contains(sourceID) ? nil : known
        return marker
    }

    private func batch(from tailer: FileTailer, bytes: [UInt8], lines: inout [LineBatch.Line], endPosition: UInt64) -> LineBatch {
        let sourceID = tailer.sourceID
        var overlong = 0
        for line in lines where line.overlongLength != nil { overlong += 1 }
        let read = UInt64(lines.count)
        let bytesRead = endPosition - (lines.first?.offset ?? endPosition)
        if overlong > 0 && configuration.onOverlong == .skip {
            lines.removeAll { $0.overlongLength != nil }
            skippedLines += overlong
        }
        let path = tailer.path
        let skip = configuration.onOverlong == .skip
        statistics.update { counts in
            counts.linesRead += read
            counts.bytesRead += bytesRead
            counts.perFile[path, default: .init()].linesRead += read
            counts.perFile[path, default: .init()].bytesRead += bytesRead
            if skip { counts.linesSkipped += overlong } else { counts.linesTruncated += overlong }
        }
        if let marker = tailer.marker(at: endPosition) {
            markers[sourceID, default: [:]][endPosition] = marker
        }
        ledger.register(sourceID: sourceID, origin: path, position: lines.first?.offset ?? endPosition)
        let sequence = ledger.nextSequence(sourceID: sourceID)
        return LineBatch(sourceID: sourceID, origin: path, bytes: bytes, lines: lines, endPosition: endPosition, sequence: sequence)
    }

    // MARK: - Letting go of files

    /// A rotated file is let go at its end: a deleted one at once, a renamed one
    /// after `rotate_wait` without news (its writer may not have reopened yet).
    private func shouldLetGo(_ tailer: FileTailer, now: ContinuousClock.Instant) -> Bool {
        guard let leftAt = tailer.leftPathAt else { return false }
        if let info = tailer.currentStat(), info.st_nlink == 0 { tailer.isDeleted = true }
        return tailer.isDeleted || now - leftAt >= rotateWait
    }

    private func retire(_ tailer: FileTailer, reason: String) {
        if tailer.isOpen {
            tailer.close()
            openCount -= 1
        }
        files.removeAll { $0 === tailer }
        byInode[InodeKey(device: tailer.identity.device, inode: tailer.identity.inode)] = nil
        logger.info("closed file", metadata: ["path": "\(tailer.path)", "reason": "\(reason)", "offset": "\(tailer.position)"])
        let path = tailer.path
        let openCount = openCount
        let tracked = files.count
        statistics.update { counts in
            counts.perFile[path] = nil
            counts.openFiles = openCount
            counts.trackedFiles = tracked
        }
    }

    /// A closed file whose path names another file now: find it in its directory
    /// by inode (rotation renames within the directory), else let it go.
    private func locateOrRetire(_ tailer: FileTailer, reason: String) {
        let directory = PathParts(tailer.path).directory
        for (name, _) in FileGlob.entries(of: directory) {
            let candidate = directory == "/" ? "/" + name : directory + "/" + name
            var info = stat()
            guard stat(candidate, &info) == 0, tailer.identity.isSameInode(info) else { continue }
            if case .reopened = tailer.reopen(at: candidate) {
                didOpen()
                tailer.leftPathAt = tailer.leftPathAt ?? .now
                statistics.recordRotation()
                return
            }
        }
        if tailer.hasNews || tailer.knownSize > tailer.position {
            statistics.update { $0.abandonedBytes += tailer.knownSize > tailer.position ? tailer.knownSize - tailer.position : 0 }
        }
        retire(tailer, reason: reason)
    }

    /// Closes an idle file (or else the least recently read one that can be reopened)
    /// when opening `tailer` would exceed `max_open_files`.
    private func makeRoom(for tailer: FileTailer) -> Bool {
        guard openCount >= configuration.maxOpenFiles else { return true }
        let candidates = files.filter { $0.isOpen && !$0.isRotated && $0 !== tailer }
        let victim = candidates.filter { !$0.hasNews }.min { $0.lastUsed < $1.lastUsed }
            ?? candidates.min { $0.lastUsed < $1.lastUsed }
        guard let victim else { return false }
        victim.close()
        openCount -= 1
        return true
    }

    private func didOpen() {
        openCount += 1
        let openCount = openCount
        statistics.update { counts in
            counts.openFiles = openCount
            counts.peakOpenFiles = max(counts.peakOpenFiles, openCount)
        }
    }

    private func report(unreadable path: String, _ message: String) {
        if unreadable.insert(path).inserted {
            logger.error("\(message); the other files go on", metadata: ["path": "\(path)"])
            statistics.update { $0.unreadableFiles += 1 }
        }
    }

    // MARK: - Discovery

    /// Finds the files the globs name, follows new ones, and notices files that
    /// left their name.
    public func scan() {
        let isFirstScan = !scanned
        scanned = true
        lastScan = .now
        let renames = pendingEvents.renames
        pendingEvents = FileWatcher.Events()
        var directories: [String] = []
        var seen = Set<InodeKey>()
        var candidates: [String] = []
        for glob in includes {
            let expansion = glob.expand()
            directories += expansion.directories
            candidates += expansion.paths
        }
        if let problem = watcher.watch(directories: directories) {
            logger.warning("file discovery falls back to polling every \(configuration.scanInterval) s: \(problem)")
        } else if !loggedWatchState {
            loggedWatchState = true
            if let reason = watcher.unavailableReason {
                logger.warning("file discovery polls every \(configuration.scanInterval) s: \(reason)")
            } else {
                logger.info("file discovery uses inotify", metadata: ["directories": "\(directories.count)"])
            }
        }
        let wallNow = time(nil)
        for path in Set(candidates).sorted() where !excludes.contains(where: { $0.excludes(path) }) {
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let key = InodeKey(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            if youngFiles[key] != nil {
                youngFiles[key]?.path = path
                youngFiles[key]?.goneSince = nil
                seen.insert(key)
                continue
            }
            if let tracked = byInode[key] {
                if seen.insert(key).inserted {
                    tracked.knownSize = UInt64(info.st_size)
                    if tracked.path != path && !isSameInode(tracked, at: tracked.path) {
                        // Renamed to another name the globs follow: still the same file.
                        tracked.rename(to: path)
                        tracked.leftPathAt = nil
                    }
                }
                continue
            }
            guard seen.insert(key).inserted else { continue }
            if let ignoreOlder = configuration.ignoreOlder, Double(wallNow - info.st_mtim.tv_sec) > ignoreOlder {
                continue
            }
            follow(path: path, isFirstScan: isFirstScan)
        }
        // Files renamed away from a followed name since the last look (a rotation
        // while edgetail was busy): follow them under their new name, as rotated.
        for rename in renames where includes.contains(where: { $0.matches(rename.from) })
            && !excludes.contains(where: { $0.excludes(rename.from) }) {
            var info = stat()
            guard stat(rename.to, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let key = InodeKey(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            guard !seen.contains(key), byInode[key] == nil, youngFiles[key] == nil else { continue }
            follow(path: rename.to, isFirstScan: false)
        }
        for tailer in files where !seen.contains(InodeKey(device: tailer.identity.device, inode: tailer.identity.inode)) {
            noticeGone(tailer)
        }
        let now = ContinuousClock.now
        for (key, young) in youngFiles where !seen.contains(key) {
            // Renamed or deleted before its first line was complete: wait rotate_wait for one.
            let since = young.goneSince ?? now
            youngFiles[key]?.goneSince = since
            if now - since >= rotateWait {
                close(young.descriptor)
                youngFiles[key] = nil
            }
        }
        let openCount = openCount
        let tracked = files.count
        statistics.update { counts in
            counts.openFiles = openCount
            counts.trackedFiles = tracked
        }
    }

    private func isSameInode(_ tailer: FileTailer, at path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && tailer.identity.isSameInode(info)
    }

    /// A followed file no glob names any more: renamed away or deleted.
    private func noticeGone(_ tailer: FileTailer) {
        if tailer.leftPathAt == nil {
            tailer.leftPathAt = .now
            statistics.recordRotation()
            logger.info("file left its name, reading it to its end", metadata: ["path": "\(tailer.path)"])
        }
        if !tailer.isOpen {
            locateOrRetire(tailer, reason: "renamed or deleted while closed")
            return
        }
        if let info = tailer.currentStat(), info.st_nlink == 0 {
            tailer.isDeleted = true
            tailer.knownSize = UInt64(info.st_size)
            // Never hold a deleted file beyond rotate_wait: its space is freed only when closed.
            if let leftAt = tailer.leftPathAt, ContinuousClock.now - leftAt >= rotateWait {
                let unread = tailer.knownSize > tailer.position ? tailer.knownSize - tailer.position : 0
                if unread > 0 {
                    logger.warning("deleted file still unread after rotate_wait, closing it", metadata: [
                        "path": "\(tailer.path)", "unread_bytes": "\(unread)"])
                    statistics.update { $0.abandonedBytes += unread }
                }
                retire(tailer, reason: "deleted")
            }
        }
    }

    /// Opens a newly found file and follows it, or keeps it open as young.
    private func follow(path: String, isFirstScan: Bool) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            report(unreadable: path, "cannot open \(path): \(String(cString: strerror(errno)))")
            return
        }
        unreadable.remove(path)
        guard adopt(path: path, descriptor: descriptor, isFirstScan: isFirstScan) else {
            var info = stat()
            guard fstat(descriptor, &info) == 0 else {
                close(descriptor)
                return
            }
            youngFiles[InodeKey(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))] =
                YoungFile(path: path, descriptor: descriptor)
            return
        }
    }

    /// Young files whose first line is complete now become followed files.
    private func promoteYoungFiles() {
        for (key, young) in youngFiles where adopt(path: young.path, descriptor: young.descriptor, isFirstScan: false) {
            youngFiles[key] = nil
            if young.goneSince != nil, let tailer = byInode[key] {
                tailer.leftPathAt = young.goneSince
                statistics.recordRotation()
            }
        }
    }

    /// Follows an open file from where it should start; false (descriptor kept)
    /// while it is too young for an identity (no complete first line yet).
    private func adopt(path: String, descriptor: Int32, isFirstScan: Bool) -> Bool {
        guard let identity = FileIdentity.read(descriptor: descriptor) else { return false }
        var info = stat()
        fstat(descriptor, &info)
        let size = UInt64(info.st_size)
        let start = startPosition(identity: identity, descriptor: descriptor, size: size, path: path, isFirstScan: isFirstScan)
        logger.info("following file", metadata: ["path": "\(path)", "offset": "\(start)", "source": "\(identity.sourceID)"])
        ledger.register(sourceID: identity.sourceID, origin: path, position: start)
        let tailer = FileTailer(path: path, descriptor: descriptor, identity: identity, offset: start, size: size,
                                maxLineBytes: configuration.maxLineBytes)
        files.append(tailer)
        byInode[InodeKey(device: identity.device, inode: identity.inode)] = tailer
        if let marker = PositionMarker.read(descriptor: descriptor, offset: start) {
            markers[identity.sourceID, default: [:]][start] = marker
        }
        if openCount >= configuration.maxOpenFiles {
            // At the limit: keep it known but closed until its turn comes.
            tailer.close()
        } else {
            didOpen()
        }
        return true
    }

    private func startPosition(identity: FileIdentity, descriptor: Int32, size: UInt64, path: String, isFirstScan: Bool) -> UInt64 {
        if let entry = checkpoints[identity.sourceID] {
            if size < entry.position {
                logger.warning("file is shorter than its checkpoint (truncated while stopped), reading it from the start",
                               metadata: ["path": "\(path)", "checkpoint": "\(entry.position)", "size": "\(size)"])
                statistics.recordTruncation()
                return 0
            }
            if let text = entry.marker, let expected = PositionMarker.parse(text),
               PositionMarker.read(descriptor: descriptor, offset: entry.position) != expected {
                logger.warning("file was rewritten before its checkpoint, reading it from the start",
                               metadata: ["path": "\(path)", "checkpoint": "\(entry.position)"])
                statistics.update { $0.rewrites += 1 }
                return 0
            }
            return entry.position
        }
        if isFirstScan && firstStart && configuration.readFrom == .end {
            return Self.endOfLastCompleteLine(descriptor)
        }
        return 0
    }

    /// Starting "at the end" means after the last complete line, so a line being
    /// written right now is not cut in half.
    static func endOfLastCompleteLine(_ descriptor: Int32) -> UInt64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_size > 0 else { return 0 }
        var end = Int64(info.st_size)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while end > 0 {
            let start = max(0, end - Int64(buffer.count))
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, Int(end - start), off_t(start)) }
            guard count > 0 else { return 0 }
            if let newline = buffer[0..<count].lastIndex(of: 0x0A) {
                return UInt64(start) + UInt64(newline) + 1
            }
            end = start
        }
        return 0
    }
}

/// The directory part of a path, without Foundation.
private struct PathParts {
    let path: String
    init(_ path: String) { self.path = path }
    var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

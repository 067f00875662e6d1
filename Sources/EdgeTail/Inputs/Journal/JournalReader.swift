import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// One open `sd_journal`: the local journal, a directory of journal files, or a list
/// of files, narrowed by matches, read entry by entry.
///
/// libsystemd follows journal files as they are rotated, vacuumed or added (it
/// watches them with inotify and re-reads its file list in `process()`/`wait()`).
/// Not thread-safe, like `sd_journal` itself: one reader belongs to one source.
final class JournalReader {
    private let journal: OpaquePointer
    /// What was opened, for messages.
    let description: String

    init(_ configuration: JournalConfiguration) throws(JournalError) {
        var handle: OpaquePointer?
        let result: Int32
        let what: String
        if let directory = configuration.directory {
            what = "directory \(directory)"
            if access(directory, R_OK | X_OK) != 0 && (errno == EACCES || errno == EPERM) {
                throw .permissionDenied(what: what)
            }
            result = sd_journal_open_directory(&handle, directory, 0)
        } else if !configuration.files.isEmpty {
            what = "files \(configuration.files.joined(separator: ", "))"
            for file in configuration.files where access(file, R_OK) != 0 && (errno == EACCES || errno == EPERM) {
                throw .permissionDenied(what: "file \(file)")
            }
            result = Self.withCStrings(configuration.files) { paths in
                sd_journal_open_files(&handle, paths, 0)
            }
        } else {
            what = "of this machine"
            if let unreadable = Self.unreadableSystemJournal() {
                throw .permissionDenied(what: "at \(unreadable)")
            }
            result = sd_journal_open(&handle, Int32(SD_JOURNAL_LOCAL_ONLY))
        }
        guard result >= 0, let handle else { throw JournalError.opening(what, result: result) }
        journal = handle
        description = what
        // Whole fields: the default threshold cuts data at 64 KiB.
        _ = sd_journal_set_data_threshold(journal, 0)
        for (index, group) in configuration.matches.enumerated() {
            if index > 0 {
                let disjunction = sd_journal_add_disjunction(journal)
                if disjunction < 0 { throw .invalidMatch("OR", errno: abs(disjunction)) }
            }
            for match in group {
                let added = match.withCString { sd_journal_add_match(journal, $0, 0) }
                if added < 0 { throw .invalidMatch(match, errno: abs(added)) }
            }
        }
    }

    deinit {
        sd_journal_close(journal)
    }

    func seekHead() throws(JournalError) {
        try check(sd_journal_seek_head(journal), "seek to the beginning")
    }

    /// Positions after the last entry, so `next()` returns only entries added later;
    /// returns the last entry's cursor (nil when the journal is empty).
    func seekTail() throws(JournalError) -> String? {
        try check(sd_journal_seek_tail(journal), "seek to the end")
        // After seek_tail, stepping back once anchors the position on the last entry.
        let moved = sd_journal_previous(journal)
        try check(moved, "seek to the end")
        return moved > 0 ? try cursor() : nil
    }

    /// Positions on the entry of `cursor` or, when it is gone, just before the entry that
    /// follows it; true when the entry itself was found (and so is already read).
    func seek(cursor: String) throws(JournalError) -> Bool {
        try check(cursor.withCString { sd_journal_seek_cursor(journal, $0) }, "seek to the checkpointed cursor")
        let moved = sd_journal_next(journal)
        try check(moved, "seek to the checkpointed cursor")
        if moved > 0 && cursor.withCString({ sd_journal_test_cursor(journal, $0) }) > 0 {
            return true
        }
        if moved > 0 {
            // The entry is gone (vacuumed): step back so the next `next()` returns its successor.
            try check(sd_journal_previous(journal), "seek to the checkpointed cursor")
        }
        return false
    }

    /// Moves to the next entry; false at the end of what is there now.
    func next() throws(JournalError) -> Bool {
        let result = sd_journal_next(journal)
        try check(result, "next entry")
        return result > 0
    }

    /// The value of `field` of the current entry (without `FIELD=`), valid until the
    /// reader moves; nil when the entry has no such field.
    /// `name` is NUL-terminated.
    func field(_ name: [CChar]) throws(JournalError) -> UnsafeRawBufferPointer? {
        var data: UnsafeRawPointer?
        var length = 0
        let result = name.withUnsafeBufferPointer { pointer -> Int32 in
            guard let base = pointer.baseAddress else { return -EINVAL }
            return sd_journal_get_data(journal, base, &data, &length)
        }
        if result == -ENOENT { return nil }
        try check(result, "read a field")
        guard let data else { return nil }
        let prefix = name.count  // the name and '=' (the name's NUL counts for the '=')
        guard length >= prefix else { return nil }
        return UnsafeRawBufferPointer(start: data + prefix, count: length - prefix)
    }

    /// Every field of the current entry as `FIELD=value`, each valid until the next call.
    func forEachField(_ body: (UnsafeRawBufferPointer) -> Void) {
        sd_journal_restart_data(journal)
        var data: UnsafeRawPointer?
        var length = 0
        while sd_journal_enumerate_data(journal, &data, &length) > 0 {
            guard let data else { continue }
            body(UnsafeRawBufferPointer(start: data, count: length))
        }
    }

    /// `__REALTIME_TIMESTAMP` of the current entry, in microseconds since 1970.
    func realtime() throws(JournalError) -> UInt64 {
        var usec: UInt64 = 0
        try check(sd_journal_get_realtime_usec(journal, &usec), "read the entry time")
        return usec
    }

    /// The cursor of the current entry, a stable name for it.
    func cursor() throws(JournalError) -> String {
        var text: UnsafeMutablePointer<CChar>?
        try check(sd_journal_get_cursor(journal, &text), "read the entry cursor")
        guard let text else { throw .readFailed(operation: "read the entry cursor", errno: EINVAL) }
        defer { free(text) }
        return String(cString: text)
    }

    /// Takes in journal files added, rotated or removed since the last call, without waiting.
    func process() {
        _ = sd_journal_process(journal)
    }

    /// What to `poll` for a change of the journal (new entries or files): libsystemd's
    /// inotify descriptor, the events to ask for, and the longest wait before
    /// `process()` must be called anyway (nil: none). Nil when there is no descriptor.
    /// Polled on another thread, it lets the journal wait without holding one of the
    /// cooperative pool's threads, as `sd_journal_wait` would.
    func changeDescriptor() -> (descriptor: Int32, events: Int16, timeout: Duration?)? {
        let descriptor = sd_journal_get_fd(journal)
        let events = sd_journal_get_events(journal)
        guard descriptor >= 0, events >= 0 else { return nil }
        var until: UInt64 = 0
        guard sd_journal_get_timeout(journal, &until) >= 0, until != UInt64.max else {
            return (descriptor, Int16(truncatingIfNeeded: events), nil)
        }
        // An absolute CLOCK_MONOTONIC time in microseconds.
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nowMicroseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        let remaining = until > nowMicroseconds ? until - nowMicroseconds : 0
        return (descriptor, Int16(truncatingIfNeeded: events), .microseconds(Int64(clamping: remaining)))
    }

    private func check(_ result: Int32, _ operation: String) throws(JournalError) {
        if result < 0 { throw .readFailed(operation: operation, errno: abs(result)) }
    }

    /// A system journal directory that exists but cannot be read by this user.
    private static func unreadableSystemJournal() -> String? {
        for root in ["/var/log/journal", "/run/log/journal"] {
            guard let directory = opendir(root) else {
                if errno == EACCES || errno == EPERM { return root }
                continue
            }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name.count == 32 else { continue }
                let path = root + "/" + name
                if access(path, R_OK | X_OK) != 0 && (errno == EACCES || errno == EPERM) { return path }
            }
        }
        return nil
    }

    /// Calls `body` with a NULL-terminated C array of the strings.
    private static func withCStrings(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Int32) -> Int32 {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        pointers.append(nil)
        return pointers.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return -EINVAL }
            return body(base)
        }
    }
}

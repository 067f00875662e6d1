import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// Finds the journal files of a directory or file list that libsystemd will not read.
///
/// `sd_journal` skips a truncated or corrupted file without a word; opening each file
/// on its own first tells the operator which ones are left out and why.
enum JournalFileCheck {
    struct Problem: Sendable, Equatable {
        var path: String
        var reason: String
    }

    static func problems(_ configuration: JournalConfiguration) -> [Problem] {
        let paths: [String]
        if let directory = configuration.directory {
            paths = journalFiles(in: directory)
        } else {
            paths = configuration.files
        }
        return paths.compactMap { path in
            var handle: OpaquePointer?
            let result = path.withCString { name -> Int32 in
                var names: [UnsafePointer<CChar>?] = [name, nil]
                return names.withUnsafeMutableBufferPointer { buffer in
                    guard let base = buffer.baseAddress else { return -EINVAL }
                    return sd_journal_open_files(&handle, base, 0)
                }
            }
            if let handle { sd_journal_close(handle) }
            guard result < 0 else { return nil }
            let reason = abs(result) == ENODATA ? "truncated or not a journal file" : JournalError.reason(result)
            return Problem(path: path, reason: reason)
        }
    }

    /// `*.journal` and `*.journal~` files of a directory and of its subdirectories one level down,
    /// which is where `sd_journal_open_directory` looks.
    static func journalFiles(in directory: String) -> [String] {
        var found: [String] = []
        for name in entries(of: directory) {
            let path = directory + "/" + name
            if name.hasSuffix(".journal") || name.hasSuffix(".journal~") {
                found.append(path)
            } else {
                found += entries(of: path).filter { $0.hasSuffix(".journal") || $0.hasSuffix(".journal~") }.map { path + "/" + $0 }
            }
        }
        return found.sorted()
    }

    private static func entries(of directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

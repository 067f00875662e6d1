import Foundation
import Testing
@testable import EdgeTail

/// Makes real journal files from export-format entries with `systemd-journal-remote`.
enum JournalFiles {
    static let remote = ["/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Writes `export` into the journal file `path` (created, or appended to).
    static func write(_ export: JournalExportWriter, to path: String) throws {
        let writer = try Writer(path: path)
        try writer.write(export)
        writer.finish()
    }

    /// A running systemd-journal-remote that writes what it is fed into one journal file.
    final class Writer {
        let process = Process()
        let input = Pipe()

        init(path: String) throws {
            let executable = try #require(remote, "systemd-journal-remote is not installed (make test installs it)")
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["--output=" + path, "-"]
            process.standardInput = input
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
        }

        func write(_ export: JournalExportWriter) throws {
            try input.fileHandleForWriting.write(contentsOf: Data(export.bytes))
        }

        /// Ends the input and waits for the journal file to be complete.
        func finish() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "systemd-journal-remote failed")
        }
    }

    /// `count` combined-format access lines as journal entries from nginx, starting at `first`.
    static func accessEntries(_ range: Range<Int>, identifier: String = "nginx", unit: String = "nginx.service",
                              host: String = "web1") -> JournalExportWriter {
        var export = JournalExportWriter()
        for index in range {
            export.entry(realtime: 1_764_000_000_000_000 + UInt64(index) * 1000, monotonic: UInt64(index) + 1, [
                ("MESSAGE", accessLine(index)),
                ("SYSLOG_IDENTIFIER", identifier),
                ("_SYSTEMD_UNIT", unit),
                ("_HOSTNAME", host),
                ("PRIORITY", "6"),
            ])
        }
        return export
    }

    static func accessLine(_ index: Int) -> String {
        #"198.51.100.\#(index % 250) - - [24/Nov/2025:16:00:00 +0000] "GET /page/\#(index) HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64)""#
    }
}

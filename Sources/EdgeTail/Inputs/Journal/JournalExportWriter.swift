/// Writes entries in the journal export format, which `systemd-journal-remote` turns
/// into real journal files: how tests and benchmarks make journals without journald.
///
/// An entry is `FIELD=value` lines ended by a blank line; a value holding a newline
/// or other binary bytes is written as `FIELD\n`, its 64-bit little-endian length, the
/// bytes, and `\n`.
public struct JournalExportWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Appends one entry; `realtime` and `monotonic` are microseconds.
    public mutating func entry(realtime: UInt64, monotonic: UInt64, bootID: String = "0123456789abcdef0123456789abcdef",
                               fields: [(String, [UInt8])]) {
        text("__REALTIME_TIMESTAMP", Array(String(realtime).utf8))
        text("__MONOTONIC_TIMESTAMP", Array(String(monotonic).utf8))
        text("_BOOT_ID", Array(bootID.utf8))
        for (name, value) in fields {
            if value.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) {
                text(name, value)
            } else {
                bytes.append(contentsOf: name.utf8)
                bytes.append(0x0A)
                var length = UInt64(value.count).littleEndian
                withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
                bytes.append(contentsOf: value)
                bytes.append(0x0A)
            }
        }
        bytes.append(0x0A)
    }

    /// Convenience for text fields.
    public mutating func entry(realtime: UInt64, monotonic: UInt64, _ fields: [(String, String)]) {
        entry(realtime: realtime, monotonic: monotonic, fields: fields.map { ($0.0, Array($0.1.utf8)) })
    }

    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    private mutating func text(_ name: String, _ value: [UInt8]) {
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: "="))
        bytes.append(contentsOf: value)
        bytes.append(0x0A)
    }
}

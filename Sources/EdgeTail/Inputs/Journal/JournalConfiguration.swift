/// The options of a `type: journald` source.
///
/// Without `directory` or `files` (or with an empty `directory`) the local system journal is read. `matches` are in
/// journal syntax (`FIELD=value`): the list is OR-ed, and each element is one match or
/// a list of matches that must all hold (the journal ORs matches on the same field).
public struct JournalConfiguration: Sendable, Equatable {
    public enum SyslogPrefix: String, ConfigurationWord {
        /// Remove a leading syslog header (`<PRI>`, timestamp, host, `tag[pid]:`) when present.
        case strip
        /// Hand the message to the parser as it is.
        case keep
    }

    public var directory: String?
    public var files: [String] = []
    public var matches: [[String]] = []
    public var syslogPrefix: SyslogPrefix = .strip

    public init(directory: String? = nil, files: [String] = [], matches: [[String]] = [], syslogPrefix: SyslogPrefix = .strip) {
        self.directory = directory
        self.files = files
        self.matches = matches
        self.syslogPrefix = syslogPrefix
    }

    init(from container: KeyedDecodingContainer<SourceConfiguration.CodingKeys>) throws {
        // Empty means the local journal, so a file can say `directory: ${JOURNAL_DIR:-}`.
        directory = try container.decodeIfPresent(String.self, forKey: .directory).flatMap { $0.isEmpty ? nil : $0 }
        files = try container.decodeIfPresent(OneOrMany<String>.self, forKey: .files)?.values ?? []
        matches = try container.decodeIfPresent([OneOrMany<String>].self, forKey: .matches)?.map(\.values) ?? []
        syslogPrefix = try container.decodeIfPresent(SyslogPrefix.self, forKey: .syslogPrefix) ?? .strip
        if directory != nil && !files.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .files, in: container,
                                                   debugDescription: "expected either directory or files, not both")
        }
        for group in matches {
            if group.isEmpty {
                throw DecodingError.dataCorruptedError(forKey: .matches, in: container,
                                                       debugDescription: "expected at least one FIELD=value in each group")
            }
            for match in group where !Self.isValidMatch(match) {
                throw DecodingError.dataCorruptedError(
                    forKey: .matches, in: container,
                    debugDescription: "invalid match '\(match)'; expected FIELD=value with FIELD of A-Z, 0-9 and _, such as _SYSTEMD_UNIT=nginx.service")
            }
        }
    }

    /// `FIELD=value`, where FIELD is what the journal accepts as a field name.
    static func isValidMatch(_ match: String) -> Bool {
        guard let equals = match.utf8.firstIndex(of: UInt8(ascii: "=")) else { return false }
        let name = match.utf8[..<equals]
        guard let first = name.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first), name.count <= 64 else { return false }
        return name.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_")
        }
    }
}

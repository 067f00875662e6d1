import CPCRE2

/// `format: regex`: a PCRE2 pattern (JIT-compiled where available) whose named
/// groups are the line's fields, given their roles by name like `json` and `logfmt`.
///
/// Holds its own match data, so one parser serves one pipeline task at a time (as
/// a pipeline's plan does).
public final class RegexLineParser: @unchecked Sendable {
    public let pattern: RegexPattern
    let roles: FieldRoles
    private let groups: [(name: [UInt8], number: Int)]
    private let matchData: OpaquePointer?

    public init(pattern: RegexPattern, roles: FieldRoles) {
        self.pattern = pattern
        self.roles = roles
        groups = pattern.namedGroups.map { (Array($0.name.utf8), $0.number) }
        matchData = pcre2_match_data_create_from_pattern_8(pattern.code, nil)
    }

    deinit {
        pcre2_match_data_free_8(matchData)
    }

    public func parse(_ buffer: UnsafeBufferPointer<UInt8>, line: ByteRange, into record: inout AccessLogRecord) throws(LineParseError) {
        record.reset()
        var end = line.end
        while end > line.start && buffer[end - 1] == 0x0D { end -= 1 }
        if end <= line.start { throw .empty }
        guard let base = buffer.baseAddress else { throw .empty }
        let subject = base + line.start
        let length = end - line.start
        let result = pattern.jit
            ? pcre2_jit_match_8(pattern.code, subject, length, 0, 0, matchData, nil)
            : pcre2_match_8(pattern.code, subject, length, 0, 0, matchData, nil)
        guard result >= 0, let vector = pcre2_get_ovector_pointer_8(matchData) else {
            throw .malformedField("line (it does not match the pattern)")
        }
        var sink = NamedFieldSink(roles: roles)
        for group in groups {
            let start = vector[2 * group.number]
            let stop = vector[2 * group.number + 1]
            // PCRE2_UNSET: the group took no part in the match.
            guard start != ~0, stop != ~0, start <= stop else { continue }
            try group.name.withUnsafeBufferPointer { name throws(LineParseError) in
                try sink.put(name: name, value: ByteRange(line.start + start, line.start + stop), buffer, into: &record)
            }
        }
        if !sink.sawTime { throw .missingField("time") }
    }
}

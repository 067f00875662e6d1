import CPCRE2

/// A PCRE2 pattern compiled once, with JIT where the platform has it.
///
/// The compiled code is immutable and may be shared; each matcher keeps its own
/// match data, so a `RegexPattern` is used through a `RegexMatcher` per task.
public final class RegexPattern: @unchecked Sendable {
    public let source: String
    let code: OpaquePointer
    let jit: Bool

    public struct CompileError: Error, Sendable, CustomStringConvertible {
        public var pattern: String
        public var offset: Int
        public var message: String
        public var description: String { "invalid regular expression at offset \(offset): \(message)" }
    }

    /// `caseless` ignores case; `jit: false` saves the JIT's memory for patterns that
    /// are run rarely (the crawler list: thousands of patterns, each tried only on
    /// the agents that hold its literal).
    public init(_ pattern: String, caseless: Bool = false, jit: Bool = true) throws(CompileError) {
        source = pattern
        var errorCode: Int32 = 0
        var errorOffset = 0
        let bytes = Array(pattern.utf8)
        let compiled = bytes.withUnsafeBufferPointer { buffer in
            pcre2_compile_8(buffer.baseAddress, buffer.count, caseless ? UInt32(PCRE2_CASELESS) : 0, &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            var message = [UInt8](repeating: 0, count: 256)
            let length = message.withUnsafeMutableBufferPointer { pcre2_get_error_message_8(errorCode, $0.baseAddress, 256) }
            let text = length > 0 ? String(decoding: message[0..<Int(length)], as: UTF8.self) : "error \(errorCode)"
            throw CompileError(pattern: pattern, offset: errorOffset, message: text)
        }
        code = compiled
        self.jit = jit && pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
    }

    deinit {
        pcre2_code_free_8(code)
    }

    /// The pattern's named groups (`(?<name>…)`) with their numbers, in table order.
    public var namedGroups: [(name: String, number: Int)] {
        var count: UInt32 = 0
        var entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>?
        guard pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMECOUNT), &count) == 0, count > 0,
              pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize) == 0,
              pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMETABLE), &table) == 0, let table else { return [] }
        return (0..<Int(count)).map { index in
            let entry = table + index * Int(entrySize)
            let number = Int(entry[0]) << 8 | Int(entry[1])
            var length = 0
            while length < Int(entrySize) - 2 && entry[2 + length] != 0 { length += 1 }
            return (String(decoding: UnsafeBufferPointer(start: entry + 2, count: length), as: UTF8.self), number)
        }
    }
}

/// Matches a `RegexPattern` against bytes; owns match data, so one per task.
public final class RegexMatcher {
    public let pattern: RegexPattern
    private let matchData: OpaquePointer?

    public init(_ pattern: RegexPattern) {
        self.pattern = pattern
        matchData = pcre2_match_data_create_from_pattern_8(pattern.code, nil)
    }

    deinit {
        pcre2_match_data_free_8(matchData)
    }

    public func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let subject = bytes.baseAddress ?? UnsafePointer(bitPattern: 1)
        let result = pattern.jit
            ? pcre2_jit_match_8(pattern.code, subject, bytes.count, 0, 0, matchData, nil)
            : pcre2_match_8(pattern.code, subject, bytes.count, 0, 0, matchData, nil)
        return result >= 0
    }
}

import CPCRE2

/// The crawler-user-agents patterns compiled once and shared by every pipeline.
///
/// One alternation of all ~1,500 patterns costs about a millisecond per agent in PCRE2
/// (every start position tries every branch), so the patterns sit behind a literal
/// prefilter: each carries the literals one of which any match contains (worked out
/// when the Swift file is generated), indexed by their first two bytes. An agent is
/// scanned once; only the patterns whose literal it holds are run, without JIT (they
/// run rarely, and JIT code for 1,500 patterns would cost megabytes).
public final class CrawlerList: Sendable {
    /// The vendored dataset; compiled on first use.
    public static let builtin = CrawlerList(CrawlerPatterns.entries)
    public static var version: String { CrawlerPatterns.version }

    let patterns: [RegexPattern]
    /// Literals laid end to end; `literalStarts[i]..<literalStarts[i + 1]` is literal `i`.
    let literalBytes: [UInt8]
    let literalStarts: [Int32]
    let literalPattern: [Int32]
    /// Literal numbers by bucket of their first two bytes: `buckets[b]..<buckets[b + 1]` in `bucketEntries`.
    let buckets: [Int32]
    let bucketEntries: [Int32]
    /// Patterns without a literal, tried on every agent.
    let unindexed: [Int32]

    static let bucketCount = 4096

    /// `entries` whose patterns do not compile are left out; the generator checks them.
    init(_ entries: [(pattern: String, literals: [String])]) {
        var patterns: [RegexPattern] = []
        var literals: [(bytes: [UInt8], pattern: Int32)] = []
        var unindexed: [Int32] = []
        for entry in entries {
            guard let compiled = try? RegexPattern(entry.pattern, jit: false) else { continue }
            let number = Int32(patterns.count)
            patterns.append(compiled)
            let usable = entry.literals.map { Array($0.utf8) }
            if usable.isEmpty || usable.contains(where: { $0.count < 2 }) {
                unindexed.append(number)
            } else {
                for literal in usable { literals.append((literal, number)) }
            }
        }
        var counts = [Int32](repeating: 0, count: Self.bucketCount + 1)
        for literal in literals { counts[Self.bucket(literal.bytes[0], literal.bytes[1]) + 1] += 1 }
        for index in 1..<counts.count { counts[index] += counts[index - 1] }
        var fill = counts
        var entriesByBucket = [Int32](repeating: 0, count: literals.count)
        var bytes: [UInt8] = []
        var starts: [Int32] = [0]
        for (number, literal) in literals.enumerated() {
            let bucket = Self.bucket(literal.bytes[0], literal.bytes[1])
            entriesByBucket[Int(fill[bucket])] = Int32(number)
            fill[bucket] += 1
            bytes += literal.bytes
            starts.append(Int32(bytes.count))
        }
        self.patterns = patterns
        literalBytes = bytes
        literalStarts = starts
        literalPattern = literals.map(\.pattern)
        buckets = counts
        bucketEntries = entriesByBucket
        self.unindexed = unindexed
    }

    public var count: Int { patterns.count }

    @inline(__always)
    static func bucket(_ first: UInt8, _ second: UInt8) -> Int {
        (Int(first) &* 31 &+ Int(second)) & (bucketCount - 1)
    }

    /// The numbers of the patterns whose literal occurs in `agent`, each once.
    func candidates(_ agent: UnsafeBufferPointer<UInt8>, into found: inout [Int32]) {
        found.removeAll(keepingCapacity: true)
        found.append(contentsOf: unindexed)
        guard agent.count >= 2 else { return }
        literalBytes.withUnsafeBufferPointer { literalBytes in
            for position in 0..<(agent.count - 1) {
                let bucket = Self.bucket(agent[position], agent[position + 1])
                var entry = Int(buckets[bucket])
                let end = Int(buckets[bucket + 1])
                while entry < end {
                    let literal = Int(bucketEntries[entry])
                    entry += 1
                    let start = Int(literalStarts[literal])
                    let length = Int(literalStarts[literal + 1]) - start
                    guard length <= agent.count - position else { continue }
                    var offset = 0
                    while offset < length && agent[position + offset] == literalBytes[start + offset] { offset += 1 }
                    if offset == length {
                        let pattern = literalPattern[literal]
                        if !found.contains(pattern) { found.append(pattern) }
                    }
                }
            }
        }
    }
}

/// Runs a `CrawlerList` against agents; owns PCRE2 match data, so one per task.
final class CrawlerListMatcher {
    let list: CrawlerList
    private let matchData: OpaquePointer?
    private var candidates: [Int32] = []

    init(_ list: CrawlerList) {
        self.list = list
        // One pair of offsets suffices: only whether a pattern matches is asked.
        matchData = pcre2_match_data_create_8(1, nil)
        candidates.reserveCapacity(16)
    }

    deinit {
        pcre2_match_data_free_8(matchData)
    }

    /// Whether a pattern of the list matches `agent` (case as written, as the dataset intends).
    func matches(_ agent: UnsafeBufferPointer<UInt8>) -> Bool {
        list.candidates(agent, into: &candidates)
        let subject = agent.baseAddress ?? UnsafePointer(bitPattern: 1)
        for number in candidates {
            let code = list.patterns[Int(number)].code
            if pcre2_match_8(code, subject, agent.count, 0, 0, matchData, nil) >= 0 { return true }
        }
        return false
    }

    /// The first pattern that matches `agent`, for reports and tests.
    func matchingPattern(_ agent: UnsafeBufferPointer<UInt8>) -> String? {
        list.candidates(agent, into: &candidates)
        let subject = agent.baseAddress ?? UnsafePointer(bitPattern: 1)
        for number in candidates.sorted() {
            let pattern = list.patterns[Int(number)]
            if pcre2_match_8(pattern.code, subject, agent.count, 0, 0, matchData, nil) >= 0 { return pattern.source }
        }
        return nil
    }
}

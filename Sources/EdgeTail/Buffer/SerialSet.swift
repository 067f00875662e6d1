/// The serial numbers of the source events not yet settled: a bit per serial over the
/// window from the oldest one still held to the newest given out.
///
/// The buffer numbers events in the order they enter memory and forgets each when a
/// lane settles it, a few requests later and roughly in order; every event passes
/// through here twice. A `Set<UInt64>` hashed and probed each time; here it is a shift
/// and a mask, and the words below the oldest serial held are dropped as it advances.
/// Memory is a bit per serial in that window: 2 KB for the 16,384 events a full
/// 16 MiB buffer of 1 KB events holds.
struct SerialSet {
    /// Bit `s % 64` of `words[start + (s - base) / 64]` is serial `s`.
    private var words: [UInt64] = []
    private var start = 0
    /// The first serial of `words[start]`, a multiple of 64.
    private var base: UInt64 = 0
    /// One past the highest serial inserted: words wholly below it and empty can go.
    private var limit: UInt64 = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Adds `serials`, which lie above every serial added before.
    mutating func insert(_ serials: Range<UInt64>) {
        guard !serials.isEmpty else { return }
        if start == words.count {
            words.removeAll(keepingCapacity: true)
            start = 0
            base = serials.lowerBound & ~63
        }
        precondition(serials.lowerBound >= base && serials.lowerBound >= limit, "serials are added in increasing order")
        let lastWord = start + Int((serials.upperBound - 1 - base) / 64)
        if lastWord >= words.count {
            words.append(contentsOf: repeatElement(0, count: lastWord + 1 - words.count))
        }
        var serial = serials.lowerBound
        while serial < serials.upperBound {
            let word = start + Int((serial - base) / 64)
            let bit = serial & 63
            let run = min(64 - bit, serials.upperBound - serial)
            let mask: UInt64 = run == 64 ? ~0 : ((1 << run) - 1) << bit
            words[word] |= mask
            serial += run
        }
        count += serials.count
        limit = serials.upperBound
    }

    func contains(_ serial: UInt64) -> Bool {
        guard let (word, bit) = position(of: serial) else { return false }
        return words[word] & bit != 0
    }

    /// Removes `serial`; false when it was not there.
    @discardableResult
    mutating func remove(_ serial: UInt64) -> Bool {
        guard let (word, bit) = position(of: serial), words[word] & bit != 0 else { return false }
        words[word] &= ~bit
        count -= 1
        if word == start { dropSettledWords() }
        return true
    }

    private func position(of serial: UInt64) -> (word: Int, bit: UInt64)? {
        guard serial >= base else { return nil }
        let offset = (serial - base) / 64
        guard offset < UInt64(words.count - start) else { return nil }
        return (start + Int(offset), 1 << (serial & 63))
    }

    /// Moves the window past leading words with nothing left in them, and gives their
    /// memory back once they are half the array.
    private mutating func dropSettledWords() {
        while start < words.count && words[start] == 0 && base + 64 <= limit {
            start += 1
            base += 64
        }
        if start > 64 && start * 2 > words.count {
            words.removeFirst(start)
            start = 0
        }
    }
}

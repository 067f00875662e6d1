/// A fast, seeded, non-cryptographic 64-bit hash over bytes.
///
/// Used for cache keys and lane routing on the hot path, where a cryptographic
/// hash per line would cost more than parsing the line.
public enum FastHash {
    @inlinable @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        // SplitMix64's finaliser: a bijection with good avalanche.
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inlinable
    public static func hash(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64 = 0) -> UInt64 {
        var state = seed ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
        guard let base = bytes.baseAddress else { return mix(state) }
        let raw = UnsafeRawPointer(base)
        var index = 0
        let count = bytes.count
        while index + 8 <= count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            state = (state ^ word) &* 0xFF51_AFD7_ED55_8CCD
            state ^= state >> 32
            index += 8
        }
        let tail = tailWord(bytes, from: index)
        state = (state ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return mix(state)
    }

    /// Two independent 64-bit hashes (seeds 1 and 2) in one pass: a 128-bit cache key
    /// for the price of reading the bytes once.
    @inlinable
    public static func pair(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        let length = UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15
        var first = 1 ^ length
        var second = 2 ^ length
        guard let base = bytes.baseAddress else { return (mix(first), mix(second)) }
        let raw = UnsafeRawPointer(base)
        var index = 0
        let count = bytes.count
        while index + 8 <= count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            first = (first ^ word) &* 0xFF51_AFD7_ED55_8CCD
            first ^= first >> 32
            second = (second ^ word) &* 0xFF51_AFD7_ED55_8CCD
            second ^= second >> 32
            index += 8
        }
        let tail = tailWord(bytes, from: index)
        first = (first ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        second = (second ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return (mix(first), mix(second))
    }

    /// The bytes after the last whole word, little-endian.
    @inlinable @inline(__always)
    static func tailWord(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> UInt64 {
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        for index in start..<bytes.count {
            tail |= UInt64(bytes[index]) << shift
            shift += 8
        }
        return tail
    }

    public static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBufferPointer { hash($0, seed: seed) }
    }
}

/// The identities a `derive` rule computed, so that a visitor's next lines skip the
/// HMAC: 40 bytes a visitor (the 128-bit hash of the rule's inputs, the 128 bits the
/// UUID is made of and the hash of its text), no allocation per entry.
///
/// Bounded whatever the traffic: two generations of at most `generationLimit` entries.
/// A value found in the older generation is copied to the newer; when the newer is full,
/// the older is dropped. Visitors seen in the last `generationLimit` distinct ones stay,
/// so a busy site keeps its active visitors and a long run does not grow. With the
/// default of 32,768 that is at most 5 MiB a pipeline (two tables of 65,536 slots of
/// 40 bytes), reached only by that many visitors: a table starts small and doubles.
///
/// Looked up on every line, so each generation is an open-addressing table indexed by
/// the key's own bits (a key is a hash already; a `Dictionary` would hash it again).
struct DerivedIdentityCache {
    struct Key: Hashable {
        var first: UInt64
        var second: UInt64
    }

    /// The HMAC's first 128 bits, which `UUIDText.appendVersion4` shapes as text, and
    /// the hash of that text (the identity's hash, as for a value taken from a field):
    /// a visitor's next lines need neither the text nor its hash made again.
    struct Derived: Equatable {
        var high: UInt64
        var low: UInt64
        var textHash: UInt64

        init(high: UInt64, low: UInt64) {
            self.high = high
            self.low = low
            textHash = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: UUIDText.length) { text in
                guard let base = text.baseAddress else { return 0 }
                UUIDText.writeVersion4(high: high, low: low, to: UnsafeMutableRawPointer(base))
                return FastHash.hash(UnsafeBufferPointer(text))
            }
        }
    }

    let generationLimit: Int
    private var current: Table
    private var previous: Table

    init(generationLimit: Int = 32_768) {
        self.generationLimit = max(1, generationLimit)
        current = Table(capacity: Table.initialCapacity)
        previous = Table(capacity: 1)
    }

    /// Entries held, in both generations.
    var count: Int { current.count + previous.count }

    mutating func value(for key: Key) -> Derived? {
        if let found = current.value(for: key) { return found }
        guard previous.count > 0, let found = previous.value(for: key) else { return nil }
        insert(found, for: key)
        return found
    }

    mutating func insert(_ value: Derived, for key: Key) {
        guard key != Table.empty else { return }
        if current.count >= generationLimit {
            previous = current
            current = Table(capacity: Table.initialCapacity)
        }
        if 2 * (current.count + 1) > current.capacity {
            current.grow()
        }
        current.insert(value, for: key)
    }

    /// Linear probing over a power-of-two number of slots, at most half full. A slot
    /// whose key is all zeros is free; that one key (one in 2^128) is simply not cached.
    private struct Table {
        static let initialCapacity = 1_024
        static let empty = Key(first: 0, second: 0)
        static let unused = Derived(high: 0, low: 0)

        struct Slot {
            var key: Key
            var value: Derived
        }

        private(set) var slots: [Slot]
        private(set) var count = 0
        var capacity: Int { slots.count }

        init(capacity: Int) {
            slots = Array(repeating: Slot(key: Self.empty, value: Self.unused), count: capacity)
        }

        func value(for key: Key) -> Derived? {
            guard key != Self.empty else { return nil }
            return slots.withUnsafeBufferPointer { slots in
                let mask = slots.count - 1
                var index = Int(truncatingIfNeeded: key.first) & mask
                while true {
                    let slot = slots[index]
                    if slot.key == key { return slot.value }
                    if slot.key == Self.empty { return nil }
                    index = (index + 1) & mask
                }
            }
        }

        /// Adds or replaces the entry; the caller keeps a free slot.
        mutating func insert(_ value: Derived, for key: Key) {
            let added = slots.withUnsafeMutableBufferPointer { slots in
                let mask = slots.count - 1
                var index = Int(truncatingIfNeeded: key.first) & mask
                while true {
                    if slots[index].key == key {
                        slots[index].value = value
                        return false
                    }
                    if slots[index].key == Self.empty {
                        slots[index] = Slot(key: key, value: value)
                        return true
                    }
                    index = (index + 1) & mask
                }
            }
            if added { count += 1 }
        }

        /// Twice the slots, every entry placed again.
        mutating func grow() {
            var larger = Table(capacity: max(2, 2 * capacity))
            for slot in slots where slot.key != Self.empty {
                larger.insert(slot.value, for: slot.key)
            }
            self = larger
        }
    }
}

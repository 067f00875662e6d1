/// The identities a `derive` rule computed, so that a visitor's next lines skip the
/// HMAC: 32 bytes a visitor (the 128-bit hash of the rule's inputs and the 128 bits the
/// UUID is made of), no allocation per entry.
///
/// Bounded whatever the traffic: two generations of at most `generationLimit` entries.
/// A value found in the older generation moves to the newer; when the newer is full,
/// the older is dropped. Visitors seen in the last `generationLimit` distinct ones stay,
/// so a busy site keeps its active visitors and a long run does not grow. With the
/// default of 32,768 that is at most about 4 MB a pipeline (two dictionaries of 65,536
/// buckets of 32 bytes).
struct DerivedIdentityCache {
    struct Key: Hashable {
        var first: UInt64
        var second: UInt64
    }

    /// The HMAC's first 128 bits, which `UUIDText.appendVersion4` shapes as text.
    struct Derived: Equatable {
        var high: UInt64
        var low: UInt64
    }

    let generationLimit: Int
    private var current: [Key: Derived] = [:]
    private var previous: [Key: Derived] = [:]

    init(generationLimit: Int = 32_768) {
        self.generationLimit = max(1, generationLimit)
    }

    /// Entries held, in both generations.
    var count: Int { current.count + previous.count }

    mutating func value(for key: Key) -> Derived? {
        if let found = current[key] { return found }
        guard let found = previous.removeValue(forKey: key) else { return nil }
        insert(found, for: key)
        return found
    }

    mutating func insert(_ value: Derived, for key: Key) {
        if current.count >= generationLimit {
            previous = current
            current = Dictionary(minimumCapacity: generationLimit)
        }
        current[key] = value
    }
}

import Testing
@testable import EdgeTail

/// The derived-identity cache stays within two generations whatever the number of
/// visitors, and keeps the ones seen lately.
@Suite struct DerivedIdentityCacheTests {
    private func key(_ number: Int) -> DerivedIdentityCache.Key {
        .init(first: FastHash.mix(UInt64(bitPattern: Int64(number))), second: UInt64(bitPattern: Int64(number)))
    }

    private func value(_ number: Int) -> DerivedIdentityCache.Derived {
        .init(high: UInt64(bitPattern: Int64(number)), low: ~UInt64(bitPattern: Int64(number)))
    }

    @Test func itHoldsAtMostTwoGenerationsHoweverManyVisitorsCome() {
        var cache = DerivedIdentityCache(generationLimit: 100)
        for number in 0..<10_000 {
            if cache.value(for: key(number)) == nil { cache.insert(value(number), for: key(number)) }
            #expect(cache.count <= 200)
        }
        // The last hundred are all there, with their own values.
        for number in 9_900..<10_000 {
            #expect(cache.value(for: key(number)) == value(number))
        }
        #expect(cache.value(for: key(0)) == nil)
    }

    @Test func aVisitorSeenAgainSurvivesTheRotation() {
        var cache = DerivedIdentityCache(generationLimit: 10)
        cache.insert(value(-1), for: key(-1))
        // A steady visitor among a stream of one-off ones, found again every 5 entries.
        for number in 0..<1_000 {
            cache.insert(value(number), for: key(number))
            if number % 5 == 0 { #expect(cache.value(for: key(-1)) == value(-1), "lost after \(number)") }
        }
    }

    @Test func keysThatShareTheirLowBitsAllKeepTheirOwnValuesAsTheTableGrows() {
        var cache = DerivedIdentityCache(generationLimit: 5_000)
        // Every key lands on the same first slot; the table grows from 1,024 slots past 4,096.
        let colliding = (0..<3_000).map { DerivedIdentityCache.Key(first: UInt64($0) << 32, second: UInt64($0) + 1) }
        for (number, key) in colliding.enumerated() {
            #expect(cache.value(for: key) == nil)
            cache.insert(value(number), for: key)
        }
        #expect(cache.count == 3_000)
        for (number, key) in colliding.enumerated() {
            #expect(cache.value(for: key) == value(number))
        }
        // Inserting a key again replaces its value rather than adding an entry.
        cache.insert(value(-7), for: colliding[42])
        #expect(cache.value(for: colliding[42]) == value(-7))
        #expect(cache.count == 3_000)
        #expect(cache.value(for: DerivedIdentityCache.Key(first: 1 << 32, second: 3)) == nil)
        // The all-zero key marks a free slot: it is never cached, and never found.
        let zero = DerivedIdentityCache.Key(first: 0, second: 0)
        cache.insert(value(1), for: zero)
        #expect(cache.value(for: zero) == nil)
    }
}

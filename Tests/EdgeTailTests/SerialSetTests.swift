import Testing
@testable import EdgeTail

/// The buffer's set of unsettled serials answers as a `Set<UInt64>` would, whatever the
/// order events settle in, and lets go of the words behind the oldest serial it holds.
@Suite struct SerialSetTests {
    @Test func itAnswersAsASetWouldUnderRandomSettlement() {
        var generator = SystemRandomNumberGenerator()
        var serials = SerialSet()
        var model = Set<UInt64>()
        var next: UInt64 = 1
        for _ in 0..<4_000 {
            if Int.random(in: 0..<3, using: &generator) == 0 {
                // A batch enters memory: 1 to 150 serials, sometimes after a gap (serials
                // skipped, as when a batch was written to disk instead).
                next += Bool.random(using: &generator) ? 0 : UInt64.random(in: 0..<500, using: &generator)
                let count = UInt64.random(in: 1...150, using: &generator)
                serials.insert(next..<next + count)
                for serial in next..<next + count { model.insert(serial) }
                next += count
            } else if let held = model.randomElement(using: &generator) {
                // Mostly the oldest settle first, but in any order within the window.
                let serial = Bool.random(using: &generator) ? (model.min() ?? held) : held
                let removed = serials.remove(serial)
                let removedAgain = serials.remove(serial)
                #expect(removed)
                #expect(!removedAgain, "serial \(serial) removed twice")
                model.remove(serial)
            }
            let probe = UInt64.random(in: 0..<next + 100, using: &generator)
            #expect(serials.contains(probe) == model.contains(probe), "serial \(probe)")
            #expect(serials.count == model.count)
        }
        for serial in model {
            let removed = serials.remove(serial)
            #expect(removed, "serial \(serial)")
        }
        #expect(serials.isEmpty)
        #expect(!serials.contains(next - 1))
    }

    @Test func aSerialBelowTheWindowOrNeverAddedIsNotThere() {
        var serials = SerialSet()
        #expect(!serials.contains(0))
        let removed = serials.remove(5)
        #expect(!removed)
        serials.insert(100..<300)
        #expect(!serials.contains(99))
        #expect(serials.contains(100) && serials.contains(299))
        #expect(!serials.contains(300))
        for serial in UInt64(100)..<250 { serials.remove(serial) }
        // The words wholly settled are behind the window now; 250 and later still answer.
        #expect(!serials.contains(100))
        #expect(serials.contains(250))
        #expect(serials.count == 50)
        // Emptied, then added to far above: a fresh window.
        for serial in UInt64(250)..<300 { serials.remove(serial) }
        serials.insert(1_000_000..<1_000_010)
        #expect(serials.count == 10)
        #expect(serials.contains(1_000_009) && !serials.contains(299))
    }
}

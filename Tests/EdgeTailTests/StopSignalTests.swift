import Testing
@testable import EdgeTail

@Suite struct StopSignalTests {
    /// A wait of an hour ends when the signal is set: loops wait on it instead of polling.
    @Test(.timeLimit(.minutes(1))) func aWaitEndsWhenTheSignalIsSet() async {
        let signal = StopSignal()
        async let waited: Void = signal.wait(upTo: .seconds(3600))
        signal.stop()
        await waited
        #expect(signal.isStopped)
        // Set already: returns at once.
        await signal.wait(upTo: .seconds(3600))
        await signal.waitUntilStopped()
    }

    @Test(.timeLimit(.minutes(1))) func aWaitEndsAtItsLimitWithoutASignal() async {
        let signal = StopSignal()
        await signal.wait(upTo: .milliseconds(20))
        #expect(!signal.isStopped)
        // A cancelled waiter is released and forgotten.
        let task = Task { await signal.waitUntilStopped() }
        task.cancel()
        await task.value
    }
}

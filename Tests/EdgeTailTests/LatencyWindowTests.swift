import Testing
@testable import EdgeTail

/// The window behind `/api/v1/stats`' latency quantiles: nearest rank over the most
/// recent requests only.
@Suite struct LatencyWindowTests {
    @Test func emptyWindowHasNoQuantiles() {
        #expect(LatencyWindow(capacity: 4).quantiles() == nil)
    }

    @Test func nearestRankQuantiles() throws {
        let window = LatencyWindow(capacity: 200)
        for milliseconds in (1...100).reversed() { window.record(seconds: Double(milliseconds) / 1000) }
        let quantiles = try #require(window.quantiles())
        #expect(quantiles.p50Seconds == 0.050)
        #expect(quantiles.p99Seconds == 0.099)
        #expect(quantiles.requests == 100)
    }

    @Test func onlyTheMostRecentRequestsCount() throws {
        let window = LatencyWindow(capacity: 10)
        for _ in 0..<50 { window.record(seconds: 5) }
        for _ in 0..<10 { window.record(seconds: 0.01) }
        let quantiles = try #require(window.quantiles())
        #expect(quantiles.p99Seconds == 0.01)
        #expect(quantiles.requests == 10)
    }
}

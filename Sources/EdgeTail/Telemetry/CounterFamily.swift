import CoreMetrics
import Synchronization

/// The counters of one metric name and fixed labels, one per value of a label that
/// is only known when it happens (a drop reason, an EXEG code, an HTTP status).
///
/// Handles are made on first sight and kept: incrementing a known series costs a
/// lock and an atomic add, never a registry look-up.
final class CounterFamily: Sendable {
    let name: String
    let labels: [(String, String)]
    let variable: String
    /// Labels after the variable one, for metrics whose documented order has them there.
    let trailing: [(String, String)]
    let factory: any MetricsFactory
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])

    init(_ name: String, labels: [(String, String)], by variable: String, then trailing: [(String, String)] = [],
         factory: any MetricsFactory) {
        self.name = name
        self.labels = labels
        self.variable = variable
        self.trailing = trailing
        self.factory = factory
    }

    func increment(_ value: String, by amount: Int = 1) {
        guard amount > 0 else { return }
        let counter = counters.withLock { counters in
            if let known = counters[value] { return known }
            let made = CoreMetrics.Counter(label: name, dimensions: labels + [(variable, value)] + trailing, factory: factory)
            counters[value] = made
            return made
        }
        counter.increment(by: amount)
    }
}

extension CoreMetrics.Counter {
    /// Increments by `amount` when it is positive (counters never go back).
    func add(_ amount: Int) {
        if amount > 0 { increment(by: amount) }
    }

    func add(_ amount: UInt64) {
        if amount > 0 { increment(by: Int(clamping: amount)) }
    }
}

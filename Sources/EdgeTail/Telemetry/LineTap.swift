import Foundation
import Synchronization

/// What became of one line, as `edgetail tap` shows it.
public struct TapSample: Sendable {
    public enum Outcome: String, Sendable, CaseIterable {
        case pageView = "page_view"
        case linkClick = "link_click"
        case dropped
        case failed

        init(_ outcome: LineOutcome) {
            switch outcome {
            case .pageView: self = .pageView
            case .linkClick: self = .linkClick
            case .dropped: self = .dropped
            case .failed: self = .failed
            }
        }

        var bit: UInt8 {
            switch self {
            case .pageView: 1
            case .linkClick: 2
            case .dropped: 4
            case .failed: 8
            }
        }
    }

    public var pipeline: String
    public var outcome: Outcome
    /// The drop reason or the failure's description; nil for events.
    public var reason: String?
    /// The sample as one line of NDJSON (with its newline), as `/api/v1/tap` sends it.
    public var json: [UInt8]
}

/// A bounded window onto the lines the pipelines process, for `edgetail tap`.
///
/// Each subscriber gets a queue of fixed size; a sample that does not fit is dropped
/// and counted, so a slow or absent reader never slows a pipeline. While nobody
/// subscribes, a pipeline pays one atomic load per batch (`isActive`) and nothing else.
public final class LineTap: Sendable {
    /// Which samples a subscriber wants. Empty sets mean "all".
    public struct Filter: Sendable {
        public var pipelines: Set<String> = []
        public var outcomes: Set<TapSample.Outcome> = []
        /// A sample matches when its reason equals one of these or starts with it
        /// (failure reasons carry details after their first words).
        public var reasons: [String] = []

        public init(pipelines: Set<String> = [], outcomes: Set<TapSample.Outcome> = [], reasons: [String] = []) {
            self.pipelines = pipelines
            self.outcomes = outcomes
            self.reasons = reasons
        }

        var outcomeMask: UInt8 {
            outcomes.isEmpty ? 0x0F : outcomes.reduce(0) { $0 | $1.bit }
        }

        func matches(pipeline: String, outcome: TapSample.Outcome, reason: String?) -> Bool {
            guard pipelines.isEmpty || pipelines.contains(pipeline) else { return false }
            guard outcomes.isEmpty || outcomes.contains(outcome) else { return false }
            guard !reasons.isEmpty else { return true }
            guard let reason else { return false }
            return reasons.contains { reason == $0 || reason.hasPrefix($0) }
        }
    }

    /// Why a subscription was refused.
    public enum Refusal: Error, CustomStringConvertible {
        case tooManySubscribers(limit: Int)
        public var description: String {
            switch self {
            case .tooManySubscribers(let limit): "\(limit) subscribers are tapping already; try again when one has left"
            }
        }
    }

    /// A line a pipeline noted for the tap: where it was and what became of it.
    struct Line {
        var offset: UInt64
        var outcome: LineOutcome
        /// The event's JSON in the batch's output bytes, for events.
        var event: ByteRange?
    }

    private struct State {
        var subscribers: [Int: TapSubscription] = [:]
        var nextID = 0
    }

    public let subscriberLimit: Int
    public let queueCapacity: Int
    private let count = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    private let state = Mutex(State())

    public init(subscriberLimit: Int = 8, queueCapacity: Int = 1024) {
        self.subscriberLimit = subscriberLimit
        self.queueCapacity = queueCapacity
    }

    /// True while someone subscribes: the one check a pipeline makes per batch.
    @inline(__always) public var isActive: Bool { count.load(ordering: .relaxed) > 0 }

    public var subscriberCount: Int { count.load(ordering: .relaxed) }

    /// Samples that did not fit a subscriber's queue, since start, all subscribers together.
    public var droppedTotal: Int { dropped.load(ordering: .relaxed) }

    /// Starts a subscription; refused beyond `subscriberLimit`. End it with `cancel()`.
    public func subscribe(_ filter: Filter) throws(Refusal) -> TapSubscription {
        let (stream, continuation) = AsyncStream<TapSubscription.Message>.makeStream(bufferingPolicy: .bufferingOldest(queueCapacity))
        let subscription: TapSubscription? = state.withLock { state in
            guard state.subscribers.count < subscriberLimit else { return nil }
            let id = state.nextID
            state.nextID += 1
            let made = TapSubscription(id: id, filter: filter, messages: stream, continuation: continuation)
            state.subscribers[id] = made
            count.store(state.subscribers.count, ordering: .relaxed)
            return made
        }
        guard let subscription else { throw .tooManySubscribers(limit: subscriberLimit) }
        continuation.onTermination = { [weak self] _ in self?.remove(subscription.id) }
        return subscription
    }

    /// Ends every subscription (their streams finish), e.g. before the server stops.
    public func finishAll() {
        let all = state.withLock { Array($0.subscribers.values) }
        for subscription in all { subscription.cancel() }
    }

    private func remove(_ id: Int) {
        state.withLock { state in
            state.subscribers[id] = nil
            count.store(state.subscribers.count, ordering: .relaxed)
        }
    }

    /// The outcomes some subscriber wants from `pipeline`, as bits; 0 when none.
    func interest(pipeline: String) -> UInt8 {
        state.withLock { state in
            state.subscribers.values.reduce(0) { mask, subscription in
                subscription.filter.pipelines.isEmpty || subscription.filter.pipelines.contains(pipeline)
                    ? mask | subscription.filter.outcomeMask : mask
            }
        }
    }

    /// Whether a line with `outcome` is wanted under `mask` (from `interest`).
    @inline(__always) static func wants(_ outcome: LineOutcome, mask: UInt8) -> Bool {
        mask & TapSample.Outcome(outcome).bit != 0
    }

    /// Hands a batch's noted lines to the subscribers whose filters match; never waits.
    func publish(pipeline: String, sourceID: String, origin: String, output: [UInt8], lines: [Line]) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        guard !subscribers.isEmpty else { return }
        let time = Date().timeIntervalSince1970
        for line in lines {
            let outcome = TapSample.Outcome(line.outcome)
            let reason: String? = switch line.outcome {
            case .dropped(let why): why.rawValue
            case .failed(let why): why
            case .pageView, .linkClick: nil
            }
            var sample: TapSample?
            for subscriber in subscribers where subscriber.filter.matches(pipeline: pipeline, outcome: outcome, reason: reason) {
                let made = sample ?? Self.sample(pipeline: pipeline, sourceID: sourceID, origin: origin, time: time,
                                                 line: line, outcome: outcome, reason: reason, output: output)
                sample = made
                if !subscriber.offer(made) { dropped.add(1, ordering: .relaxed) }
            }
        }
    }

    static func sample(pipeline: String, sourceID: String, origin: String, time: Double, line: Line,
                       outcome: TapSample.Outcome, reason: String?, output: [UInt8]) -> TapSample {
        var writer = JSONWriter(capacity: 256 + (line.event?.count ?? 0))
        writer.raw("{\"time\":")
        writer.raw(Array(String(format: "%.3f", time).utf8))
        writer.raw(",\"pipeline\":")
        writer.string(pipeline)
        writer.raw(",\"source\":")
        writer.string(sourceID)
        writer.raw(",\"file\":")
        writer.string(origin)
        writer.raw(",\"offset\":")
        writer.integer(Int(clamping: line.offset))
        writer.raw(",\"outcome\":")
        writer.string(outcome.rawValue)
        if let reason {
            writer.raw(",\"reason\":")
            writer.string(reason)
        }
        if let event = line.event, event.end <= output.count {
            writer.raw(",\"event\":")
            writer.raw(output[event.start..<event.end])
        }
        writer.raw("}\n")
        return TapSample(pipeline: pipeline, outcome: outcome, reason: reason, json: writer.bytes)
    }
}

/// One subscriber's bounded queue of samples and the count of those it lost.
public final class TapSubscription: Sendable {
    public enum Message: Sendable {
        case sample(TapSample)
        /// A wake-up from `tick()`, so a reader can report drops and notice a closed connection.
        case tick
    }

    let id: Int
    public let filter: LineTap.Filter
    public let messages: AsyncStream<Message>
    private let continuation: AsyncStream<Message>.Continuation
    private let lost = Atomic<Int>(0)

    init(id: Int, filter: LineTap.Filter, messages: AsyncStream<Message>, continuation: AsyncStream<Message>.Continuation) {
        self.id = id
        self.filter = filter
        self.messages = messages
        self.continuation = continuation
    }

    /// Samples that found this subscriber's queue full.
    public var dropped: Int { lost.load(ordering: .relaxed) }

    /// Queues a sample; false (and counted) when the queue is full.
    func offer(_ sample: TapSample) -> Bool {
        switch continuation.yield(.sample(sample)) {
        case .enqueued, .terminated: return true
        case .dropped:
            lost.add(1, ordering: .relaxed)
            return false
        @unknown default: return true
        }
    }

    /// Wakes the reader (unless its queue is full, when it has enough to do).
    public func tick() {
        continuation.yield(.tick)
    }

    /// Ends the stream and leaves the tap.
    public func cancel() {
        continuation.finish()
    }
}

/// The query of `GET /api/v1/tap`: `pipeline`, `outcome` and `reason` (each may
/// repeat) and `limit`.
public struct TapQuery: Sendable, Equatable {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public var pipelines: [String] = []
    public var outcomes: [TapSample.Outcome] = []
    public var reasons: [String] = []
    /// The response ends after this many samples; nil streams until the client leaves.
    public var limit: Int?

    public init(pipelines: [String] = [], outcomes: [TapSample.Outcome] = [], reasons: [String] = [], limit: Int? = nil) {
        self.pipelines = pipelines
        self.outcomes = outcomes
        self.reasons = reasons
        self.limit = limit
    }

    public init(parameters: [(key: String, value: String)]) throws(Invalid) {
        for (key, value) in parameters {
            switch key {
            case "pipeline": pipelines.append(value)
            case "reason": reasons.append(value)
            case "outcome":
                guard let outcome = TapSample.Outcome(rawValue: value) else {
                    let known = TapSample.Outcome.allCases.map(\.rawValue).joined(separator: ", ")
                    throw Invalid(description: "outcome '\(value)' is not one of \(known)")
                }
                outcomes.append(outcome)
            case "limit":
                guard let number = Int(value), number > 0 else {
                    throw Invalid(description: "limit '\(value)' is not a whole number greater than 0")
                }
                limit = number
            default:
                throw Invalid(description: "unknown parameter '\(key)' (expected pipeline, outcome, reason, limit)")
            }
        }
    }

    public var filter: LineTap.Filter {
        LineTap.Filter(pipelines: Set(pipelines), outcomes: Set(outcomes), reasons: reasons)
    }

    /// The query string (without `?`), percent-encoded.
    public var queryItems: [URLQueryItem] {
        pipelines.map { URLQueryItem(name: "pipeline", value: $0) }
            + outcomes.map { URLQueryItem(name: "outcome", value: $0.rawValue) }
            + reasons.map { URLQueryItem(name: "reason", value: $0) }
            + (limit.map { [URLQueryItem(name: "limit", value: "\($0)")] } ?? [])
    }
}

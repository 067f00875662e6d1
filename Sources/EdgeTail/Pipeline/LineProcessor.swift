/// Turns a batch of lines into a batch of events, accounting for every line.
///
/// This is the hot path: one parse and one JSON write per line, into buffers that
/// are reused across lines and batches; no `String` is made for a line that becomes
/// an event. Noncopyable, since it owns the JSON writer's memory.
public struct LineProcessor: ~Copyable {
    public struct Rejected: Sendable {
        public var offset: UInt64
        public var reason: String
        public var line: [UInt8]
    }

    public struct Output {
        public var bytes: [UInt8]
        public var events: [EventBatch.Event]
        public var rejected: [Rejected]
        public var counts: PipelineCounts
    }

    /// Rejected lines are kept up to this many bytes, enough to see what they were.
    public static let rejectedLineLimit = 4096

    public let plan: PipelinePlan
    var mapper: EventMapper
    private var eventIDs: [String: EventID] = [:]
    /// Where a batch's events are written. Kept for the next batch: memory freshly
    /// allocated for each batch was faulted in page by page (perf: 3 % of a full-speed
    /// run); it holds about three times the largest batch read (256 KiB at full speed).
    private var writer = JSONWriter(capacity: 0)
    /// Where `edgetail tap` watches; consulted once per batch.
    let tap: LineTap?

    public init(plan: PipelinePlan, tap: LineTap? = nil) {
        self.plan = plan
        self.tap = tap
        mapper = EventMapper(plan: plan)
    }

    public mutating func process(_ batch: LineBatch) -> Output {
        writer.removeAll()
        writer.reserveCapacity(batch.bytes.count * 3)
        var events: [EventBatch.Event] = []
        events.reserveCapacity(batch.lines.count)
        var rejected: [Rejected] = []
        var counts = PipelineCounts()
        var tally = OutcomeTally()
        counts.bytes = batch.bytes.count
        let eventID = eventIDFor(batch.sourceID)
        // One atomic load per batch; while nobody taps, the loop below only tests a local zero.
        let tapMask = tap.map { $0.isActive ? $0.interest(pipeline: plan.name) : 0 } ?? 0
        var tapped: [LineTap.Line] = []
        batch.bytes.withUnsafeBufferPointer { buffer in
            for line in batch.lines {
                let outcome: LineOutcome
                var namespace = ""
                if let length = line.overlongLength {
                    counts.overlongLines += 1
                    outcome = .failed(LineParseError.overlong(bytes: length, limit: plan.source.maxLineBytes).description)
                } else {
                    let start = writer.count
                    let mapped = mapper.map(buffer, line: line.range, offset: line.offset, eventID: eventID,
                                            fields: batch.fields[line.fields], sourceTime: line.sourceTime, into: &writer)
                    outcome = mapped.outcome
                    namespace = mapped.identityNamespace
                    if outcome == .pageView || outcome == .linkClick {
                        events.append(EventBatch.Event(
                            range: ByteRange(start, writer.count), outcome: outcome,
                            identityNamespace: mapped.identityNamespace, identityHash: mapped.identityHash))
                    }
                }
                if case .failed(let reason) = outcome {
                    let kept = min(line.range.count, Self.rejectedLineLimit)
                    rejected.append(Rejected(offset: line.offset, reason: reason,
                                             line: Array(buffer[range: ByteRange(line.range.start, line.range.start + kept)])))
                }
                tally.record(outcome, namespace: namespace, failuresInto: &counts)
                if tapMask != 0 && LineTap.wants(outcome, mask: tapMask) {
                    let isEvent = outcome == .pageView || outcome == .linkClick
                    tapped.append(LineTap.Line(offset: line.offset, outcome: outcome, event: isEvent ? events.last?.range : nil))
                }
            }
        }
        if !tapped.isEmpty {
            tap?.publish(pipeline: plan.name, sourceID: batch.sourceID, origin: batch.origin, output: writer.bytes, lines: tapped)
        }
        tally.fold(into: &counts)
        mapper.takeInvalidValueCounts(into: &counts)
        return Output(bytes: events.isEmpty ? [] : writer.bytes, events: events, rejected: rejected, counts: counts)
    }

    private mutating func eventIDFor(_ sourceID: String) -> EventID {
        if let known = eventIDs[sourceID] { return known }
        let made = EventID(pipeline: plan.name, source: sourceID)
        if eventIDs.count > 4096 { eventIDs.removeAll() }
        eventIDs[sourceID] = made
        return made
    }
}

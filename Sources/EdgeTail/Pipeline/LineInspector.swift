/// Maps single lines and describes the outcome as JSON, for `edgetail parse`:
/// `{"line":N,"outcome":"pageView","event":{…}}` or with a `reason`.
public struct LineInspector {
    public struct Inspection {
        public var outcome: LineOutcome
        public var namespace: String
        public var json: [UInt8]
        /// The line's user agent and path, when `describesRequests` is set (for `--report`).
        public var userAgent: String?
        public var path: String?
    }

    /// Whether inspections carry the line's user agent and path.
    public var describesRequests = false

    var mapper: EventMapper
    let plan: PipelinePlan
    let eventID: EventID

    public init(plan: PipelinePlan) {
        self.plan = plan
        mapper = EventMapper(plan: plan)
        eventID = EventID(pipeline: plan.name, source: "stdin")
    }

    /// Adds the values left out of the events inspected so far to `counts`.
    public mutating func takeInvalidValueCounts(into counts: inout PipelineCounts) {
        mapper.takeInvalidValueCounts(into: &counts)
    }

    public mutating func inspect(_ bytes: [UInt8], line: LineBatch.Line, number: Int) -> Inspection {
        var event = JSONWriter(capacity: 1024)
        var outcome: LineOutcome
        var namespace = ""
        if let length = line.overlongLength {
            outcome = .failed(LineParseError.overlong(bytes: length, limit: plan.source.maxLineBytes).description)
        } else {
            let mapped = bytes.withUnsafeBufferPointer {
                mapper.map($0, line: line.range, offset: line.offset, eventID: eventID, into: &event)
            }
            outcome = mapped.outcome
            namespace = mapped.identityNamespace
        }
        var userAgent: String?
        var path: String?
        // A line that failed to parse may leave the record holding another line's ranges.
        if describesRequests, outcome.name != "failed", outcome != .dropped(.directive) {
            bytes.withUnsafeBufferPointer { buffer in
                func text(_ range: ByteRange) -> String? {
                    guard range.start >= line.range.start, range.end <= line.range.end, range.start <= range.end else { return nil }
                    return String(decoding: buffer[range: range], as: UTF8.self)
                }
                userAgent = text(mapper.record.userAgent)
                path = text(mapper.record.path)
            }
        }
        var out = JSONWriter(capacity: event.bytes.count + 64)
        out.raw("{\"line\":")
        out.integer(number)
        out.raw(",\"outcome\":")
        out.string(outcome.name)
        switch outcome {
        case .dropped(let reason):
            out.raw(",\"reason\":")
            out.string(reason.rawValue)
        case .failed(let reason):
            out.raw(",\"reason\":")
            out.string(reason)
        case .pageView, .linkClick:
            out.raw(",\"event\":")
            out.raw(event.bytes)
        }
        out.raw("}")
        return Inspection(outcome: outcome, namespace: namespace, json: out.bytes, userAgent: userAgent, path: path)
    }
}

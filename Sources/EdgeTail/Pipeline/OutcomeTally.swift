/// A batch's outcomes counted in plain integers and folded into `PipelineCounts`
/// once per batch: a dictionary update keyed by a string for every line costs about
/// as much as parsing a short line.
struct OutcomeTally {
    private var lines = 0
    private var pageViews = 0
    private var linkClicks = 0
    private var dropped = [Int](repeating: 0, count: DropReason.allCases.count)
    /// Events by identity namespace; a pipeline has one or two namespaces.
    private var namespaces: [(name: String, count: Int)] = []

    /// Counts one line; failures go straight to `counts`, with their reasons.
    mutating func record(_ outcome: LineOutcome, namespace: String, failuresInto counts: inout PipelineCounts) {
        switch outcome {
        case .pageView:
            lines += 1
            pageViews += 1
            countEvent(namespace)
        case .linkClick:
            lines += 1
            linkClicks += 1
            countEvent(namespace)
        case .dropped(let reason):
            lines += 1
            dropped[reason.ordinal] += 1
        case .failed:
            counts.record(outcome)
        }
    }

    private mutating func countEvent(_ namespace: String) {
        for index in namespaces.indices where namespaces[index].name == namespace {
            namespaces[index].count += 1
            return
        }
        namespaces.append((namespace, 1))
    }

    func fold(into counts: inout PipelineCounts) {
        counts.lines += lines
        counts.pageViews += pageViews
        counts.linkClicks += linkClicks
        for (reason, count) in zip(DropReason.allCases, dropped) where count > 0 {
            counts.dropped[reason.rawValue, default: 0] += count
        }
        for (name, count) in namespaces {
            counts.identities[name, default: 0] += count
        }
    }
}

extension DropReason {
    /// The reason's position in `allCases`.
    var ordinal: Int {
        switch self {
        case .bot: 0
        case .noUserAgent: 1
        case .feed: 2
        case .botContact: 3
        case .notBrowser: 4
        case .staticAsset: 5
        case .method: 6
        case .partial: 7
        case .unmatched: 8
        case .directive: 9
        }
    }
}

/// What `edgetail parse --report` shows after the lines: outcomes by reason, and for
/// page views and each drop reason the user agents and paths seen most, so that what
/// is counted (and what is not) can be read at a glance.
///
/// Memory is bounded: each group keeps at most `limit` distinct agents and paths; the
/// rest are counted under "(others)".
public struct ParseReport: Sendable {
    public struct Group: Sendable {
        public var lines = 0
        var agents: [String: Int] = [:]
        var paths: [String: Int] = [:]
    }

    public static let others = "(others)"
    public let limit: Int
    public let top: Int
    public private(set) var groups: [String: Group] = [:]

    public init(top: Int = 5, limit: Int = 10_000) {
        self.top = top
        self.limit = limit
    }

    /// The group a line is counted in: `pageView`, `linkClick`, `failed`, or the drop reason.
    public static func group(of outcome: LineOutcome) -> String {
        switch outcome {
        case .pageView: "pageView"
        case .linkClick: "linkClick"
        case .dropped(let reason): reason.rawValue
        case .failed: "failed"
        }
    }

    public mutating func add(_ outcome: LineOutcome, userAgent: String?, path: String?) {
        let name = Self.group(of: outcome)
        var group = groups[name] ?? Group()
        groups[name] = nil
        group.lines += 1
        if let userAgent { Self.count(userAgent, in: &group.agents, limit: limit) }
        if let path { Self.count(path, in: &group.paths, limit: limit) }
        groups[name] = group
    }

    private static func count(_ key: String, in counts: inout [String: Int], limit: Int) {
        if counts[key] != nil || counts.count < limit {
            counts[key, default: 0] += 1
        } else {
            counts[others, default: 0] += 1
        }
    }

    /// The most frequent entries, most first, ties by name.
    static func ranked(_ counts: [String: Int], _ top: Int) -> [(String, Int)] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(top).map { ($0.key, $0.value) }
    }

    /// Groups in a fixed order: events, then drop reasons as `DropReason` lists them, then failures.
    public var groupNames: [String] {
        let order = ["pageView", "linkClick"] + DropReason.allCases.map(\.rawValue) + ["failed"]
        return order.filter { groups[$0] != nil }
    }

    /// The report as text: a table of outcomes, then the top agents and paths of page
    /// views and of each drop reason.
    public var text: String {
        let total = groups.values.reduce(0) { $0 + $1.lines }
        var out = "Outcomes by reason\n"
        let width = max(12, groupNames.map(\.count).max() ?? 0)
        for name in groupNames {
            let lines = groups[name]?.lines ?? 0
            let share = total > 0 ? Double(lines) * 100 / Double(total) : 0
            out += "  " + name.rightPadded(width)
            out += String(lines).leftPadded(8) + "  " + Self.percent(share) + "\n"
        }
        out += "  " + "total".rightPadded(width) + String(total).leftPadded(8) + "\n"
        for name in groupNames where name != "linkClick" && name != "failed" && name != DropReason.directive.rawValue {
            guard let group = groups[name] else { continue }
            out += "\n\(name): top user agents\n"
            for (agent, count) in Self.ranked(group.agents, top) { out += String(count).leftPadded(8) + "  " + agent + "\n" }
            out += "\(name): top paths\n"
            for (path, count) in Self.ranked(group.paths, top) { out += String(count).leftPadded(8) + "  " + path + "\n" }
        }
        return out
    }

    private static func percent(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) %".leftPadded(7)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }

    fileprivate func rightPadded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

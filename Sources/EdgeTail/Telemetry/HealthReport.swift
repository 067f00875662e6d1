import Foundation

/// What `/health` answers: 200 `{"status":"ok"}` while the pipelines run and the
/// sinks deliver; 503 `{"status":"unavailable","reasons":[…]}` when a sink stopped
/// for good (403, a second 401), a pipeline stopped, the runtime is not running, or
/// the oldest buffered event waited longer than `api.health_max_event_age`.
public struct HealthReport: Sendable, Equatable, Codable {
    public var status: String
    public var reasons: [String]?

    public var isHealthy: Bool { status == "ok" }
    public var httpStatus: Int { isHealthy ? 200 : 503 }

    public static func evaluate(_ snapshot: TelemetrySnapshot, maxEventAge: Double) -> HealthReport {
        var reasons: [String] = []
        if !snapshot.running { reasons.append("not running") }
        for (name, sink) in snapshot.sinks.sorted(by: { $0.key < $1.key }) {
            if let fatal = sink.fatalError { reasons.append("sink '\(name)' stopped: \(fatal)") }
            if let age = sink.buffer.oldestEventAgeSeconds, age > maxEventAge {
                reasons.append("sink '\(name)': oldest buffered event is \(Int(age)) s old (limit \(Int(maxEventAge)) s)")
            }
        }
        for (name, pipeline) in snapshot.pipelines.sorted(by: { $0.key < $1.key }) {
            if let failure = pipeline.failure { reasons.append("pipeline '\(name)' stopped: \(failure)") }
        }
        return reasons.isEmpty ? HealthReport(status: "ok") : HealthReport(status: "unavailable", reasons: reasons)
    }

    public var json: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{\"status\":\"unavailable\"}".utf8)
    }
}

import Foundation

/// What to do with a batch after the Edge Network answered, per its documented responses.
enum EdgeVerdict: Equatable {
    /// 2xx: the events are stored.
    case accepted
    /// 429/503 with or without `Retry-After`, 502, 504, timeouts, connection errors.
    case retry(after: Duration?)
    /// 400/422 naming the offending event.
    case rejectEvent(index: Int)
    /// 400/422 without an index: find the offender by bisecting.
    case rejectUnknown
    /// 413: split the request.
    case tooLarge
    /// 401 on a token that can be renewed.
    case renewToken
    /// 401 after renewal, 403: a configuration error; stop sending, keep the data.
    case fatal
    /// 500 and other 4xx: never retried as-is; dead-letter with the reason.
    case deadLetter
}

/// Reads an Edge answer: status, problem details and `Retry-After`.
struct EdgeResponse {
    var status: Int
    var body: Data
    var retryAfter: String?

    /// The `type` code of problem details, e.g. `EXEG-0306-400`.
    var errorCode: String? {
        guard let type = problem?["type"] as? String, let range = type.range(of: "EXEG-") else { return nil }
        return String(type[range.lowerBound...])
    }

    var problem: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    }

    /// The index of the event the problem names: `report.eventIndex`, or `event #N` in the detail.
    var eventIndex: Int? {
        guard let problem else { return nil }
        if let report = problem["report"] as? [String: Any], let index = report["eventIndex"] as? Int { return index }
        for key in ["detail", "title"] {
            guard let text = problem[key] as? String else { continue }
            for marker in ["event #", "events[", "event[", "Event #"] {
                if let range = text.range(of: marker) {
                    let digits = text[range.upperBound...].prefix { $0.isNumber }
                    if let index = Int(digits) { return index }
                }
            }
        }
        return nil
    }

    func verdict(tokenRenewed: Bool) -> EdgeVerdict {
        switch status {
        case 200..<300: return .accepted
        case 429, 503: return .retry(after: Self.parseRetryAfter(retryAfter))
        case 502, 504, 408: return .retry(after: nil)
        case 400, 422: return eventIndex.map { .rejectEvent(index: $0) } ?? .rejectUnknown
        case 413: return .tooLarge
        case 401: return tokenRenewed ? .fatal : .renewToken
        case 403: return .fatal
        default: return .deadLetter
        }
    }

    /// `Retry-After` as delay-seconds or an HTTP-date.
    static func parseRetryAfter(_ value: String?) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return .milliseconds(Int(seconds * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(Int(max(0, date.timeIntervalSinceNow) * 1000))
    }
}

import Foundation

/// One answer of the Edge Network to a collect request, read as Adobe documents it:
/// the HTTP status, the RFC 7807 problem (`type` ending in `EXEG-NNNN-SSS`, `title`,
/// `detail`), `Retry-After`, and the `errors[]` / `warnings[]` a 2xx body may carry.
///
/// Adobe sends no machine-readable event index: an event is named only in the
/// `detail` text ("event #N", 0- or 1-based, undocumented), so `namedEvents` offers
/// both readings as candidates that the sink confirms by sending them alone.
struct EdgeAnswer: Sendable {
    var status: Int
    var body: Data
    var retryAfter: Duration?
    /// `EXEG-0003-400`, from the problem's `type`; nil when the body names none.
    var code: String?
    var title: String?
    var detail: String?
    /// Codes of `errors[]` in a 2xx body (events Edge did not forward).
    var errorCodes: [String] = []
    /// Codes of `warnings[]` in a 2xx body.
    var warningCodes: [String] = []

    init(status: Int, body: Data, retryAfter: String?) {
        self.status = status
        self.body = body
        self.retryAfter = Self.parseRetryAfter(retryAfter)
        guard !body.isEmpty else { return }
        // A plain 2xx carries only `requestId` and `handle`: parse only what may hold problems.
        if (200..<300).contains(status) && !Self.mentionsProblems(body) { return }
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return }
        code = Self.code(in: object)
        title = object["title"] as? String
        detail = object["detail"] as? String
        errorCodes = Self.codes(in: object["errors"])
        warningCodes = Self.codes(in: object["warnings"])
    }

    /// The numeric part of the code, e.g. `0003` of `EXEG-0003-400`.
    var codeNumber: String? {
        guard let code else { return nil }
        let parts = code.split(separator: "-")
        return parts.count >= 2 ? String(parts[1]) : nil
    }

    /// "HTTP 400 EXEG-0003-400 (Invalid datastream ID)": how answers are named in logs and dead letters.
    var summary: String {
        var text = "HTTP \(status)"
        if let code { text += " " + code }
        if let title, !title.isEmpty { text += " (\(title))" }
        return text
    }

    /// Positions (0-based, within a request of `count` events) that the `detail`
    /// text may mean by "event #N": N read 0-based, then 1-based; none when it names
    /// no event.
    func namedEvents(count: Int) -> [Int] {
        guard let detail, let marker = detail.range(of: "#") else { return [] }
        let digits = detail[marker.upperBound...].prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int(digits) else { return [] }
        var candidates: [Int] = []
        for index in [number, number - 1] where index >= 0 && index < count && !candidates.contains(index) {
            candidates.append(index)
        }
        return candidates
    }

    private static func mentionsProblems(_ body: Data) -> Bool {
        body.range(of: Data(#""errors""#.utf8)) != nil || body.range(of: Data(#""warnings""#.utf8)) != nil
    }

    private static func code(in problem: [String: Any]) -> String? {
        for key in ["type", "code"] {
            if let text = problem[key] as? String, let range = text.range(of: "EXEG-") {
                return String(text[range.lowerBound...])
            }
        }
        return nil
    }

    private static func codes(in list: Any?) -> [String] {
        guard let items = list as? [Any] else { return [] }
        return items.map { item in
            (item as? [String: Any]).flatMap { code(in: $0) } ?? "unknown"
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

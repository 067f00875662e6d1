import Foundation
import Testing
@testable import EdgeTail

/// `EdgeResponsePolicy` row by row against EDGE-CONTRACT.md's table: every documented
/// code, status and body shape, and the attempt state the decision weighs.
@Suite struct EdgeResponsePolicyTests {
    /// An answer with a problem+json body as Adobe documents it.
    static func problem(_ code: String?, status: Int, detail: String = "", retryAfter: String? = nil) -> EdgeAnswer {
        var object: [String: Any] = ["status": status, "title": "Title of \(code ?? "none")", "detail": detail,
                                     "report": ["requestId": "r-1", "orgId": "ORG@AdobeOrg"]]
        if let code { object["type"] = "https://ns.adobe.com/aep/errors/\(code)" }
        let body = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return EdgeAnswer(status: status, body: body, retryAfter: retryAfter)
    }

    static func decide(_ answer: EdgeAnswer, _ attempt: EdgeResponsePolicy.Attempt = .init(events: 10, canRenewToken: false))
        -> EdgeResponsePolicy.Action {
        EdgeResponsePolicy.decide(.answered(answer), attempt)
    }

    static func isStop(_ action: EdgeResponsePolicy.Action, naming code: String) -> Bool {
        if case .stop(let reason) = action { return reason.contains(code) }
        return false
    }

    @Test func successIsDeliveredWhateverTheBodySays() {
        #expect(Self.decide(EdgeAnswer(status: 202, body: Data(#"{"requestId":"r"}"#.utf8), retryAfter: nil)) == .delivered)
        #expect(Self.decide(EdgeAnswer(status: 204, body: Data(), retryAfter: nil)) == .delivered)
        let warned = EdgeAnswer(status: 200, body: Data(#"""
            {"requestId":"r","handle":[],"warnings":[{"type":"https://ns.adobe.com/aep/errors/EXEG-0204-200","status":200,"title":"A warning"}]}
            """#.utf8), retryAfter: nil)
        #expect(Self.decide(warned) == .delivered)
        #expect(warned.warningCodes == ["EXEG-0204-200"])
        let partly = EdgeAnswer(status: 207, body: Data(#"""
            {"requestId":"r","errors":[{"type":"https://ns.adobe.com/aep/errors/EXEG-0301-200","status":200,"title":"Ignored"}],
             "warnings":[{"type":"https://ns.adobe.com/aep/errors/EXEG-0303-200"}]}
            """#.utf8), retryAfter: nil)
        #expect(Self.decide(partly) == .delivered)
        #expect(partly.errorCodes == ["EXEG-0301-200"])
        #expect(partly.warningCodes == ["EXEG-0303-200"])
    }

    @Test func noAnswerIsRetriedWithBackoff() {
        #expect(EdgeResponsePolicy.decide(.noAnswer("connection refused"), .init(events: 3, canRenewToken: false)) == .retry(after: nil))
    }

    @Test func unavailableAndRateLimitedHonourRetryAfter() {
        #expect(Self.decide(Self.problem("EXEG-0000-503", status: 503, retryAfter: "7")) == .retry(after: .seconds(7)))
        #expect(Self.decide(Self.problem("EXEG-0201-503", status: 503, retryAfter: "2")) == .retry(after: .seconds(2)))
        #expect(Self.decide(Self.problem("EXEG-0201-503", status: 503)) == .retry(after: nil))
        #expect(Self.decide(Self.problem(nil, status: 429, retryAfter: "3")) == .retry(after: .seconds(3)))
        #expect(Self.decide(EdgeAnswer(status: 429, body: Data(), retryAfter: nil)) == .retry(after: nil))
    }

    @Test func upstreamFailuresBackOff() {
        for (code, status) in [("EXEG-0200-504", 504), ("EXEG-0202-502", 502), ("EXEG-0203-502", 502),
                               ("EXEG-0205-502", 502), ("EXEG-0300-502", 502)] {
            #expect(Self.decide(Self.problem(code, status: status)) == .retry(after: nil), "\(code)")
        }
        #expect(Self.decide(EdgeAnswer(status: 502, body: Data("<html>bad gateway</html>".utf8), retryAfter: nil)) == .retry(after: nil))
        #expect(Self.decide(EdgeAnswer(status: 504, body: Data(), retryAfter: nil)) == .retry(after: nil))
    }

    @Test func requestLevelCodesStopAndNameTheFix() {
        let rows: [(String, Int, String)] = [
            ("EXEG-0002-400", 400, "datastream_id"), ("EXEG-0003-400", 400, "datastream_id"),
            ("EXEG-0004-422", 422, "disabled"), ("EXEG-0010-422", 422, "configuration"),
            ("EXEG-0011-422", 422, "sandbox"), ("EXEG-0012-422", 422, "configuration"),
            ("EXEG-0013-422", 422, "namespace"), ("EXEG-0101-400", 400, "bug"),
            ("EXEG-0105-400", 400, "invalid"), ("EXEG-0106-400", 400, "Content-Type"),
            ("EXEG-0107-400", 400, "parameter"), ("EXEG-0108-400", 400, "parameter"),
            ("EXEG-0109-408", 408, "bug"), ("EXEG-0111-415", 415, "media type"),
            ("EXEG-0113-400", 400, "overrides"), ("EXEG-0400-403", 403, "geo"),
            ("EXEG-0500-401", 401, "auth"), ("EXEG-0502-401", 401, "signature"),
            ("EXEG-0504-401", 401, "product context"), ("EXEG-0505-401", 401, "scope"),
            ("EXEG-0506-401", 401, "sandbox"),
        ]
        for (code, status, fix) in rows {
            let action = Self.decide(Self.problem(code, status: status), .init(events: 10, canRenewToken: true))
            #expect(Self.isStop(action, naming: code), "\(code): \(action)")
            if case .stop(let reason) = action { #expect(reason.contains(fix), "\(code): \(reason)") }
        }
    }

    @Test func undocumentedClientErrorsStopRatherThanDeadLetter() {
        #expect(Self.isStop(Self.decide(EdgeAnswer(status: 404, body: Data(), retryAfter: nil)), naming: "HTTP 404"))
        #expect(Self.isStop(Self.decide(EdgeAnswer(status: 403, body: Data(), retryAfter: nil)), naming: "HTTP 403"))
        #expect(Self.isStop(Self.decide(Self.problem("EXEG-9999-400", status: 400)), naming: "EXEG-9999-400"))
    }

    @Test func eventLevelCodesIsolateTheEventByTheDetailsHint() {
        for (code, status) in [("EXEG-0102-400", 400), ("EXEG-0103-400", 400), ("EXEG-0104-422", 422),
                               ("EXEG-0304-400", 400), ("EXEG-0305-400", 400), ("EXEG-0306-400", 400), ("EXEG-0308-400", 400)] {
            // "#3" is the 4th event read 0-based, or the 3rd read 1-based: both are candidates.
            let named = Self.problem(code, status: status, detail: "The value of event #3 does not match the schema.")
            #expect(Self.decide(named) == .isolate(candidates: [3, 2]), "\(code)")
            // Without an index (or with one out of range) the sink bisects.
            #expect(Self.decide(Self.problem(code, status: status, detail: "Invalid field.")) == .isolate(candidates: []), "\(code)")
            #expect(Self.decide(Self.problem(code, status: status, detail: "event #40"), .init(events: 10, canRenewToken: false))
                    == .isolate(candidates: []))
            // Alone, the event is confirmed bad: dead-lettered with the code and the detail.
            let alone = Self.decide(named, .init(events: 1, canRenewToken: false))
            guard case .deadLetter(let reason) = alone else {
                Issue.record("\(code): \(alone)")
                continue
            }
            #expect(reason.contains(code) && reason.contains("event #3"))
        }
        #expect(Self.decide(Self.problem("EXEG-0104-422", status: 422, detail: "event #0 is invalid")) == .isolate(candidates: [0]))
        #expect(Self.decide(Self.problem("EXEG-0104-422", status: 422, detail: "event #10"), .init(events: 10, canRenewToken: false))
                == .isolate(candidates: [9]))
    }

    @Test func tooLargeSplitsUntilOneEventIsLeft() {
        #expect(Self.decide(Self.problem("EXEG-0112-413", status: 413)) == .split)
        #expect(Self.decide(EdgeAnswer(status: 413, body: Data(), retryAfter: nil)) == .split)
        guard case .deadLetter = Self.decide(Self.problem("EXEG-0112-413", status: 413), .init(events: 1, canRenewToken: false)) else {
            Issue.record("a single event too large is dead-lettered")
            return
        }
    }

    @Test func anExpiredTokenIsMintedAgainOnceOnlyWhereItCanBe() {
        let expired = Self.problem("EXEG-0503-401", status: 401)
        #expect(Self.decide(expired, .init(events: 5, canRenewToken: true)) == .renewToken)
        #expect(Self.isStop(Self.decide(expired, .init(events: 5, canRenewToken: true, tokenRenewed: true)), naming: "EXEG-0503-401"))
        // A static token cannot be minted again: say to supply a new one.
        let action = Self.decide(expired, .init(events: 5, canRenewToken: false))
        #expect(Self.isStop(action, naming: "EXEG-0503-401"))
        if case .stop(let reason) = action { #expect(reason.contains("supply a new one")) }
        // Any other 401 is not an expiry: no new token, stop.
        #expect(Self.isStop(Self.decide(Self.problem("EXEG-0500-401", status: 401), .init(events: 5, canRenewToken: true)), naming: "0500"))
    }

    @Test func serverErrorsBisectThenHoldWhenTheServiceIsFailing() {
        let failed = Self.problem("EXEG-0001-500", status: 500)
        // One 500: an event may cause it, so look for it.
        #expect(Self.decide(failed, .init(events: 8, canRenewToken: false, serverErrorStreak: 1)) == .isolate(candidates: []))
        #expect(Self.decide(Self.problem("EXEG-0100-500", status: 500), .init(events: 8, canRenewToken: false, serverErrorStreak: 1))
                == .isolate(candidates: []))
        // One event left and nothing succeeded since: try the others first.
        #expect(Self.decide(failed, .init(events: 1, canRenewToken: false, serverErrorStreak: 4, othersWaiting: true)) == .postpone)
        // ... and with nothing else to try, the service is at fault: back off.
        #expect(Self.decide(failed, .init(events: 1, canRenewToken: false, serverErrorStreak: 4)) == .retry(after: nil))
        // Others succeeded meanwhile: this event alone fails.
        guard case .deadLetter(let reason) = Self.decide(failed, .init(events: 1, canRenewToken: false, serverErrorStreak: 1,
                                                                      serviceConfirmed: true)) else {
            Issue.record("a confirmed bad event is dead-lettered")
            return
        }
        #expect(reason.contains("EXEG-0001-500"))
        // More 500s in a row than bisecting one event takes: a failing service, hold.
        #expect(Self.decide(failed, .init(events: 8, canRenewToken: false, serverErrorStreak: 11, bisectionDepth: 10)) == .retry(after: nil))
        #expect(Self.decide(failed, .init(events: 1, canRenewToken: false, serverErrorStreak: 11, bisectionDepth: 10,
                                          serviceConfirmed: true)) == .retry(after: nil))
    }

    @Test func warningsCarriedBySuccessAreNotRetried() {
        // 0204/0301/0303 come back as 200 entries; should one come as a problem, it is still not an error to act on.
        #expect(Self.decide(Self.problem("EXEG-0301-200", status: 200)) == .delivered)
    }

    @Test func retryAfterIsReadAsSecondsOrAnHTTPDate() {
        #expect(EdgeAnswer.parseRetryAfter("120") == .seconds(120))
        #expect(EdgeAnswer.parseRetryAfter(" 0 ") == .zero)
        #expect(EdgeAnswer.parseRetryAfter("soon") == nil)
        #expect(EdgeAnswer.parseRetryAfter(nil) == nil)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        let later = formatter.string(from: Date().addingTimeInterval(30))
        let wait = EdgeAnswer.parseRetryAfter(later) ?? .zero
        #expect(wait > .seconds(25) && wait <= .seconds(31), "\(wait)")
    }

    @Test func theAnswerIsNamedByStatusCodeAndTitle() {
        let answer = Self.problem("EXEG-0003-400", status: 400, detail: "The datastream ds was not found.")
        #expect(answer.code == "EXEG-0003-400")
        #expect(answer.codeNumber == "0003")
        #expect(answer.summary == "HTTP 400 EXEG-0003-400 (Title of EXEG-0003-400)")
        #expect(EdgeAnswer(status: 502, body: Data("not json".utf8), retryAfter: nil).summary == "HTTP 502")
    }
}

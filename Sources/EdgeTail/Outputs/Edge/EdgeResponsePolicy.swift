/// What the Edge sink does after one attempt to post a request: a pure function of
/// the answer (status, EXEG code, body) and the attempt's state, tested row by row
/// against EDGE-CONTRACT.md. The delivery loop only carries its actions out.
///
/// - 2xx: delivered (`errors[]`/`warnings[]` in the body are counted, not retried).
/// - 429, 503 (0000, 0201): retry after `Retry-After`; 502, 504 (0200, 0202–0205, 0300),
///   timeouts and connection errors: retry with backoff. These are the only retries,
///   and the only failures `max_retries` counts.
/// - Request-level codes (datastream, sandbox, namespace, parameters, media type,
///   geo, 401s other than 0503, 403, an undocumented 4xx): stop the sink at once,
///   nothing dead-lettered or acknowledged, the fix in the message.
/// - 0503-401: mint a new token and retry once (only IMS can mint).
/// - Event-level codes (0102–0104, 0304–0308): isolate the event — the `#N` of the
///   detail is only a hint, confirmed by sending that event alone — else by bisecting.
/// - 413 (0112): split; a single event too large is dead-lettered.
/// - 500 (0001, 0100), "do not retry as is": bisect to find an event that causes it,
///   and dead-letter it only once another request has succeeded meanwhile; a run of
///   500s longer than a bisection needs is a failing service: hold and back off.
enum EdgeResponsePolicy {
    enum Outcome: Sendable {
        /// Timeout, refused or reset connection, TLS failure: no answer at all.
        case noAnswer(String)
        case answered(EdgeAnswer)
    }

    struct Attempt: Sendable, Equatable {
        /// Events in the request.
        var events: Int
        /// The credentials can mint a new token (IMS).
        var canRenewToken: Bool
        /// A token was minted for this request after an expiry already.
        var tokenRenewed = false
        /// 500s answered to this sink in a row, this one included.
        var serverErrorStreak = 0
        /// The longest run of 500s that bisecting one bad event can cause
        /// (one per halving of the largest request, and its single event).
        var bisectionDepth = 10
        /// A request succeeded since this one first failed: the service works,
        /// so what still fails is the event.
        var serviceConfirmed = false
        /// Other requests wait behind this one in the same delivery.
        var othersWaiting = false
    }

    enum Action: Equatable, Sendable {
        case delivered
        case retry(after: Duration?)
        case renewToken
        /// Send each half on its own.
        case split
        /// Send the events at these positions alone first (the detail's hint), then the rest;
        /// no positions: bisect.
        case isolate(candidates: [Int])
        /// Move this single event behind the others: whether it is at fault is decided
        /// once another request has shown whether the service works.
        case postpone
        case deadLetter(reason: String)
        case stop(reason: String)
    }

    static func decide(_ outcome: Outcome, _ attempt: Attempt) -> Action {
        guard case .answered(let answer) = outcome else { return .retry(after: nil) }
        if (200..<300).contains(answer.status) { return .delivered }
        let kind = answer.codeNumber.flatMap(EdgeErrorCatalog.kind(ofCode:)) ?? kind(ofStatus: answer.status)
        switch kind {
        case .transient, .notice:
            return .retry(after: nil)
        case .retryAfter:
            return .retry(after: answer.retryAfter)
        case .tooLarge:
            return attempt.events > 1 ? .split : .deadLetter(reason: "event too large for the Edge Network: \(answer.summary)")
        case .eventLevel:
            if attempt.events > 1 { return .isolate(candidates: answer.namedEvents(count: attempt.events)) }
            return .deadLetter(reason: "rejected by the Edge Network: \(answer.summary)\(answer.detail.map { ": " + $0 } ?? "")")
        case .serverError:
            if attempt.serverErrorStreak > attempt.bisectionDepth { return .retry(after: answer.retryAfter) }
            if attempt.events > 1 { return .isolate(candidates: []) }
            if attempt.serviceConfirmed {
                return .deadLetter(reason: "the Edge Network failed on this event alone (not retried as is): \(answer.summary)")
            }
            return attempt.othersWaiting ? .postpone : .retry(after: answer.retryAfter)
        case .tokenExpired:
            if attempt.canRenewToken && !attempt.tokenRenewed { return .renewToken }
            let fix = attempt.canRenewToken
                ? "a newly minted token was refused as expired too: check the clock and the IMS token_url"
                : "the token expired: supply a new one (auth type token), or let edgetail mint tokens (auth type ims)"
            return .stop(reason: "\(answer.summary): \(fix)")
        case .requestLevel(let fix):
            return .stop(reason: "\(answer.summary): \(fix)")
        }
    }

    /// Answers without a documented code, by their HTTP status.
    private static func kind(ofStatus status: Int) -> EdgeErrorCatalog.Kind {
        switch status {
        case 429, 503: .retryAfter
        case 408, 502, 504: .transient
        case 500: .serverError
        case 413: .tooLarge
        case 401: .tokenExpired
        case 403: .requestLevel(fix: "access is forbidden: check org_id, the API key and the product profile's permissions")
        case 404, 405: .requestLevel(fix: "the endpoint does not serve /ee/v2/collect: check endpoint (https://server.adobedc.net or https://edge.adobedc.net)")
        case 400..<500: .requestLevel(fix: "an answer Adobe does not document; nothing was dead-lettered: check endpoint and datastream_id")
        default: .transient
        }
    }
}

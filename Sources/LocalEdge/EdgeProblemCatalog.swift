/// The Edge error codes the stand-in answers with, in one place so the docs
/// and the code cannot drift apart.
extension EdgeProblem {
    static let missingDatastream = EdgeProblem(
        code: "EXEG-0002-400", status: 400, title: "Missing datastream ID",
        detail: "The dataStreamId query parameter is required."
    )

    static func unknownDatastream(_ id: String) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0003-400", status: 400, title: "Invalid datastream ID",
            detail: "The datastream \(id) is not configured on this collector."
        )
    }

    static func unauthorized(_ detail: String) -> EdgeProblem {
        EdgeProblem(code: "EXEG-0500-401", status: 401, title: "Unauthorized", detail: detail)
    }

    static let expiredToken = EdgeProblem(
        code: "EXEG-0503-401", status: 401, title: "Expired token",
        detail: "The access token has expired; request a new one from IMS."
    )

    static func unsupportedMediaType(_ received: String?) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0111-415", status: 415, title: "Unsupported media type",
            detail: "Content-Type must be application/json or text/plain, got \(received ?? "none")."
        )
    }

    static let emptyBody = EdgeProblem(
        code: "EXEG-0109-408", status: 408, title: "Request body missing",
        detail: "The request body is empty."
    )

    static func tooLarge(limit: Int) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0112-413", status: 413, title: "Payload too large",
            detail: "The request body exceeds \(limit) bytes."
        )
    }

    static func invalidJSON(_ detail: String) -> EdgeProblem {
        EdgeProblem(code: "EXEG-0101-400", status: 400, title: "Invalid JSON", detail: detail)
    }

    static func missingField(_ detail: String, eventIndex: Int? = nil) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0103-400", status: 400, title: "Missing required field",
            detail: detail, eventIndex: eventIndex
        )
    }

    static func invalidField(_ detail: String, eventIndex: Int) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0104-400", status: 400, title: "Invalid field value",
            detail: detail, eventIndex: eventIndex
        )
    }

    static func primaryIdentity(_ detail: String, eventIndex: Int) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0306-400", status: 400, title: "Invalid primary identity",
            detail: detail, eventIndex: eventIndex
        )
    }

    static func invalidFPID(_ detail: String, eventIndex: Int) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0308-400", status: 400, title: "Invalid FPID",
            detail: detail, eventIndex: eventIndex
        )
    }

    /// An injected failure; the code mirrors what Edge sends for that status.
    static func injected(status: Int, retryAfter: Int?) -> EdgeProblem {
        let (code, title): (String, String)
        switch status {
        case 429: (code, title) = ("EXEG-0007-429", "Too many requests")
        case 500: (code, title) = ("EXEG-0200-500", "Internal server error")
        case 502: (code, title) = ("EXEG-0202-502", "Bad gateway")
        case 504: (code, title) = ("EXEG-0204-504", "Gateway timeout")
        default: (code, title) = ("EXEG-0201-503", "Service unavailable")
        }
        let sendsRetryAfter = status == 429 || status == 503
        return EdgeProblem(
            code: code, status: status, title: title,
            detail: "Injected failure (fault injection is enabled on this collector).",
            retryAfter: sendsRetryAfter ? retryAfter : nil
        )
    }

    /// Answer to a request held by the hang fault when the server stops.
    static let released = EdgeProblem(
        code: "EXEG-0201-503", status: 503, title: "Service unavailable",
        detail: "The collector stopped while holding this request."
    )
}

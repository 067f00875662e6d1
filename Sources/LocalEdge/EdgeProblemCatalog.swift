/// Every fatal answer the stand-in can give, in one place so docs/collector.md and the
/// code cannot drift apart. Codes, statuses and meanings are those of Adobe's Edge Network
/// documentation (see EDGE-CONTRACT.md); none is invented. An event is named only in
/// `detail`, as "event `#N`" with N its 0-based index in `events`.
extension EdgeProblem {
    // MARK: Service (injected faults and the stand-in's own failures)

    /// EXEG-0000-503: the service is unavailable; injected, or a held request released at shutdown.
    static func serviceUnavailable(_ detail: String, retryAfter: Int?) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0000-503", status: 503, title: "Service unavailable",
            detail: detail, retryAfter: retryAfter
        )
    }

    /// EXEG-0001-500: an unexpected error (injected, or the dataset could not be written).
    static func unexpected(_ detail: String) -> EdgeProblem {
        EdgeProblem(code: "EXEG-0001-500", status: 500, title: "Unexpected server-side error", detail: detail)
    }

    /// EXEG-0202-502: an upstream service failed.
    static func upstreamFailure(_ detail: String) -> EdgeProblem {
        EdgeProblem(code: "EXEG-0202-502", status: 502, title: "Bad gateway", detail: detail)
    }

    /// EXEG-0200-504: an upstream service timed out.
    static func upstreamTimeout(_ detail: String) -> EdgeProblem {
        EdgeProblem(code: "EXEG-0200-504", status: 504, title: "Gateway timeout", detail: detail)
    }

    /// 429 without an EXEG code: Adobe documents throttling by status and `Retry-After` only.
    static func tooManyRequests(_ detail: String, retryAfter: Int?) -> EdgeProblem {
        EdgeProblem(code: nil, status: 429, title: "Too Many Requests", detail: detail, retryAfter: retryAfter)
    }

    /// An injected failure of `status`, one of ``FaultInjection/supportedStatuses``.
    static func injected(status: Int, retryAfter: Int?) -> EdgeProblem {
        let detail = "Injected failure (fault injection is enabled on this collector)."
        switch status {
        case 429: return .tooManyRequests(detail, retryAfter: retryAfter)
        case 500: return .unexpected(detail)
        case 502: return .upstreamFailure(detail)
        case 504: return .upstreamTimeout(detail)
        default: return .serviceUnavailable(detail, retryAfter: retryAfter)
        }
    }

    /// Answer to a request held by the hang fault when the server stops.
    static let released = EdgeProblem.serviceUnavailable(
        "The service stopped while holding this request. Please try again later.", retryAfter: nil
    )

    // MARK: Datastream

    static let missingDatastream = EdgeProblem(
        code: "EXEG-0002-400", status: 400, title: "Missing datastream ID",
        detail: "The datastreamId query parameter is required."
    )

    static func unknownDatastream(_ id: String) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0003-400", status: 400, title: "Invalid datastream ID",
            detail: "The datastream `\(id)` does not exist."
        )
    }

    static func disabledDatastream(_ id: String) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0004-422", status: 422, title: "Datastream disabled",
            detail: "The datastream `\(id)` is disabled. Enable it and try again."
        )
    }

    static func unknownNamespace(_ namespace: String, event index: Int) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0013-422", status: 422, title: "Unknown identity namespace",
            detail: "The identity namespace `\(namespace)` of event `#\(index)` does not exist in the organization's sandbox."
        )
    }

    // MARK: Authentication (server mode)

    static func unauthorized(_ detail: String) -> EdgeProblem {
        EdgeProblem(code: "EXEG-0500-401", status: 401, title: "Unauthorized", detail: detail)
    }

    static let invalidSignature = EdgeProblem(
        code: "EXEG-0502-401", status: 401, title: "Invalid token",
        detail: "The access token's signature could not be verified. Request a new token from IMS."
    )

    static let expiredToken = EdgeProblem(
        code: "EXEG-0503-401", status: 401, title: "Expired token",
        detail: "The access token has expired. Request a new token from IMS and try again."
    )

    // MARK: Request

    static func badContentType(_ received: String?) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0106-400", status: 400, title: "Invalid Content-Type",
            detail: received.map { "The Content-Type header `\($0)` is not a media type." }
                ?? "The Content-Type header is missing."
        )
    }

    static func unsupportedMediaType(_ received: String) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0111-415", status: 415, title: "Unsupported media type",
            detail: "The media type `\(received)` is not supported; send application/json."
        )
    }

    static let emptyBody = EdgeProblem(
        code: "EXEG-0109-408", status: 408, title: "Request body missing",
        detail: "The request body is empty."
    )

    static func tooLarge(limit: Int) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0112-413", status: 413, title: "Payload too large",
            detail: "The request body exceeds \(limit) bytes. Split the events over several requests."
        )
    }

    static func notJSON(_ detail: String) -> EdgeProblem {
        EdgeProblem(code: "EXEG-0101-400", status: 400, title: "Invalid JSON", detail: detail)
    }

    // MARK: Events

    /// EXEG-0102-400: a field of the wrong JSON type.
    static func schemaMismatch(_ fieldPath: String, expected: String, event index: Int?) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0102-400", status: 400, title: "Invalid field",
            detail: "The field `\(fieldPath)`\(Self.inEvent(index)) does not match the schema: expected \(expected)."
        )
    }

    /// EXEG-0103-400: a required field is absent.
    static func missingField(_ fieldPath: String, event index: Int?) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0103-400", status: 400, title: "Missing required field",
            detail: "The required field `\(fieldPath)` is missing\(Self.inEvent(index))."
        )
    }

    /// EXEG-0104-422: values that break their XDM format or enum, every one in `report.errors`.
    static func validationFailed(_ errors: [String], event index: Int) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0104-422", status: 422, title: "Unprocessable entity",
            detail: "Invalid request (report attached): event `#\(index)` failed validation. Please check your input and try again.",
            errors: errors
        )
    }

    /// EXEG-0305-400: an identity entry without a usable `id`.
    static func invalidIdentity(_ namespace: String, event index: Int) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0305-400", status: 400, title: "Invalid identity",
            detail: "An identity of namespace `\(namespace)` in event `#\(index)` has no id."
        )
    }

    /// EXEG-0306-400: not exactly one identity marked `"primary": true`.
    static func primaryIdentity(found: Int, event index: Int) -> EdgeProblem {
        let detail = found == 0
            ? "No primary identity found in the input event `#\(index)`. Update the request accordingly to your schema and try again."
            : "\(found) primary identities found in the input event `#\(index)`; exactly one must be primary."
        return EdgeProblem(
            code: "EXEG-0306-400", status: 400, title: "No primary identity set in request (event)", detail: detail
        )
    }

    /// EXEG-0308-400: an identity whose id has not the namespace's format (FPID, ECID).
    static func identityFormat(_ namespace: String, expected: String, event index: Int) -> EdgeProblem {
        EdgeProblem(
            code: "EXEG-0308-400", status: 400, title: "Invalid identity format",
            detail: "The \(namespace) identity of event `#\(index)` must be \(expected)."
        )
    }

    private static func inEvent(_ index: Int?) -> String {
        index.map { " in event `#\($0)`" } ?? ""
    }
}

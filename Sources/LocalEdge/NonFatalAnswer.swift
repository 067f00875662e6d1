import Foundation
import HTTPTypes
import Hummingbird

/// A successful answer that carries Adobe's non-fatal entries: `200` with `warnings[]`,
/// or `207 Multi-Status` with `errors[]`, in an `application/json` body beside `requestId`
/// and an empty `handle`, as Adobe's troubleshooting page shows.
struct NonFatalAnswer: Sendable, Equatable {
    /// One entry of `warnings` or `errors`: Adobe's `type`, `status` and `title`.
    struct Entry: Codable, Sendable, Equatable {
        var type: String
        var status: Int
        var title: String
    }

    var status: Int
    var warnings: [Entry]
    var errors: [Entry]
    /// Whether the request's events reach the dataset (not for EXEG-0301: ignored).
    var storesEvents: Bool

    init(_ warning: InjectedWarning) {
        switch warning {
        case .upstreamWarning:
            status = 200
            warnings = [Entry(
                type: "https://ns.adobe.com/aep/errors/EXEG-0204-200", status: 200,
                title: "A warning occurred while calling the 'com.adobe.analytics' service for this request."
            )]
            errors = []
            storesEvents = true
        case .noConsent:
            status = 200
            warnings = [Entry(
                type: "https://ns.adobe.com/aep/errors/EXEG-0301-200", status: 200,
                title: "The request was ignored for lack of consent."
            )]
            errors = []
            storesEvents = false
        case .upstreamError:
            status = 207
            warnings = []
            errors = [Entry(
                type: "https://ns.adobe.com/aep/errors/EXEG-0201-503", status: 503,
                title: "The 'com.adobe.analytics' service is temporarily unable to serve this request. Please try again later."
            )]
            storesEvents = true
        }
    }

    struct Body: Encodable {
        var requestId: String
        var handle: [String]
        var warnings: [Entry]?
        var errors: [Entry]?
    }

    func response(requestID: String, headers: HTTPFields) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        let body = Body(
            requestId: requestID,
            handle: [],
            warnings: warnings.isEmpty ? nil : warnings,
            errors: errors.isEmpty ? nil : errors
        )
        let data = (try? JSONEncoder.problem.encode(body)) ?? Data("{}".utf8)
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

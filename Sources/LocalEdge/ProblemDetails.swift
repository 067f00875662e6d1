import Foundation
import HTTPTypes
import Hummingbird

/// An Edge-style fatal error answer (`application/problem+json`, RFC 7807).
///
/// The `type` URL carries the Edge code (`EXEG-NNNN-SSS`) so a sender can branch on it
/// exactly as it would against the real Edge Network. Nothing beyond Adobe's documented
/// members is sent: an offending event is named only in the `detail` text.
struct EdgeProblem: Error, Sendable, Equatable {
    /// `EXEG-NNNN-SSS`, or `nil` for an answer Adobe documents without a code (429).
    var code: String?
    var status: Int
    var title: String
    var detail: String
    /// `report.errors`: validation messages, sent with EXEG-0104 only.
    var errors: [String]?
    /// Seconds sent as `Retry-After`, on throttling and unavailability.
    var retryAfter: Int?

    init(code: String?, status: Int, title: String, detail: String, errors: [String]? = nil, retryAfter: Int? = nil) {
        self.code = code
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.retryAfter = retryAfter
    }

    /// `https://ns.adobe.com/aep/errors/EXEG-…`, or RFC 7807's `about:blank` without a code.
    var type: String {
        code.map { "https://ns.adobe.com/aep/errors/\($0)" } ?? "about:blank"
    }

    func body(_ context: ProblemContext) -> ByteBuffer {
        let payload = ProblemBody(
            type: type,
            status: status,
            title: title,
            detail: detail,
            report: .init(
                requestId: context.requestID,
                orgId: context.orgID,
                configId: context.configID,
                errors: errors
            )
        )
        let data = (try? JSONEncoder.problem.encode(payload)) ?? Data("{}".utf8)
        return ByteBuffer(bytes: data)
    }

    func response(_ context: ProblemContext) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        headers[HTTPField.Name.requestID] = context.requestID
        if let retryAfter {
            headers[.retryAfter] = String(retryAfter)
        }
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: headers,
            body: .init(byteBuffer: body(context))
        )
    }
}

/// What every `report` carries: the request, and the org and datastream when known.
struct ProblemContext: Sendable, Equatable {
    var requestID: String
    var orgID: String?
    var configID: String?
}

/// Wire shape of ``EdgeProblem``: Adobe's five members and nothing else.
struct ProblemBody: Codable, Sendable, Equatable {
    struct Report: Codable, Sendable, Equatable {
        var requestId: String
        var orgId: String?
        var configId: String?
        var errors: [String]?
    }
    var type: String
    var status: Int
    var title: String
    var detail: String
    var report: Report
}

extension JSONEncoder {
    /// Stable key order keeps answers diffable in logs and tests.
    static var problem: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension HTTPField.Name {
    /// Request id header echoed on every collect answer.
    static var requestID: HTTPField.Name { HTTPField.Name("x-request-id")! }
    static var apiKey: HTTPField.Name { HTTPField.Name("x-api-key")! }
    static var imsOrgID: HTTPField.Name { HTTPField.Name("x-gw-ims-org-id")! }
}

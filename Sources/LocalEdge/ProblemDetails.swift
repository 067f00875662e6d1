import Foundation
import HTTPTypes
import Hummingbird

/// An Edge-style error answer (`application/problem+json`).
///
/// The `type` URL carries the Edge code (`EXEG-NNNN-SSS`) so a sender can
/// branch on it exactly as it would against the real Edge Network.
struct EdgeProblem: Error, Sendable, Equatable {
    var code: String
    var status: Int
    var title: String
    var detail: String
    /// 0-based index of the offending event, when one event caused the failure.
    var eventIndex: Int?
    /// Extra headers, e.g. `Retry-After` on injected throttling.
    var retryAfter: Int?

    init(code: String, status: Int, title: String, detail: String, eventIndex: Int? = nil, retryAfter: Int? = nil) {
        self.code = code
        self.status = status
        self.title = title
        self.detail = detail
        self.eventIndex = eventIndex
        self.retryAfter = retryAfter
    }

    var type: String { "https://ns.adobe.com/aep/errors/\(code)" }

    /// Serialised body, with the request id in `report` as Edge does.
    func body(requestId: String) -> ByteBuffer {
        let payload = ProblemBody(
            type: type,
            status: status,
            title: title,
            detail: detail,
            report: .init(requestId: requestId, eventIndex: eventIndex)
        )
        let data = (try? JSONEncoder.problem.encode(payload)) ?? Data("{}".utf8)
        return ByteBuffer(bytes: data)
    }

    func response(requestId: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        headers[HTTPField.Name.requestID] = requestId
        if let retryAfter {
            headers[.retryAfter] = String(retryAfter)
        }
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: headers,
            body: .init(byteBuffer: body(requestId: requestId))
        )
    }
}

/// Wire shape of ``EdgeProblem``.
struct ProblemBody: Codable, Sendable, Equatable {
    struct Report: Codable, Sendable, Equatable {
        var requestId: String
        var eventIndex: Int?
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

import Foundation
import HTTPTypes
import Hummingbird

/// `POST /ims/token/v3`: the IMS `client_credentials` grant, answered as IMS does.
struct IMSRoute: Sendable {
    var issuer: IMSTokenIssuer
    var store: any EventStore

    func respond(to request: Request) async -> Response {
        let text: String
        do {
            let buffer = try await request.body.collect(upTo: 16_384)
            text = String(buffer: buffer)
        } catch {
            return Self.json(status: 400, ["error": "invalid_request", "error_description": "unreadable body"])
        }
        do {
            let grant = try await issuer.issue(form: FormDecoding.decode(text))
            // The count is observation only; a failed write must not refuse the grant.
            try? await store.recordTokenIssued()
            return Self.json(
                status: 200,
                TokenBody(accessToken: grant.accessToken, tokenType: "bearer", expiresIn: grant.expiresIn)
            )
        } catch {
            return Self.json(status: error.status, ["error": error.error, "error_description": error.description])
        }
    }

    struct TokenBody: Codable, Sendable {
        var accessToken: String
        var tokenType: String
        var expiresIn: Int

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case tokenType = "token_type"
            case expiresIn = "expires_in"
        }
    }

    static func json(status: Int, _ value: some Encodable) -> Response {
        let data = (try? JSONEncoder.problem.encode(value)) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

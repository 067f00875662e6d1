import HTTPTypes
import Hummingbird

/// The `--require-auth` checks: bearer token, API key and IMS org headers.
struct AuthPolicy: Sendable {
    var required: Bool
    var orgID: String?
    var clientID: String?
    var staticToken: String?
    var issuer: IMSTokenIssuer

    func check(_ headers: HTTPFields) async throws(EdgeProblem) {
        guard required else { return }
        guard let authorization = headers[.authorization] else {
            throw .unauthorized("The Authorization header is missing.")
        }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw .unauthorized("The Authorization header must be 'Bearer <token>'.")
        }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty else {
            throw .unauthorized("The bearer token is empty.")
        }
        guard let apiKey = headers[.apiKey], !apiKey.isEmpty else {
            throw .unauthorized("The x-api-key header is missing.")
        }
        if let clientID, apiKey != clientID {
            throw .unauthorized("The x-api-key header does not match a known client.")
        }
        guard let org = headers[.imsOrgID], !org.isEmpty else {
            throw .unauthorized("The x-gw-ims-org-id header is missing.")
        }
        if let orgID, org != orgID {
            throw .unauthorized("The x-gw-ims-org-id header names another organisation.")
        }
        if let staticToken, token == staticToken { return }
        switch await issuer.verdict(for: token) {
        case .valid: return
        case .expired: throw .expiredToken
        case .unknown: throw .unauthorized("The access token is not valid.")
        }
    }
}

import HTTPTypes
import Hummingbird

/// Server mode's checks, in the order server.adobedc.net's gateway applies them:
/// bearer token, API key and IMS org headers, then the token itself. In edge mode
/// they apply only to datastreams that accept authenticated events only.
struct AuthPolicy: Sendable {
    var mode: CollectorMode
    var orgID: String?
    var clientID: String?
    var staticToken: String?
    var issuer: IMSTokenIssuer

    /// The checks of server mode, which run before anything else is looked at.
    func checkServer(_ headers: HTTPFields) async throws(EdgeProblem) {
        guard mode == .server else { return }
        try await check(headers)
    }

    func check(_ headers: HTTPFields) async throws(EdgeProblem) {
        guard let authorization = headers[.authorization] else {
            throw .unauthorized("The Authorization header is missing. Send 'Authorization: Bearer <IMS access token>'.")
        }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw .unauthorized("The Authorization header must be 'Bearer <IMS access token>'.")
        }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty else {
            throw .unauthorized("The bearer token is empty.")
        }
        guard let apiKey = headers[.apiKey], !apiKey.isEmpty else {
            throw .unauthorized("The x-api-key header is missing; send the client id.")
        }
        if let clientID, apiKey != clientID {
            throw .unauthorized("The x-api-key header does not name the client the token was issued to.")
        }
        guard let org = headers[.imsOrgID], !org.isEmpty else {
            throw .unauthorized("The x-gw-ims-org-id header is missing; send ORG@AdobeOrg.")
        }
        if let orgID, org != orgID {
            throw .unauthorized("The x-gw-ims-org-id header names another organization.")
        }
        if let staticToken, token == staticToken { return }
        switch await issuer.verdict(for: token) {
        case .valid: return
        case .expired: throw .expiredToken
        case .unknown: throw .invalidSignature
        }
    }
}

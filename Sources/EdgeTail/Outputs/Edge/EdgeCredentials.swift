import Foundation
import NIOCore
import NIOSSL

/// Supplies the authorisation headers of Edge requests, minting IMS tokens as needed.
///
/// IMS issues no refresh token: a new token is minted before the current one
/// expires (at 90 % of its lifetime) and once more when the Edge Network answers
/// 401 `EXEG-0503-401`. Errors name the IMS status and error code, never a secret.
public actor EdgeCredentials {
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    let configuration: EdgeAuthConfiguration
    /// For an `https` token URL.
    let tls: NIOSSLContext?
    private var token: String?
    private var renewAt: ContinuousClock.Instant?
    public private(set) var tokensMinted = 0

    init(configuration: EdgeAuthConfiguration, tls: NIOSSLContext?) {
        self.configuration = configuration
        self.tls = tls
        if case .ims = configuration { canRenew = true } else { canRenew = false }
    }

    /// Headers for the next request: `Authorization`, `x-api-key`, `x-gw-ims-org-id`.
    public func headers() async throws -> [(String, String)] {
        switch configuration {
        case .none:
            return []
        case .token(let token, let apiKey, let orgID):
            return [("Authorization", "Bearer " + (try token.reveal())), ("x-api-key", try apiKey.reveal()), ("x-gw-ims-org-id", orgID)]
        case .ims(let clientID, _, let orgID, _, _):
            if token == nil || renewAt.map({ ContinuousClock.now >= $0 }) == true {
                try await mint()
            }
            guard let token else { throw Failure(message: "no IMS token") }
            return [("Authorization", "Bearer " + token), ("x-api-key", clientID), ("x-gw-ims-org-id", orgID)]
        }
    }

    /// Forgets the current token so the next request mints a new one.
    public func invalidate() {
        token = nil
    }

    /// IMS tokens can be minted again; the other kinds cannot. Fixed by the configuration,
    /// so asked without a hop to the actor.
    public nonisolated let canRenew: Bool

    private func mint() async throws {
        guard case .ims(let clientID, let clientSecret, _, let scopes, let tokenURL) = configuration else { return }
        let form = [
            ("grant_type", "client_credentials"), ("client_id", clientID),
            ("client_secret", try clientSecret.reveal()), ("scope", scopes.joined(separator: ",")),
        ].map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")
        // A connection of its own, closed after: a token is minted about once a day.
        // `token_url` was checked when the configuration was read.
        let connection: HTTPConnection
        do {
            connection = HTTPConnection(endpoint: try HTTPEndpoint(url: tokenURL), tls: tls)
        } catch {
            throw Failure(message: "IMS token request to \(tokenURL) failed: \(error)")
        }
        let response: HTTPConnection.Response
        do {
            response = try await connection.send(.POST, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                                 body: ByteBuffer(string: form), timeout: .seconds(30))
            await connection.close()
        } catch {
            await connection.close()
            throw Failure(message: "IMS token request to \(tokenURL) failed: \(error)")
        }
        let body = response.body
        let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        guard response.status == 200, let accessToken = object?["access_token"] as? String else {
            let code = object?["error"] as? String ?? "unexpected answer"
            throw Failure(message: "IMS refused a token: HTTP \(response.status) \(code) (check client_id, client_secret and scopes)")
        }
        let lifetime = (object?["expires_in"] as? Int) ?? 86_399
        token = accessToken
        renewAt = ContinuousClock.now + .seconds(Double(lifetime) * 0.9)
        tokensMinted += 1
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

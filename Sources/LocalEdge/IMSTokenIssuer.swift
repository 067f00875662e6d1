import Foundation

/// Emulates Adobe IMS `client_credentials` grants: random bearer tokens with a lifetime.
actor IMSTokenIssuer {
    /// Outcome of checking a bearer token.
    enum Verdict: Equatable, Sendable {
        case valid
        case expired
        case unknown
    }

    /// An IMS-style refusal, `{"error":…,"error_description":…}`.
    struct Refusal: Error, Sendable, Equatable {
        var status: Int
        var error: String
        var description: String
    }

    struct Grant: Sendable, Equatable {
        var accessToken: String
        var expiresIn: Int
    }

    private let clientID: String?
    private let clientSecret: String?
    private let ttl: Int
    private var expiries: [String: ContinuousClock.Instant] = [:]

    init(clientID: String?, clientSecret: String?, ttl: Int) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.ttl = ttl
    }

    /// Issues a token for a form-encoded grant request.
    func issue(form: [String: String]) throws(Refusal) -> Grant {
        guard form["grant_type"] == "client_credentials" else {
            throw Refusal(
                status: 400, error: "unsupported_grant_type",
                description: "grant_type must be client_credentials"
            )
        }
        guard let id = form["client_id"], !id.isEmpty, clientID.map({ $0 == id }) ?? true else {
            throw Refusal(status: 401, error: "invalid_client", description: "invalid client_id parameter")
        }
        guard let secret = form["client_secret"], !secret.isEmpty, clientSecret.map({ $0 == secret }) ?? true else {
            throw Refusal(status: 401, error: "invalid_client", description: "invalid client_secret parameter")
        }
        var generator = SystemRandomNumberGenerator()
        let token = "eyLE" + (0..<4).map { _ in String(generator.next(), radix: 16) }.joined()
        expiries[token] = ContinuousClock.now.advanced(by: .seconds(ttl))
        return Grant(accessToken: token, expiresIn: ttl)
    }

    func verdict(for token: String) -> Verdict {
        guard let expiry = expiries[token] else { return .unknown }
        return ContinuousClock.now < expiry ? .valid : .expired
    }
}

/// Parses `application/x-www-form-urlencoded` bodies (`a=b&c=d`, `+` as space).
enum FormDecoding {
    static func decode(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let rawKey = parts.first else { continue }
            let rawValue = parts.count > 1 ? parts[1] : ""
            let key = unescape(rawKey)
            fields[key] = unescape(rawValue)
        }
        return fields
    }

    private static func unescape(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

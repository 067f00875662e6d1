/// Adobe's documented `/ee/v2/collect` codes (EDGE-CONTRACT.md), each with what a
/// sender must do and, for those that stop sending, what the operator must fix.
/// The table the response policy decides by; a code not listed here is judged by
/// its HTTP status alone.
enum EdgeErrorCatalog {
    enum Kind: Equatable, Sendable {
        /// Retry with backoff (502, 504 and their codes).
        case transient
        /// Retry after `Retry-After`, else with backoff (503, 429).
        case retryAfter
        /// 500: "do not retry as is" — one event may cause it, or the service is failing.
        case serverError
        /// The request as a whole cannot succeed: stop, keep every event, tell the operator.
        case requestLevel(fix: String)
        /// One event of the request is invalid: isolate it and send the rest.
        case eventLevel
        /// 413: the request is too large; split it.
        case tooLarge
        /// 0503-401: the token expired; mint a new one and retry once.
        case tokenExpired
        /// A 2xx warning or error entry: count it.
        case notice
    }

    static func kind(ofCode number: String) -> Kind? {
        table[number]
    }

    private static let checkDatastream = "check datastream_id against Data Collection > Datastreams (the environment's id, not its name)"
    private static let ourBug = "edgetail sent a malformed request; this is a bug: report it with this message"

    private static let table: [String: Kind] = [
        "0000": .retryAfter,
        "0001": .serverError,
        "0100": .serverError,
        "0002": .requestLevel(fix: "the request has no datastream id: set datastream_id"),
        "0003": .requestLevel(fix: "the datastream id is not known to the Edge Network: " + checkDatastream),
        "0004": .requestLevel(fix: "the datastream is disabled: enable it in Data Collection > Datastreams"),
        "0010": .requestLevel(fix: "the datastream's configuration is invalid: check its services in Data Collection > Datastreams"),
        "0011": .requestLevel(fix: "the datastream's sandbox is not available: check the sandbox in Data Collection > Datastreams"),
        "0012": .requestLevel(fix: "the datastream's configuration cannot be used: check its services and sandbox"),
        "0013": .requestLevel(fix: "an identity namespace is not defined in the datastream's sandbox: create it under Identities, or change the pipeline's identity namespace"),
        "0101": .requestLevel(fix: ourBug),
        "0102": .eventLevel,
        "0103": .eventLevel,
        "0104": .eventLevel,
        "0105": .requestLevel(fix: "the request is invalid: check endpoint and datastream_id"),
        "0106": .requestLevel(fix: "the Content-Type was refused: " + ourBug),
        "0107": .requestLevel(fix: "a required query parameter is missing: check datastream_id"),
        "0108": .requestLevel(fix: "a query parameter has the wrong type: check datastream_id"),
        "0109": .requestLevel(fix: ourBug),
        "0111": .requestLevel(fix: "the media type was refused: " + ourBug),
        "0112": .tooLarge,
        "0113": .requestLevel(fix: "the configuration overrides are invalid: check the datastream's overrides"),
        "0200": .transient,
        "0201": .retryAfter,
        "0202": .transient,
        "0203": .transient,
        "0204": .notice,
        "0205": .transient,
        "0300": .transient,
        "0301": .notice,
        "0303": .notice,
        "0304": .eventLevel,
        "0305": .eventLevel,
        "0306": .eventLevel,
        "0308": .eventLevel,
        "0400": .requestLevel(fix: "the Edge Network refuses requests from this region (geo-restricted): ask Adobe support"),
        "0500": .requestLevel(fix: "the request carries no valid token, or the datastream accepts authenticated events only: set auth (type token or ims), or send to https://edge.adobedc.net if the datastream allows unauthenticated events"),
        "0502": .requestLevel(fix: "the token's signature is invalid: mint it for this organisation (org_id) from the right IMS environment"),
        "0503": .tokenExpired,
        "0504": .requestLevel(fix: "the token has no product context: add the Adobe Experience Platform Edge Network API to the Developer Console project"),
        "0505": .requestLevel(fix: "the token lacks a required scope: add the Edge Network API's scopes to auth.scopes"),
        "0506": .requestLevel(fix: "the credentials may not write to the datastream's sandbox: grant the project's product profile access to that sandbox"),
    ]
}

/// One rule: which lines become which kind of event. The first matching rule wins.
public struct EventRuleConfiguration: Decodable, Sendable {
    public enum EventKind: String, ConfigurationWord {
        case pageView
        case linkClick
    }

    public var type: EventKind
    public var when: RuleConditionConfiguration
    public var link: LinkConfiguration?
    public var page: PageConfiguration?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, when, link, page
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(EventKind.self, forKey: .type)
        when = try container.decodeIfPresent(RuleConditionConfiguration.self, forKey: .when) ?? RuleConditionConfiguration()
        link = try container.decodeIfPresent(LinkConfiguration.self, forKey: .link)
        page = try container.decodeIfPresent(PageConfiguration.self, forKey: .page)
        if type == .pageView && link != nil {
            throw DecodingError.dataCorruptedError(forKey: .link, in: container, debugDescription: "'link' belongs to linkClick rules; use 'page' for pageView")
        }
        if type == .linkClick && page != nil {
            throw DecodingError.dataCorruptedError(forKey: .page, in: container, debugDescription: "'page' belongs to pageView rules; use 'link' for linkClick")
        }
    }
}

/// Conditions of a rule; all given conditions must hold.
public struct RuleConditionConfiguration: Decodable, Sendable {
    public var method: [String]?
    /// Exact codes (`304`) or classes (`2xx`).
    public var status: [String]?
    /// A PCRE2 pattern matched against the path (without the query).
    public var path: String?
    /// File extensions of the path's last segment, without the dot, case-insensitive.
    public var `extension`: [String]?
    /// Query parameters of which at least one must be present.
    public var query: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case method, status, path, `extension`, query
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        method = try container.decodeIfPresent(OneOrMany<String>.self, forKey: .method)?.values
        status = try container.decodeIfPresent(OneOrMany<StatusText>.self, forKey: .status)?.values.map(\.text)
        path = try container.decodeIfPresent(String.self, forKey: .path)
        `extension` = try container.decodeIfPresent(OneOrMany<String>.self, forKey: .extension)?.values
        query = try container.decodeIfPresent(OneOrMany<String>.self, forKey: .query)?.values
    }
}

/// A status written as `200` (a YAML integer) or `2xx` (a string).
struct StatusText: Decodable, Sendable {
    var text: String
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) {
            text = String(number)
        } else {
            text = try container.decode(String.self)
        }
    }
}

/// How a link click is described.
public struct LinkConfiguration: Decodable, Sendable {
    public enum Kind: String, ConfigurationWord { case exit, download, other }

    /// Template of the clicked URL; defaults to the requested URL.
    public var url: String?
    /// Template of the link's name; defaults to the path.
    public var name: String?
    public var kind: Kind

    enum CodingKeys: String, CodingKey, CaseIterable { case url, name, kind }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decodeIfPresent(String.self, forKey: .url)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        kind = try container.decodeIfPresent(Kind.self, forKey: .kind) ?? .other
    }
}

/// How a page view is described.
public struct PageConfiguration: Decodable, Sendable {
    /// Statuses (`404`, `4xx`) whose page views are error pages (`web.webPageDetails.isErrorPage`).
    public static let defaultErrorPage = ["404"]

    /// Template of the page's name; defaults to the path.
    public var name: String?
    public var siteSection: String?
    /// The rule's page views with one of these statuses are error pages; `[]` marks none.
    public var errorPage: [String]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name
        case siteSection = "site_section"
        case errorPage = "error_page"
    }

    public init() {
        errorPage = Self.defaultErrorPage
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        siteSection = try container.decodeIfPresent(String.self, forKey: .siteSection)
        errorPage = try container.decodeIfPresent(OneOrMany<StatusText>.self, forKey: .errorPage)?.values.map(\.text) ?? Self.defaultErrorPage
    }
}

/// One link of the identity chain: the first that yields a value is the primary identity.
///
/// An FPID or ECID taken from a `field` is always checked against its namespace's
/// format when a line is mapped (`IdentityFormat`); a rule that could never pass it —
/// `derive` into ECID or another standard namespace, or a `field` that describes the
/// request rather than the visitor — is refused here.
public struct IdentityRuleConfiguration: Decodable, Sendable {
    public var namespace: String
    /// Take the identity from a field, e.g. `cookie.FPID`.
    public var field: String?
    /// Derive a UUIDv4-shaped identity from these fields by HMAC-SHA256.
    public var derive: [String]?
    /// The HMAC key of `derive`: given inline (`salt:`, usually `${VAR}`), or read from
    /// a file (`salt_file:`, e.g. the systemd credential the package creates).
    public var salt: String?
    /// `daily`: the derived identity changes each UTC day (the day of the line's time
    /// enters the HMAC), so a visitor cannot be followed across days.
    public var rotate: Rotation
    public var authenticatedState: String

    public enum Rotation: String, ConfigurationWord { case never, daily }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case namespace, field, derive, salt, rotate
        case saltFile = "salt_file"
        case authenticatedState = "authenticated_state"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        namespace = try container.decode(String.self, forKey: .namespace)
        field = try container.decodeIfPresent(String.self, forKey: .field)
        derive = try container.decodeIfPresent([String].self, forKey: .derive)
        salt = try container.decodeIfPresent(String.self, forKey: .salt)
        if let file = try container.decodeIfPresent(String.self, forKey: .saltFile) {
            guard salt == nil else {
                throw DecodingError.dataCorruptedError(forKey: .saltFile, in: container, debugDescription: "give 'salt' or 'salt_file', not both")
            }
            do {
                salt = try Secret.file(file).reveal()
            } catch {
                throw DecodingError.dataCorruptedError(forKey: .saltFile, in: container, debugDescription: "\(error)")
            }
        }
        rotate = try container.decodeIfPresent(Rotation.self, forKey: .rotate) ?? .never
        if rotate != .never && derive == nil {
            throw DecodingError.dataCorruptedError(forKey: .rotate, in: container, debugDescription: "'rotate' goes with 'derive'")
        }
        authenticatedState = try container.decodeIfPresent(String.self, forKey: .authenticatedState) ?? "ambiguous"
        guard (field == nil) != (derive == nil) else {
            throw DecodingError.dataCorruptedError(forKey: .field, in: container, debugDescription: "give exactly one of 'field' or 'derive'")
        }
        if derive != nil && (salt ?? "").isEmpty {
            throw DecodingError.keyNotFound(CodingKeys.salt, .init(codingPath: decoder.codingPath, debugDescription: "'derive' needs a non-empty 'salt' or 'salt_file'"))
        }
        // Rules that could never yield a value the Edge Network takes in their namespace.
        let format = IdentityFormat(namespace: namespace)
        if derive != nil && !IdentityNamespace.takesDerivedValues(namespace) {
            let why = format == .ecid
                ? "'\(namespace)' expects \(format.expectation): derive into FPID (the Edge Network makes the ECID from it), or take the ECID from a field"
                : "'\(namespace)' is a standard namespace whose values are not UUIDs: derive into FPID or a namespace of your own"
            throw DecodingError.dataCorruptedError(forKey: .namespace, in: container, debugDescription:
                "a derived identity is a UUIDv4, which fits only FPID or a custom namespace; \(why)")
        }
        if let field, format != .any, let reference = try? FieldReference(parsing: field), !IdentityNamespace.canHoldVisitorID(reference) {
            throw DecodingError.dataCorruptedError(forKey: .field, in: container, debugDescription:
                "'\(field)' describes the request and can never hold \(format.expectation), as \(namespace) requires; expected a field that carries the visitor's id: cookie.NAME, query.NAME, var.NAME, extra.N, journal.FIELD, user or ident")
        }
        let states = ["ambiguous", "authenticated", "loggedOut"]
        guard states.contains(authenticatedState) else {
            throw DecodingError.dataCorruptedError(forKey: .authenticatedState, in: container, debugDescription: "unknown value '\(authenticatedState)'; expected one of: \(states.joined(separator: ", "))")
        }
    }
}

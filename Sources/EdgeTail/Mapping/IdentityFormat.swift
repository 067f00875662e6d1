/// What an identity's value must look like for the Edge Network to take it in its
/// namespace: an FPID is a UUIDv4 (other shapes are refused, EXEG-0305/0308), an ECID
/// is 38 digits. Values of other namespaces are sent as they are.
public enum IdentityFormat: Sendable, Equatable {
    case any
    case uuidV4
    case ecid

    public init(namespace: String) {
        switch namespace.uppercased() {
        case "FPID": self = .uuidV4
        case "ECID": self = .ecid
        default: self = .any
        }
    }

    /// What the format asks for, for messages.
    public var expectation: String {
        switch self {
        case .any: "a value"
        case .uuidV4: "a UUIDv4 (8-4-4-4-12 hexadecimal digits, version 4, RFC 4122 variant)"
        case .ecid: "38 digits"
        }
    }

    public func accepts(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        switch self {
        case .any: !value.isEmpty
        case .uuidV4: UUIDText.isVersion4(value)
        case .ecid: value.count == 38 && value.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
    }
}

/// The rules of identity namespaces that configuration can be checked against.
public enum IdentityNamespace {
    /// Experience Platform's standard namespaces other than FPID, whose values come from
    /// elsewhere (Adobe's libraries, devices, people) and never from a hash of log fields.
    public static let standardOtherThanFPID: Set<String> = [
        "ECID", "AAID", "ADCLOUD", "CORE", "TNTID", "IDFA", "GAID", "WAID", "GCLID",
        "EMAIL", "EMAIL_LC_SHA256", "PHONE", "PHONE_SHA256", "PHONE_E.164", "PHONE_SHA256_E.164",
    ]

    /// Whether a derived value (a UUIDv4 made by HMAC) may be sent in `namespace`:
    /// in FPID, or in a namespace of the organisation's own.
    public static func takesDerivedValues(_ namespace: String) -> Bool {
        !standardOtherThanFPID.contains(namespace.uppercased())
    }

    /// Fields that describe the request, not the visitor: none of them can ever hold an
    /// FPID or an ECID, so a rule reading one would never yield an identity.
    public static func canHoldVisitorID(_ field: FieldReference) -> Bool {
        switch field {
        case .user, .ident, .extra, .queryParameter, .cookie, .variable, .journal: true
        case .clientIP, .method, .path, .target, .query, .protocolName, .status, .bytesSent, .referer, .userAgent, .host: false
        }
    }
}

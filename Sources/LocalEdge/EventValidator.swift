import Foundation

/// One event that passed validation, reduced to the columns the dataset keeps.
struct ValidatedEvent: Sendable, Equatable {
    var id: String
    /// `xdm.eventType`, which XDM does not require.
    var eventType: String?
    var timestamp: String
    var identityNamespace: String
    var identityID: String
    /// The event object re-serialised as JSON text.
    var body: String
}

/// Applies Edge's checks to a collect body.
///
/// All or nothing: the first invalid event fails the whole request, and is named only in
/// the problem's `detail` as "event `#N`", N its 0-based index in `events`. Within an event
/// the checks run from structure to values: a missing field (0103) or one of the wrong JSON
/// type (0102), an identity without an id (0305), an unknown namespace (0013), an FPID or
/// ECID of the wrong format (0308), not exactly one primary identity (0306), and last the
/// XDM formats and enums (0104), all of whose failures are listed in `report.errors`.
struct EventValidator: Sendable {
    /// Known namespaces, lowercased.
    var namespaces: Set<String>

    init(namespaces: [String]) {
        self.namespaces = Set(namespaces.map { $0.lowercased() })
    }

    func validate(_ data: Data) throws(EdgeProblem) -> [ValidatedEvent] {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw .notJSON("The request body is not valid JSON.")
        }
        guard let object = root as? [String: Any] else {
            throw .notJSON("The request body must be a JSON object.")
        }
        guard let rawEvents = object["events"] else {
            throw .missingField("events", event: nil)
        }
        guard let events = rawEvents as? [Any] else {
            throw .schemaMismatch("events", expected: "an array of events", event: nil)
        }
        guard !events.isEmpty else {
            throw .missingField("events[0]", event: nil)
        }
        var validated: [ValidatedEvent] = []
        validated.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            validated.append(try validate(event: event, index: index))
        }
        return validated
    }

    func validate(event: Any, index: Int) throws(EdgeProblem) -> ValidatedEvent {
        guard let event = event as? [String: Any] else {
            throw .schemaMismatch("events", expected: "an array of objects", event: index)
        }
        let xdm = try Self.object(event["xdm"], path: "xdm", index: index, required: true) ?? [:]
        let id = try Self.string(xdm["_id"], path: "xdm._id", index: index, required: true) ?? ""
        let timestamp = try Self.string(xdm["timestamp"], path: "xdm.timestamp", index: index, required: true) ?? ""
        let eventType = try Self.string(xdm["eventType"], path: "xdm.eventType", index: index, required: false)
        let identityMap = try Self.object(xdm["identityMap"], path: "xdm.identityMap", index: index, required: true) ?? [:]
        let identities = try Self.identities(in: identityMap, index: index)

        for identity in identities {
            guard namespaces.contains(identity.namespace.lowercased()) else {
                throw .unknownNamespace(identity.namespace, event: index)
            }
        }
        for identity in identities {
            switch identity.namespace.lowercased() {
            case "fpid" where !XDMFormats.isUUIDVersion4(identity.id):
                throw .identityFormat("FPID", expected: "a version 4 UUID (RFC 4122), got `\(identity.id)`", event: index)
            case "ecid" where !XDMFormats.isECID(identity.id):
                throw .identityFormat("ECID", expected: "38 digits, got `\(identity.id)`", event: index)
            default:
                break
            }
        }
        let primaries = identities.filter(\.primary)
        guard primaries.count == 1, let primary = primaries.first else {
            throw .primaryIdentity(found: primaries.count, event: index)
        }

        var errors: [String] = []
        if !XDMFormats.isDateTime(timestamp) {
            errors.append("event `#\(index)`: xdm.timestamp `\(timestamp)` is not a date-time (RFC 3339)")
        }
        for identity in identities {
            if let state = identity.authenticatedState, !XDMFormats.authenticatedStates.contains(state) {
                errors.append(
                    "event `#\(index)`: xdm.identityMap.\(identity.namespace).authenticatedState `\(state)` is not one of \(XDMFormats.authenticatedStates.sorted().joined(separator: ", "))"
                )
            }
        }
        let environment = try Self.object(xdm["environment"], path: "xdm.environment", index: index, required: false)
        if let ip = try Self.string(environment?["ipV4"], path: "xdm.environment.ipV4", index: index, required: false),
           !XDMFormats.isCanonicalIPv4(ip) {
            errors.append("event `#\(index)`: xdm.environment.ipV4 `\(ip)` is not an IPv4 address in canonical form")
        }
        if let ip = try Self.string(environment?["ipV6"], path: "xdm.environment.ipV6", index: index, required: false),
           !XDMFormats.isCanonicalIPv6(ip) {
            errors.append("event `#\(index)`: xdm.environment.ipV6 `\(ip)` is not an IPv6 address in canonical form (RFC 5952)")
        }
        let web = try Self.object(xdm["web"], path: "xdm.web", index: index, required: false)
        let interaction = try Self.object(web?["webInteraction"], path: "xdm.web.webInteraction", index: index, required: false)
        if let type = try Self.string(interaction?["type"], path: "xdm.web.webInteraction.type", index: index, required: false),
           !XDMFormats.linkTypes.contains(type) {
            errors.append(
                "event `#\(index)`: xdm.web.webInteraction.type `\(type)` is not one of \(XDMFormats.linkTypes.sorted().joined(separator: ", "))"
            )
        }
        guard errors.isEmpty else {
            throw .validationFailed(errors, event: index)
        }

        let body: String
        do {
            let bytes = try JSONSerialization.data(withJSONObject: event, options: [.withoutEscapingSlashes])
            body = String(decoding: bytes, as: UTF8.self)
        } catch {
            throw .notJSON("Event `#\(index)` cannot be re-serialised.")
        }
        return ValidatedEvent(
            id: id,
            eventType: eventType,
            timestamp: timestamp,
            identityNamespace: primary.namespace,
            identityID: primary.id,
            body: body
        )
    }

    /// One entry of `identityMap`, its structure checked.
    struct Identity: Equatable {
        var namespace: String
        var id: String
        var authenticatedState: String?
        var primary: Bool
    }

    static func identities(in identityMap: [String: Any], index: Int) throws(EdgeProblem) -> [Identity] {
        var identities: [Identity] = []
        for namespace in identityMap.keys.sorted() {
            let path = "xdm.identityMap.\(namespace)"
            guard let entries = identityMap[namespace] as? [Any] else {
                throw .schemaMismatch(path, expected: "an array of identities", event: index)
            }
            for entry in entries {
                guard let entry = entry as? [String: Any] else {
                    throw .schemaMismatch(path, expected: "an array of objects", event: index)
                }
                guard let id = entry["id"] as? String, !id.isEmpty else {
                    throw .invalidIdentity(namespace, event: index)
                }
                let state = try string(entry["authenticatedState"], path: "\(path).authenticatedState", index: index, required: false)
                var primary = false
                if let flag = entry["primary"] {
                    guard let value = jsonBool(flag) else {
                        throw .schemaMismatch("\(path).primary", expected: "a boolean", event: index)
                    }
                    primary = value
                }
                identities.append(Identity(namespace: namespace, id: id, authenticatedState: state, primary: primary))
            }
        }
        return identities
    }

    /// A JSON `true`/`false`; `nil` for anything else, numbers included (Foundation
    /// hands both out as `NSNumber`, booleans with the `c` type).
    static func jsonBool(_ value: Any) -> Bool? {
        guard let number = value as? NSNumber, String(cString: number.objCType) == "c" else { return nil }
        return number.boolValue
    }

    static func object(_ value: Any?, path: String, index: Int, required: Bool) throws(EdgeProblem) -> [String: Any]? {
        guard let value else {
            if required { throw .missingField(path, event: index) }
            return nil
        }
        guard let object = value as? [String: Any] else {
            throw .schemaMismatch(path, expected: "an object", event: index)
        }
        return object
    }

    /// A string field; an empty string counts as missing when the field is required.
    static func string(_ value: Any?, path: String, index: Int, required: Bool) throws(EdgeProblem) -> String? {
        guard let value else {
            if required { throw .missingField(path, event: index) }
            return nil
        }
        guard let text = value as? String else {
            throw .schemaMismatch(path, expected: "a string", event: index)
        }
        if required, text.isEmpty { throw .missingField(path, event: index) }
        return text
    }
}

import Foundation

/// One event that passed validation, reduced to the columns the dataset keeps.
struct ValidatedEvent: Sendable, Equatable {
    var id: String
    var eventType: String
    var timestamp: String
    var identityNamespace: String
    var identityID: String
    /// The event object re-serialised as JSON text.
    var body: String
}

/// Applies Edge's request rules to a collect body.
///
/// All or nothing: the first invalid event fails the whole request, and its
/// 0-based index goes into the problem so the sender can isolate it.
enum EventValidator {
    static func validate(_ data: Data) throws(EdgeProblem) -> [ValidatedEvent] {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw .invalidJSON("The request body is not valid JSON.")
        }
        guard let object = root as? [String: Any] else {
            throw .invalidJSON("The request body must be a JSON object.")
        }
        guard let events = object["events"] as? [Any], !events.isEmpty else {
            throw .missingField("The events field must be a non-empty array.")
        }
        var validated: [ValidatedEvent] = []
        validated.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            validated.append(try validate(event: event, index: index))
        }
        return validated
    }

    static func validate(event: Any, index: Int) throws(EdgeProblem) -> ValidatedEvent {
        guard let event = event as? [String: Any] else {
            throw .missingField("event #\(index) is not an object.", eventIndex: index)
        }
        guard let xdm = event["xdm"] as? [String: Any] else {
            throw .missingField("event #\(index) has no xdm object.", eventIndex: index)
        }
        guard let id = nonEmptyString(xdm["_id"]) else {
            throw .missingField("event #\(index) has no xdm._id.", eventIndex: index)
        }
        guard let timestamp = nonEmptyString(xdm["timestamp"]) else {
            throw .missingField("event #\(index) has no xdm.timestamp.", eventIndex: index)
        }
        guard let eventType = nonEmptyString(xdm["eventType"]) else {
            throw .missingField("event #\(index) has no xdm.eventType.", eventIndex: index)
        }
        guard let identityMap = xdm["identityMap"] as? [String: Any] else {
            throw .missingField("event #\(index) has no xdm.identityMap.", eventIndex: index)
        }
        guard ISO8601Shape.isValid(timestamp) else {
            throw .invalidField("event #\(index) has an xdm.timestamp that is not ISO-8601: \(timestamp)", eventIndex: index)
        }
        let primary = try primaryIdentity(in: identityMap, index: index)
        let body: String
        do {
            let bytes = try JSONSerialization.data(withJSONObject: event, options: [.withoutEscapingSlashes])
            body = String(decoding: bytes, as: UTF8.self)
        } catch {
            throw .invalidJSON("event #\(index) cannot be re-serialised.")
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

    /// Finds the single primary identity; FPIDs must be UUIDs wherever they appear.
    static func primaryIdentity(
        in identityMap: [String: Any],
        index: Int
    ) throws(EdgeProblem) -> (namespace: String, id: String) {
        var primaries: [(namespace: String, id: String)] = []
        for namespace in identityMap.keys.sorted() {
            guard let entries = identityMap[namespace] as? [Any] else {
                throw .invalidField("event #\(index): identityMap.\(namespace) must be an array.", eventIndex: index)
            }
            for entry in entries {
                guard let entry = entry as? [String: Any], let id = nonEmptyString(entry["id"]) else {
                    throw .missingField("event #\(index): an identityMap.\(namespace) entry has no id.", eventIndex: index)
                }
                if namespace == "FPID", UUID(uuidString: id) == nil {
                    throw .invalidFPID("event #\(index): FPID \(id) is not a UUID.", eventIndex: index)
                }
                if isTrue(entry["primary"]) {
                    primaries.append((namespace, id))
                }
            }
        }
        guard primaries.count == 1, let primary = primaries.first else {
            let found = primaries.isEmpty ? "none" : "\(primaries.count)"
            throw .primaryIdentity(
                "event #\(index): exactly one identity must be primary in xdm.identityMap, found \(found).",
                eventIndex: index
            )
        }
        return primary
    }

    /// `true` or the string `"true"` (Adobe's own example uses the string).
    static func isTrue(_ value: Any?) -> Bool {
        switch value {
        case let flag as Bool: return flag
        case let text as String: return text.lowercased() == "true"
        default: return false
        }
    }

    static func nonEmptyString(_ value: Any?) -> String? {
        guard let text = value as? String, !text.isEmpty else { return nil }
        return text
    }
}

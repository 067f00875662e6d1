/// A coding key for any string, used to see every key a mapping holds.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) { self.stringValue = "\(intValue)"; self.intValue = intValue }
}

/// Thrown for a key that the configuration does not know, so a typo never passes silently.
struct UnknownKeyError: Error {
    var codingPath: [any CodingKey]
    var key: String
    var allowed: [String]
}

extension Decoder {
    /// Fails on any key of this mapping that `Keys` does not name.
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let container = try container(keyedBy: AnyCodingKey.self)
        let allowed = Keys.allCases.map(\.stringValue)
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            throw UnknownKeyError(codingPath: codingPath, key: key.stringValue, allowed: allowed)
        }
    }
}

/// Decodes a string that must be one of a fixed set of words, listing them when it is not.
public protocol ConfigurationWord: RawRepresentable, CaseIterable, Decodable, Sendable where RawValue == String {}

extension ConfigurationWord {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: text) else {
            let words = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "unknown value '\(text)'; expected one of: \(words)"))
        }
        self = value
    }
}

/// A list that may also be written as a single value (`method: GET` or `method: [GET, HEAD]`).
struct OneOrMany<Element: Decodable & Sendable>: Decodable, Sendable {
    var values: [Element]

    init(_ values: [Element]) { self.values = values }

    init(from decoder: any Decoder) throws {
        if let many = try? decoder.singleValueContainer().decode([Element].self) {
            values = many
        } else {
            values = [try decoder.singleValueContainer().decode(Element.self)]
        }
    }
}

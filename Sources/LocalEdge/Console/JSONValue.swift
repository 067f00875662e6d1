/// Any JSON value, so the console can pass an event's pipeline data through as it was
/// stored, whatever its shape, while the rest of its answers stay `Codable`.
indirect enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// Leaf values as `path=value` pairs in key order, for one-line display.
    func flattened(prefix: String = "") -> [(String, String)] {
        switch self {
        case .object(let members):
            return members.keys.sorted().flatMap { key in
                members[key].map { $0.flattened(prefix: prefix.isEmpty ? key : "\(prefix).\(key)") } ?? []
            }
        case .array(let items):
            return items.enumerated().flatMap { $0.element.flattened(prefix: "\(prefix)[\($0.offset)]") }
        case .null: return [(prefix, "null")]
        case .bool(let value): return [(prefix, String(value))]
        case .integer(let value): return [(prefix, String(value))]
        case .number(let value): return [(prefix, String(value))]
        case .string(let value): return [(prefix, value)]
        }
    }
}

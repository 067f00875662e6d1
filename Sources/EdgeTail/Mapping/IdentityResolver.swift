import Crypto

/// Resolves the visitor's primary identity by walking the pipeline's identity chain.
///
/// A `field` rule takes a value from the line (an FPID must be UUID-shaped, as the
/// Edge Network requires, or the rule yields nothing). A `derive` rule computes
/// HMAC-SHA256(salt, inputs) and shapes it as a UUIDv4, stable for the same inputs.
/// Derived values are cached, since one visitor's lines repeat the same inputs.
public struct IdentityResolver {
    public enum Rule: Sendable {
        case field(FieldReference, namespace: String, state: String, requireUUID: Bool)
        case derive([FieldReference], salt: [UInt8], namespace: String, state: String, daily: Bool = false)
    }

    public struct Identity {
        public var namespace: String
        public var state: String
        /// The identity's value in `resolver.value`.
        public var hash: UInt64
    }

    public let rules: [Rule]
    public let extractor: FieldExtractor
    /// The last resolved value.
    public private(set) var value: [UInt8] = []
    private var scratch: [UInt8] = []
    /// Derived values with their hash, by a 128-bit hash of the rule's inputs.
    private var cache: [DerivedKey: (value: [UInt8], hash: UInt64)] = [:]
    private let cacheLimit = 100_000

    struct DerivedKey: Hashable {
        var rule: Int
        var first: UInt64
        var second: UInt64
    }

    public init(rules: [Rule], extractor: FieldExtractor) {
        self.rules = rules
        self.extractor = extractor
        value.reserveCapacity(64)
        scratch.reserveCapacity(512)
    }

    public mutating func resolve(_ buffer: UnsafeBufferPointer<UInt8>, _ record: AccessLogRecord) -> Identity? {
        for index in rules.indices {
            switch rules[index] {
            case .field(let field, let namespace, let state, let requireUUID):
                value.removeAll(keepingCapacity: true)
                guard extractor.append(field, buffer, record, to: &value), !value.isEmpty else { continue }
                if requireUUID && !value.withUnsafeBufferPointer(UUIDText.isUUID) { continue }
                return Identity(namespace: namespace, state: state, hash: FastHash.hash(value))
            case .derive(let fields, let salt, let namespace, let state, let daily):
                scratch.removeAll(keepingCapacity: true)
                if daily {
                    // The UTC day of the line enters the HMAC: a new identity each day.
                    let day = UInt32(truncatingIfNeeded: record.time.epochSeconds >= 0 ? record.time.epochSeconds / 86_400 : 0)
                    scratch.append(contentsOf: [0xFF, UInt8(day >> 24), UInt8(truncatingIfNeeded: day >> 16),
                                                UInt8(truncatingIfNeeded: day >> 8), UInt8(truncatingIfNeeded: day)])
                }
                var anyValue = false
                for field in fields {
                    let lengthAt = scratch.count
                    scratch.append(contentsOf: repeatElement(0, count: 4))
                    if extractor.append(field, buffer, record, to: &scratch) { anyValue = true }
                    let length = UInt32(scratch.count - lengthAt - 4)
                    scratch[lengthAt] = UInt8(truncatingIfNeeded: length >> 24)
                    scratch[lengthAt + 1] = UInt8(truncatingIfNeeded: length >> 16)
                    scratch[lengthAt + 2] = UInt8(truncatingIfNeeded: length >> 8)
                    scratch[lengthAt + 3] = UInt8(truncatingIfNeeded: length)
                }
                guard anyValue else { continue }
                let (first, second) = scratch.withUnsafeBufferPointer(FastHash.pair)
                let cacheKey = DerivedKey(rule: index, first: first, second: second)
                let hash: UInt64
                if let cached = cache[cacheKey] {
                    value = cached.value
                    hash = cached.hash
                } else {
                    value = Self.derive(scratch, key: SymmetricKey(data: salt))
                    hash = FastHash.hash(value)
                    if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
                    cache[cacheKey] = (value, hash)
                }
                return Identity(namespace: namespace, state: state, hash: hash)
            }
        }
        return nil
    }

    /// HMAC-SHA256(key, input) as UUIDv4 text.
    public static func derive(_ input: [UInt8], key: SymmetricKey) -> [UInt8] {
        let mac = HMAC<SHA256>.authenticationCode(for: input, using: key)
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in mac.prefix(16).enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        var text: [UInt8] = []
        text.reserveCapacity(36)
        UUIDText.appendVersion4(high: high, low: low, to: &text)
        return text
    }
}

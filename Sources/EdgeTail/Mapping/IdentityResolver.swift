import Crypto

/// Resolves the visitor's primary identity by walking the pipeline's identity chain.
///
/// A `field` rule takes a value from the line; a value not in its namespace's format
/// (an FPID that is not a UUIDv4, an ECID that is not 38 digits) is never sent: the rule
/// yields nothing, the next rule is tried, and the value is counted. A `derive` rule computes
/// HMAC-SHA256(salt, inputs) and shapes it as a UUIDv4, stable for the same inputs.
/// Derived values are cached (`DerivedIdentityCache`, bounded), since one visitor's
/// lines repeat the same inputs.
public struct IdentityResolver {
    public enum Rule: Sendable {
        case field(FieldReference, namespace: String, state: String, format: IdentityFormat)
        case derive([FieldReference], salt: [UInt8], namespace: String, state: String, daily: Bool = false)
    }

    public struct Identity {
        public var namespace: String
        public var state: String
        /// The hash of the identity's value.
        public var hash: UInt64
        /// A derived identity: the UUID's 128 bits, which the mapper writes as text
        /// itself. Nil for a value taken from the line, which is in `resolver.value`.
        var derived: DerivedIdentityCache.Derived?
    }

    public let rules: [Rule]
    public let extractor: FieldExtractor
    /// The last value taken from the line (a derived identity is `Identity.derived`).
    public private(set) var value: [UInt8] = []
    /// Per rule, the values that were left out for not being in their namespace's format.
    public private(set) var invalidValues: [Int]
    private var scratch: [UInt8] = []
    /// Derived values by a 128-bit hash of the rule and its inputs.
    private var cache = DerivedIdentityCache()
    /// The rules as `resolve` walks them, one reference each.
    private let steps: [Step]

    /// A rule behind one reference: switching over `Rule` copied its payload (the field
    /// list, the salt, two strings) with a retain and a release each, on every line.
    private final class Step {
        let namespace: String
        let state: String
        /// A `field` rule's field and format; nil for a `derive` rule.
        let field: (FieldReference, IdentityFormat)?
        /// A `derive` rule's fields.
        let fields: [FieldReference]
        let daily: Bool
        /// A `derive` rule's HMAC, keyed with its salt once: each derivation copies it
        /// instead of hashing the padded key again.
        let keyedHMAC: HMAC<SHA256>?

        init(_ rule: Rule) {
            switch rule {
            case .field(let field, let namespace, let state, let format):
                (self.namespace, self.state, self.field, fields, daily, keyedHMAC) = (namespace, state, (field, format), [], false, nil)
            case .derive(let fields, let salt, let namespace, let state, let daily):
                (self.namespace, self.state, field, self.fields, self.daily) = (namespace, state, nil, fields, daily)
                keyedHMAC = HMAC<SHA256>(key: SymmetricKey(data: salt))
            }
        }
    }

    public init(rules: [Rule], extractor: FieldExtractor) {
        self.rules = rules
        self.extractor = extractor
        invalidValues = [Int](repeating: 0, count: rules.count)
        steps = rules.map(Step.init)
        value.reserveCapacity(64)
        scratch.reserveCapacity(512)
    }

    public mutating func resolve(_ buffer: UnsafeBufferPointer<UInt8>, _ record: AccessLogRecord) -> Identity? {
        for index in steps.indices {
            let step = steps[index]
            if let (field, format) = step.field {
                value.removeAll(keepingCapacity: true)
                guard extractor.append(field, buffer, record, to: &value), !value.isEmpty else { continue }
                if format != .any && !value.withUnsafeBufferPointer(format.accepts) {
                    invalidValues[index] += 1
                    continue
                }
                return Identity(namespace: step.namespace, state: step.state, hash: FastHash.hash(value))
            } else {
                let fields = step.fields
                // The UTC day of the line enters the HMAC: a new identity each day.
                let day = step.daily ? UInt32(truncatingIfNeeded: record.time.epochSeconds >= 0 ? record.time.epochSeconds / 86_400 : 0) : nil
                // The cache key is hashed from the fields where they lie in the line when
                // they are plain slices of it; the HMAC's input is built only on a miss.
                let cacheKey: DerivedIdentityCache.Key
                var inputBuilt = false
                if let key = plainCacheKey(fields, rule: index, day: day, buffer, record) {
                    guard let key else { continue }
                    cacheKey = key
                } else {
                    guard buildInput(fields, day: day, buffer, record) else { continue }
                    inputBuilt = true
                    let (first, second) = scratch.withUnsafeBufferPointer(FastHash.pair)
                    cacheKey = DerivedIdentityCache.Key(first: first ^ FastHash.mix(UInt64(index)), second: second)
                }
                let derived: DerivedIdentityCache.Derived
                if let cached = cache.value(for: cacheKey) {
                    derived = cached
                } else {
                    if !inputBuilt { _ = buildInput(fields, day: day, buffer, record) }
                    guard var hmac = step.keyedHMAC else { continue }
                    hmac.update(data: scratch)
                    derived = Self.derived(from: hmac.finalize())
                    cache.insert(derived, for: cacheKey)
                }
                return Identity(namespace: step.namespace, state: step.state, hash: derived.textHash, derived: derived)
            }
        }
        return nil
    }

    /// The HMAC's input in `scratch`: the day when `daily`, then each field's value
    /// after its 32-bit length. False when no field has a value.
    private mutating func buildInput(_ fields: [FieldReference], day: UInt32?, _ buffer: UnsafeBufferPointer<UInt8>, _ record: AccessLogRecord) -> Bool {
        scratch.removeAll(keepingCapacity: true)
        if let day {
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
        return anyValue
    }

    /// The cache key of a `derive` rule whose fields' values each come from one slice
    /// of the line (`FieldExtractor.valueSlice`: the client address, the user agent as
    /// logged, the path …), hashed from the slices as they lie: `.some(nil)` when none
    /// has a value, nil when a field's value is built otherwise (then the input is built
    /// and hashed). The slices decide the HMAC's input, so equal keys mean equal inputs;
    /// two spellings of one value only take two entries. The seed keeps these keys apart
    /// from those hashed from built inputs; an absent field enters as a fixed pair.
    private func plainCacheKey(_ fields: [FieldReference], rule: Int, day: UInt32?, _ buffer: UnsafeBufferPointer<UInt8>, _ record: AccessLogRecord) -> DerivedIdentityCache.Key?? {
        var first = FastHash.mix(UInt64(rule) ^ 0x5EED_0F_D1AC_7000) ^ UInt64(day ?? 0xFFFF_FFFF)
        var second = FastHash.mix(first ^ 0x9E37_79B9_7F4A_7C15)
        var anyValue = false
        for field in fields {
            guard let slice = extractor.valueSlice(of: field, buffer, record) else { return nil }
            let (a, b): (UInt64, UInt64)
            if let range = slice {
                anyValue = true
                (a, b) = FastHash.pair(UnsafeBufferPointer(rebasing: buffer[range.start..<range.end]))
            } else {
                (a, b) = (0xA65E_17, 0xA65E_17)
            }
            first = FastHash.mix(first ^ a)
            second = FastHash.mix(second &+ b)
        }
        guard anyValue else { return .some(nil) }
        return DerivedIdentityCache.Key(first: first, second: second)
    }

    /// Adds the values left out since the last call to `counts`, by namespace, and starts again.
    public mutating func takeInvalidValues(into counts: inout [String: Int]) {
        for index in invalidValues.indices where invalidValues[index] > 0 {
            switch rules[index] {
            case .field(_, let namespace, _, _), .derive(_, _, let namespace, _, _):
                counts[namespace, default: 0] += invalidValues[index]
            }
            invalidValues[index] = 0
        }
    }

    /// HMAC-SHA256(key, input) as UUIDv4 text.
    public static func derive(_ input: [UInt8], key: SymmetricKey) -> [UInt8] {
        let mac = derived(input, key: key)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        UUIDText.appendVersion4(high: mac.high, low: mac.low, to: &text)
        return text
    }

    /// The first 128 bits of HMAC-SHA256(key, input), which the UUID is made of.
    static func derived(_ input: [UInt8], key: SymmetricKey) -> DerivedIdentityCache.Derived {
        derived(from: HMAC<SHA256>.authenticationCode(for: input, using: key))
    }

    private static func derived(from mac: HMAC<SHA256>.MAC) -> DerivedIdentityCache.Derived {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in mac.prefix(16).enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        return DerivedIdentityCache.Derived(high: high, low: low)
    }
}

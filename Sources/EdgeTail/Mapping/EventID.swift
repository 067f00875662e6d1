import Crypto

/// Derives an event's `_id` from where its line was read, so a line read again
/// after a crash carries the same `_id` and downstream deduplication removes it.
///
/// The source's key (pipeline name and source identity) is hashed with SHA-256 once;
/// each line then mixes its byte offset through a bijection, so two lines of one
/// source never share an `_id`.
public struct EventID: Sendable {
    let high: UInt64
    let low: UInt64

    public init(pipeline: String, source: String) {
        let digest = SHA256.hash(data: Array((pipeline + "\u{0}" + source).utf8))
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in digest.prefix(16).enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.high = high
        self.low = low
    }

    public func append(offset: UInt64, to out: inout [UInt8]) {
        UUIDText.appendVersion4(high: FastHash.mix(high ^ offset), low: FastHash.mix(low ^ offset), to: &out)
    }

    /// The `_id` of the line at `offset`, written to `out`.
    public func write(offset: UInt64, to out: inout JSONWriter) {
        out.uuidVersion4(high: FastHash.mix(high ^ offset), low: FastHash.mix(low ^ offset))
    }

    public func string(offset: UInt64) -> String {
        var bytes: [UInt8] = []
        append(offset: offset, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

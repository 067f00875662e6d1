/// One event as it is written to a buffer segment:
///
///     u32 LE  payload length
///     u32 LE  CRC-32C of the payload
///     payload: u8 version (1), f64 LE written-at (seconds since 1970),
///              u64 LE identity hash, u8 namespace length, namespace, event JSON
///
/// The length prefix lets a reader step from record to record; the checksum tells a
/// record torn by a crash (or scribbled on) from a whole one.
struct BufferRecord: Sendable, Equatable {
    var writtenAt: Double
    var identityHash: UInt64
    var namespace: String
    var json: [UInt8]

    static let headerBytes = 8
    static let version: UInt8 = 1
    /// Payload bytes besides the namespace and JSON.
    static let fixedPayloadBytes = 1 + 8 + 8 + 1
    /// No event comes near this; a larger length can only be a damaged header.
    static let maxPayloadBytes = 16 << 20

    /// Bytes this record takes in a segment.
    static func encodedSize(namespaceBytes: Int, jsonBytes: Int) -> Int {
        headerBytes + fixedPayloadBytes + namespaceBytes + jsonBytes
    }

    /// Appends the record for one event to `output`.
    static func append(writtenAt: Double, identityHash: UInt64, namespace: String, json: ArraySlice<UInt8>,
                       to output: inout [UInt8]) {
        var namespaceBytes = Array(namespace.utf8)
        if namespaceBytes.count > 255 { namespaceBytes.removeLast(namespaceBytes.count - 255) }
        let payloadLength = fixedPayloadBytes + namespaceBytes.count + json.count
        let start = output.count
        appendInteger(UInt32(payloadLength), to: &output)
        appendInteger(UInt32(0), to: &output)
        output.append(version)
        appendInteger(writtenAt.bitPattern, to: &output)
        appendInteger(identityHash, to: &output)
        output.append(UInt8(namespaceBytes.count))
        output.append(contentsOf: namespaceBytes)
        output.append(contentsOf: json)
        let crc = output.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(start + headerBytes)...])) }
        withUnsafeBytes(of: crc.littleEndian) { crcBytes in
            for index in 0..<4 { output[start + 4 + index] = crcBytes[index] }
        }
    }

    enum DecodeResult {
        /// A whole record and the bytes it took.
        case record(BufferRecord, size: Int)
        /// The bytes end before the record does: more may come, or the write was torn.
        case incomplete
        /// The header or the checksum is wrong.
        case damaged(String)
    }

    /// Decodes the record at the start of `bytes`.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> DecodeResult {
        guard bytes.count >= headerBytes else { return .incomplete }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
        let expectedCRC = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        guard length >= fixedPayloadBytes, length <= maxPayloadBytes else { return .damaged("impossible record length \(length)") }
        guard bytes.count >= headerBytes + length else { return .incomplete }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[headerBytes..<(headerBytes + length)])
        guard CRC32C.checksum(payload) == expectedCRC else { return .damaged("checksum mismatch") }
        guard payload[0] == version else { return .damaged("unknown record version \(payload[0])") }
        let writtenAt = Double(bitPattern: UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: 1, as: UInt64.self)))
        let identityHash = UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: 9, as: UInt64.self))
        let namespaceLength = Int(payload[17])
        guard fixedPayloadBytes + namespaceLength <= length else { return .damaged("namespace longer than the record") }
        let namespace = String(decoding: payload[18..<(18 + namespaceLength)], as: UTF8.self)
        let json = Array(payload[(18 + namespaceLength)...])
        return .record(BufferRecord(writtenAt: writtenAt, identityHash: identityHash, namespace: namespace, json: json),
                       size: headerBytes + length)
    }

    private static func appendInteger<T: FixedWidthInteger>(_ value: T, to output: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { output.append(contentsOf: $0) }
    }
}

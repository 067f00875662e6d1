/// Where the fields of a self-describing line go: to their slot in the record when
/// their name has a role, else to `record.named` for `{var.NAME}`.
struct NamedFieldSink {
    let roles: FieldRoles
    var sawTime = false

    @inline(__always)
    mutating func put(name: UnsafeBufferPointer<UInt8>, value: ByteRange, _ buffer: UnsafeBufferPointer<UInt8>,
                      into record: inout AccessLogRecord) throws(LineParseError) {
        if let slot = roles.slot(named: name) {
            try slot.assign(value, name: String(decoding: name, as: UTF8.self), buffer, &record, sawTime: &sawTime)
        } else {
            record.named.append(AccessLogRecord.NamedField(name: Array(name), range: value))
        }
    }
}

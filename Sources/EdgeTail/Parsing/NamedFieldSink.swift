/// Where the fields of a self-describing line go: to their slot in the record when
/// their name has a role, else to `record.named` for `{var.NAME}`.
struct NamedFieldSink {
    let roles: FieldRoles
    var sawTime = false

    @inline(__always)
    mutating func put(name: UnsafeBufferPointer<UInt8>, value: ByteRange, _ buffer: UnsafeBufferPointer<UInt8>,
                      into record: inout AccessLogRecord) throws(LineParseError) {
        if let entry = roles.entry(named: name) {
            if let plain = roles.entries[entry].plain {
                guard plain.assign(value, buffer, &record, sawTime: &sawTime) else { throw .malformedField(String(decoding: name, as: UTF8.self)) }
            } else {
                try roles.entries[entry].slot.assign(value, name: String(decoding: name, as: UTF8.self), buffer, &record, sawTime: &sawTime)
            }
        } else {
            record.named.append(AccessLogRecord.NamedField(name: Array(name), range: value))
        }
    }
}

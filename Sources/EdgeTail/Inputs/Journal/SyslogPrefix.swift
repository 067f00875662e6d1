/// Finds where the message starts in a line that still carries a syslog header.
///
/// journald removes the header of what it receives on `/dev/log`, but messages that
/// reach the journal otherwise (forwarded, imported, written by a relay) may keep it:
/// `<190>Nov 27 04:20:26 web1 nginx[812]: 203.0.113.9 - - [27/Nov/…] "GET / …"`.
/// Recognised: an optional `<PRI>`, then either an RFC 5424 header (`1 TIMESTAMP HOST
/// APP PROCID MSGID SD`) or an optional RFC 3164 timestamp (`Mmm dd hh:mm:ss`),
/// an optional host, and a `tag:` or `tag[pid]:`. A line without a recognisable
/// header is left whole, so an access line is never cut.
public enum SyslogPrefix {
    /// The index in `buffer` where the message of `line` starts.
    public static func messageStart(_ buffer: UnsafeBufferPointer<UInt8>, _ line: ByteRange) -> Int {
        var cursor = line.start
        let end = line.end
        var sawHeader = false
        if cursor < end && buffer[cursor] == UInt8(ascii: "<") {
            var index = cursor + 1
            while index < end && index - cursor <= 4 && isDigit(buffer[index]) { index += 1 }
            if index > cursor + 1 && index < end && buffer[index] == UInt8(ascii: ">") {
                cursor = index + 1
                sawHeader = true
                if cursor + 1 < end && buffer[cursor] == UInt8(ascii: "1") && buffer[cursor + 1] == UInt8(ascii: " ") {
                    return rfc5424MessageStart(buffer, from: cursor + 2, end: end) ?? line.start
                }
            }
        }
        if let afterTime = rfc3164TimeEnd(buffer, from: cursor, end: end) {
            cursor = afterTime
            sawHeader = true
        }
        guard sawHeader else { return line.start }
        // [host] tag[pid]: — a tag is a token ending in ':' (after an optional [pid]).
        for _ in 0..<2 {
            let tokenStart = cursor
            while cursor < end && buffer[cursor] != UInt8(ascii: " ") { cursor += 1 }
            if cursor > tokenStart && buffer[cursor - 1] == UInt8(ascii: ":") {
                return cursor < end ? cursor + 1 : cursor
            }
            guard cursor < end else { break }
            cursor += 1
        }
        return line.start
    }

    /// After `VERSION `: TIMESTAMP HOST APP PROCID MSGID, then SD (`-` or `[…]…`), then the message.
    private static func rfc5424MessageStart(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) -> Int? {
        var cursor = start
        for _ in 0..<5 {
            while cursor < end && buffer[cursor] != UInt8(ascii: " ") { cursor += 1 }
            guard cursor < end else { return nil }
            cursor += 1
        }
        guard cursor < end else { return nil }
        if buffer[cursor] == UInt8(ascii: "-") {
            cursor += 1
        } else {
            while cursor < end && buffer[cursor] == UInt8(ascii: "[") {
                while cursor < end && buffer[cursor] != UInt8(ascii: "]") {
                    if buffer[cursor] == UInt8(ascii: "\\") { cursor += 1 }
                    cursor += 1
                }
                guard cursor < end else { return nil }
                cursor += 1
            }
        }
        if cursor < end && buffer[cursor] == UInt8(ascii: " ") { cursor += 1 }
        return cursor
    }

    /// The index after `Mmm dd hh:mm:ss ` (day may be space-padded), or nil.
    private static func rfc3164TimeEnd(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) -> Int? {
        guard end - start >= 16 else { return nil }
        let month = (buffer[start], buffer[start + 1], buffer[start + 2])
        guard isUpper(month.0), isLower(month.1), isLower(month.2), buffer[start + 3] == UInt8(ascii: " "),
              buffer[start + 4] == UInt8(ascii: " ") || isDigit(buffer[start + 4]), isDigit(buffer[start + 5]),
              buffer[start + 6] == UInt8(ascii: " "),
              isDigit(buffer[start + 7]), isDigit(buffer[start + 8]), buffer[start + 9] == UInt8(ascii: ":"),
              isDigit(buffer[start + 10]), isDigit(buffer[start + 11]), buffer[start + 12] == UInt8(ascii: ":"),
              isDigit(buffer[start + 13]), isDigit(buffer[start + 14]), buffer[start + 15] == UInt8(ascii: " ")
        else { return nil }
        return start + 16
    }

    @inline(__always) private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
    @inline(__always) private static func isUpper(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "A") < 26 }
    @inline(__always) private static func isLower(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "a") < 26 }
}

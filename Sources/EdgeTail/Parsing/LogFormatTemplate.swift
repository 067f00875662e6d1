/// A web server's own log format, compiled: literal text between variables.
///
/// `format: nginx` takes an nginx `log_format` (`$remote_addr - $remote_user
/// [$time_local] "$request" …`); `format: apache` takes an Apache `LogFormat`
/// (`%h %l %u %t "%r" %>s %b …`). Both become the same list of segments, which
/// `LogFormatParser` scans over bytes without a regular expression.
public struct LogFormatTemplate: Sendable, Equatable {
    /// Where a variable's value goes in the record.
    public enum Slot: Sendable, Equatable {
        case client, ident, user
        /// `[10/Oct/2000:13:55:36 -0700]` without the brackets (nginx `$time_local`).
        case timeLocal
        /// The same with its brackets (Apache `%t`).
        case timeBracketed
        case timeISO8601
        /// Seconds since the epoch with milliseconds (`$msec`).
        case timeEpoch
        /// As `time_format` and `timezone` say (json, logfmt, regex).
        case time(TimeParsing)
        case request, method, target, path
        /// The query string without `?` (`$args`), or with it (`%q`).
        case query, queryWithMark
        case protocolName, status, bytes, referer, userAgent, host, cookieHeader
        /// Any other variable, available as `{var.NAME}`.
        case named([UInt8])
    }

    public enum Segment: Sendable, Equatable {
        case literal([UInt8])
        case variable(Slot, name: String)
    }

    public let segments: [Segment]
    public let source: String

    public struct SyntaxError: Error, Sendable, CustomStringConvertible, Equatable {
        public var message: String
        public var description: String { message }
    }

    /// An nginx `log_format`; `escape=` prefixes are ignored (the values are unescaped either way).
    public static func nginx(_ format: String) throws(SyntaxError) -> LogFormatTemplate {
        var text = Substring(format)
        for prefix in ["escape=default ", "escape=json ", "escape=none "] where text.hasPrefix(prefix) {
            text = text.dropFirst(prefix.count)
        }
        var segments: [Segment] = []
        var literal: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let first = bytes.first {
            guard first == UInt8(ascii: "$") else {
                literal.append(first)
                bytes = bytes.dropFirst()
                continue
            }
            bytes = bytes.dropFirst()
            var name: [UInt8]
            if bytes.first == UInt8(ascii: "{") {
                guard let close = bytes.firstIndex(of: UInt8(ascii: "}")) else {
                    throw SyntaxError(message: "unclosed '${' in log_format")
                }
                name = Array(bytes[bytes.index(after: bytes.startIndex)..<close])
                bytes = bytes[bytes.index(after: close)...]
            } else {
                name = Array(bytes.prefix { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F })
                bytes = bytes.dropFirst(name.count)
            }
            guard !name.isEmpty else { throw SyntaxError(message: "'$' without a variable name in log_format") }
            // nginx's own variables are known in lower case; any other keeps its case as
            // written (`$cookie_FPID` is `var.cookie_FPID` and `cookie.FPID`).
            let written = String(decoding: name, as: UTF8.self)
            var slot = nginxSlot(written.lowercased())
            if case .named = slot { slot = .named(name) }
            try append(.variable(slot, name: written), &segments, &literal)
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        return try LogFormatTemplate(segments: segments, source: format)
    }

    static func nginxSlot(_ name: String) -> Slot {
        switch name {
        case "remote_addr", "realip_remote_addr", "binary_remote_addr": .client
        case "remote_user": .user
        case "time_local": .timeLocal
        case "time_iso8601": .timeISO8601
        case "msec": .timeEpoch
        case "request": .request
        case "request_method": .method
        case "request_uri": .target
        case "uri", "document_uri": .path
        case "args", "query_string": .query
        case "server_protocol": .protocolName
        case "status": .status
        case "body_bytes_sent", "bytes_sent": .bytes
        case "http_referer": .referer
        case "http_user_agent": .userAgent
        case "host", "server_name", "http_host": .host
        case "http_cookie": .cookieHeader
        default: .named(Array(name.utf8))
        }
    }

    /// An Apache `LogFormat` string.
    public static func apache(_ format: String) throws(SyntaxError) -> LogFormatTemplate {
        var segments: [Segment] = []
        var literal: [UInt8] = []
        var bytes = Array(format.utf8)[...]
        while let first = bytes.first {
            bytes = bytes.dropFirst()
            if first == UInt8(ascii: "\\"), let next = bytes.first {
                // `\"` in a LogFormat written inside a quoted config string.
                literal.append(next == UInt8(ascii: "n") ? 0x0A : next == UInt8(ascii: "t") ? 0x09 : next)
                bytes = bytes.dropFirst()
                continue
            }
            guard first == UInt8(ascii: "%") else {
                literal.append(first)
                continue
            }
            // %[<>][status list]{argument}X
            var argument: String?
            while let modifier = bytes.first, modifier == UInt8(ascii: "<") || modifier == UInt8(ascii: ">") || modifier == UInt8(ascii: "!") || modifier == UInt8(ascii: ",") || (modifier >= 0x30 && modifier <= 0x39) {
                bytes = bytes.dropFirst()
            }
            if bytes.first == UInt8(ascii: "{") {
                guard let close = bytes.firstIndex(of: UInt8(ascii: "}")) else {
                    throw SyntaxError(message: "unclosed '%{' in LogFormat")
                }
                argument = String(decoding: bytes[bytes.index(after: bytes.startIndex)..<close], as: UTF8.self)
                bytes = bytes[bytes.index(after: close)...]
            }
            guard let directive = bytes.first else { throw SyntaxError(message: "'%' at the end of LogFormat") }
            bytes = bytes.dropFirst()
            let letter = Character(UnicodeScalar(directive))
            if letter == "%" {
                literal.append(UInt8(ascii: "%"))
                continue
            }
            let slot = try apacheSlot(letter, argument: argument)
            try append(.variable(slot, name: argument.map { "%{\($0)}\(letter)" } ?? "%\(letter)"), &segments, &literal)
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        return try LogFormatTemplate(segments: segments, source: format)
    }

    static func apacheSlot(_ letter: Character, argument: String?) throws(SyntaxError) -> Slot {
        switch letter {
        case "h", "a": return .client
        case "l": return .ident
        case "u": return .user
        case "t":
            guard let argument else { return .timeBracketed }
            if argument == "%Y-%m-%dT%H:%M:%S%z" || argument.hasPrefix("%FT%T") { return .timeISO8601 }
            if argument == "msec" || argument == "sec" { return .timeEpoch }
            return .named(Array("t:\(argument)".utf8))
        case "r": return .request
        case "m": return .method
        case "U": return .path
        case "q": return .queryWithMark
        case "H": return .protocolName
        case "s": return .status
        case "b", "B", "O": return .bytes
        case "v", "V": return .host
        case "i":
            switch argument?.lowercased() {
            case "referer": return .referer
            case "user-agent": return .userAgent
            case "cookie": return .cookieHeader
            case "host": return .host
            case let header?: return .named(Array("http_\(header.replacingOccurrences(of: "-", with: "_"))".utf8))
            case nil: throw SyntaxError(message: "%i needs a header name: %{Header}i")
            }
        case "C":
            guard let argument else { throw SyntaxError(message: "%C needs a cookie name: %{NAME}C") }
            return .named(Array("cookie_\(argument)".utf8))
        case "e", "n", "o", "x", "X", "I", "D", "T", "p", "P", "k", "R", "L", "f", "A", "M":
            return .named(Array((argument.map { "\(letter):\($0)" } ?? String(letter)).utf8))
        default:
            throw SyntaxError(message: "unknown LogFormat directive '%\(letter)'")
        }
    }

    private static func append(_ segment: Segment, _ segments: inout [Segment], _ literal: inout [UInt8]) throws(SyntaxError) {
        if !literal.isEmpty {
            segments.append(.literal(literal))
            literal = []
        } else if case .variable(_, let name)? = segments.last, case .variable(_, let next) = segment {
            throw SyntaxError(message: "variables '\(name)' and '\(next)' follow each other without text between them, so they cannot be told apart")
        }
        segments.append(segment)
    }

    init(segments: [Segment], source: String) throws(SyntaxError) {
        guard segments.contains(where: { if case .variable = $0 { true } else { false } }) else {
            throw SyntaxError(message: "the format has no variables")
        }
        self.segments = segments
        self.source = source
    }

    /// nginx's predefined `combined` format, the default of `format: nginx`.
    public static let nginxCombined = #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#
    /// Apache's `combined` LogFormat, the default of `format: apache`.
    public static let apacheCombined = #"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\""#
}

import Foundation
import Testing
@testable import EdgeTail

/// Every nginx variable and Apache directive, written with generated values (seeded,
/// 100 per directive) and parsed back: the value lands where its directive says.
@Suite struct LogFormatDirectivePropertyTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(bound))
        }
        mutating func text(_ alphabet: String, _ range: ClosedRange<Int>) -> String {
            let characters = Array(alphabet)
            return String((0..<(range.lowerBound + next(range.count))).map { _ in characters[next(characters.count)] })
        }
    }

    static let printable = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ;:,./()=+-_~!*'@#$&[]{}?<>|^"
    static let token = "abcdefghijklmnopqrstuvwxyz0123456789-_."

    /// A value for `slot` as the server writes it, and what the record must then hold.
    enum Expected: Equatable {
        case text(String)
        case number(Int)
        case time(Int64)
    }

    static func value(for slot: LogFormatTemplate.Slot, _ generator: inout Generator) -> (written: String, expected: Expected, field: String) {
        switch slot {
        case .client:
            let v4 = "\(generator.next(256)).\(generator.next(256)).\(generator.next(256)).\(generator.next(256))"
            let v6 = String(format: "2001:db8:%x::%x", generator.next(65536), generator.next(65536))
            let address = generator.next(2) == 0 ? v4 : v6
            return (address, .text(address), "client")
        case .ident, .user:
            let name = generator.next(5) == 0 ? "-" : generator.text(token, 1...12)
            return (name, .text(name), slot == .ident ? "ident" : "user")
        case .referer, .userAgent, .cookieHeader:
            let text = generator.text(printable, 1...60)
            return (text, .text(text), "\(slot)")
        case .host:
            let host = generator.text(token, 1...20) + ".example"
            return (host, .text(host), "host")
        case .protocolName:
            let value = ["HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "HTTP/3.0"][generator.next(4)]
            return (value, .text(value), "protocol")
        case .method:
            let value = ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"][generator.next(7)]
            return (value, .text(value), "method")
        case .path:
            let value = "/" + generator.text(token + "/", 0...30)
            return (value, .text(value), "path")
        case .query:
            let value = generator.text(token, 1...8) + "=" + generator.text(token, 0...8)
            return (value, .text(value), "query")
        case .queryWithMark:
            let value = generator.text(token, 1...8) + "=" + generator.text(token, 0...8)
            return ("?" + value, .text(value), "query")
        case .target:
            let path = "/" + generator.text(token + "/", 0...20)
            let target = generator.next(2) == 0 ? path : path + "?" + generator.text(token, 1...6) + "=" + generator.text(token, 1...6)
            return (target, .text(target), "target")
        case .request:
            let method = ["GET", "POST", "HEAD"][generator.next(3)]
            let target = "/" + generator.text(token + "/", 0...20)
            return ("\(method) \(target) HTTP/1.1", .text(method + " " + target), "request")
        case .status:
            let status = 100 + generator.next(500)
            return ("\(status)", .number(status), "status")
        case .bytes:
            if generator.next(6) == 0 { return ("-", .number(0), "bytes") }
            let bytes = generator.next(1_000_000_000)
            return ("\(bytes)", .number(bytes), "bytes")
        case .timeLocal, .timeBracketed, .timeISO8601, .timeEpoch:
            let epoch = Int64(946_684_800 + generator.next(1_500_000_000))
            let offset = (generator.next(49) - 24) * 1800
            let date = Date(timeIntervalSince1970: TimeInterval(epoch))
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(secondsFromGMT: offset)
            switch slot {
            case .timeISO8601:
                formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
                return (formatter.string(from: date), .time(epoch), "time")
            case .timeEpoch:
                return ("\(epoch).\(String(format: "%03d", generator.next(1000)))", .time(epoch), "time")
            default:
                formatter.dateFormat = "dd/MMM/yyyy:HH:mm:ss xx"
                let text = formatter.string(from: date)
                return (slot == .timeBracketed ? "[\(text)]" : text, .time(epoch), "time")
            }
        case .named(let name):
            let text = generator.text(printable, 1...40)
            return (text, .text(text), "var." + String(decoding: name, as: UTF8.self))
        default:
            return ("", .text(""), "unsupported")
        }
    }

    static func actual(_ field: String, _ record: AccessLogRecord, _ line: [UInt8]) -> Expected {
        func text(_ range: ByteRange) -> String { String(decoding: line[range.start..<range.end], as: UTF8.self) }
        switch field {
        case "client": return .text(text(record.client))
        case "ident": return .text(text(record.ident))
        case "user": return .text(text(record.user))
        case "referer": return .text(text(record.referer))
        case "userAgent": return .text(text(record.userAgent))
        case "cookieHeader": return .text(text(record.cookieHeader))
        case "host": return .text(text(record.virtualHost))
        case "protocol": return .text(text(record.protocolName))
        case "method": return .text(text(record.method))
        case "path": return .text(text(record.path))
        case "query": return .text(text(record.query))
        case "target": return .text(text(record.target))
        case "request": return .text(text(record.method) + " " + text(record.path) + (record.query.isEmpty ? "" : "?" + text(record.query)))
        case "status": return .number(record.status)
        case "bytes": return .number(record.bytesSent)
        case "time": return .time(record.time.epochSeconds)
        default:
            let name = Array(field.dropFirst(4).utf8)
            return .text(record.named.first { $0.name == name }.map { text($0.range) } ?? "<absent>")
        }
    }

    static let nginxVariables = ["remote_addr", "remote_user", "time_local", "time_iso8601", "msec", "request", "request_method",
                                 "request_uri", "uri", "args", "status", "body_bytes_sent", "bytes_sent", "request_time",
                                 "http_referer", "http_user_agent", "http_x_forwarded_for", "http_cookie", "cookie_FPID",
                                 "host", "server_name", "scheme", "server_protocol", "upstream_response_time", "http_x_request_id"]

    @Test(arguments: nginxVariables)
    func nginxVariableRoundTrips(_ variable: String) throws {
        let isTime = ["time_local", "time_iso8601", "msec"].contains(variable)
        let template = try LogFormatTemplate.nginx(isTime ? "t=\"$\(variable)\"" : "[$time_local] v=\"$\(variable)\"")
        try roundTrip(template, seed: UInt64(variable.utf8.reduce(7) { $0 &* 31 &+ Int($1) }.magnitude))
    }

    static let apacheDirectives = ["%h", "%a", "%l", "%u", "%t", "%{%Y-%m-%dT%H:%M:%S%z}t", "%{msec}t", "%r", "%m", "%U", "%q", "%H",
                                   "%>s", "%s", "%b", "%B", "%O", "%I", "%D", "%T", "%v", "%V", "%p", "%{Referer}i",
                                   "%{User-Agent}i", "%{Cookie}i", "%{X-Request-Id}i", "%{FPID}C", "%{HOME}e"]

    @Test(arguments: apacheDirectives)
    func apacheDirectiveRoundTrips(_ directive: String) throws {
        let isTime = directive.hasSuffix("t")
        let template = try LogFormatTemplate.apache(isTime ? "t=\\\"\(directive)\\\"" : "%t v=\\\"\(directive)\\\"")
        try roundTrip(template, seed: UInt64(directive.utf8.reduce(11) { $0 &* 31 &+ Int($1) }.magnitude))
    }

    func roundTrip(_ template: LogFormatTemplate, seed: UInt64) throws {
        var generator = Generator(state: seed | 1)
        let parser = LogFormatParser(template: template)
        for _ in 0..<100 {
            var line = ""
            var checks: [(String, Expected)] = []
            for segment in template.segments {
                switch segment {
                case .literal(let bytes): line += String(decoding: bytes, as: UTF8.self)
                case .variable(let slot, _):
                    let value = Self.value(for: slot, &generator)
                    try #require(value.field != "unsupported", "no generator for \(slot)")
                    line += value.written
                    checks.append((value.field, value.expected))
                }
            }
            let bytes = Array(line.utf8)
            var record = AccessLogRecord()
            try bytes.withUnsafeBufferPointer { try parser.parse($0, line: ByteRange(0, bytes.count), into: &record) }
            for (field, expected) in checks {
                #expect(Self.actual(field, record, bytes) == expected, "\(template.source): \(line)")
            }
        }
    }
}

import Foundation

/// Guesses a log's format from a sample of its lines, for `edgetail detect`: each
/// known format parses the sample, and the one that parses most lines (the simplest
/// of equals) is suggested with the `parser:` lines to put in a pipeline file.
public enum FormatDetector {
    public struct Candidate: Sendable {
        public var format: String
        /// The `parser:` value to write in a pipeline file.
        public var parserYAML: String
        public var parsed: Int
        public var failed: Int
        /// Why the first failing line failed.
        public var firstError: String?
        /// Record parts found in at least half of the parsed lines (`client`, `time`, `url`, …).
        public var roles: [String]
        /// Fields without a role, available as `{var.NAME}` (json, logfmt).
        public var otherFields: [String]
        /// Quoted fields after the user agent (combined).
        public var extraFields: Int
    }

    /// Every candidate's result on `lines`, best first.
    public static func detect(_ lines: [[UInt8]]) -> [Candidate] {
        let roles = FieldRoles(fields: [:])
        var candidates: [(String, String, LineParser)] = [
            ("combined", "{ format: combined }", .access(AccessLogParser(format: .combined))),
            ("common", "{ format: common }", .access(AccessLogParser(format: .common))),
            ("json", "{ format: json }", .json(JSONLineParser(roles: roles))),
            ("logfmt", "{ format: logfmt }", .logfmt(LogfmtParser(roles: roles))),
            ("haproxy", "{ format: haproxy }", .haproxy(HAProxyLineParser())),
            ("elb", "{ format: elb }", .columns(.classicLoadBalancer())),
            ("alb", "{ format: alb }", .columns(.applicationLoadBalancer())),
        ]
        candidates += w3cCandidates(lines)
        var results: [Candidate] = []
        for (format, yaml, parser) in candidates {
            var candidate = Candidate(format: format, parserYAML: yaml, parsed: 0, failed: 0, firstError: nil, roles: [],
                                      otherFields: [], extraFields: 0)
            var record = AccessLogRecord()
            var seen: [String: Int] = [:]
            var fieldNames: Set<String> = []
            var others: [String] = []
            for line in lines where !line.isEmpty {
                do {
                    try line.withUnsafeBufferPointer { buffer throws(LineParseError) in
                        try parser.parse(buffer, line: ByteRange(0, buffer.count), into: &record)
                    }
                } catch .directive {
                    continue
                } catch {
                    candidate.failed += 1
                    if candidate.firstError == nil { candidate.firstError = error.description }
                    continue
                }
                candidate.parsed += 1
                for role in presentRoles(record) { seen[role, default: 0] += 1 }
                if format == "json", fieldNames.count < 200, let names = jsonKeys(line) { fieldNames.formUnion(names) }
                candidate.extraFields = max(candidate.extraFields, record.extras.count)
                for field in record.named {
                    let name = String(decoding: field.name, as: UTF8.self)
                    if !others.contains(name) && others.count < 40 { others.append(name) }
                }
            }
            candidate.roles = seen.filter { $0.value * 2 >= candidate.parsed }.keys.sorted()
            candidate.otherFields = others
            candidate.format = flavour(of: candidate, fieldNames: fieldNames)
            results.append(candidate)
        }
        // Most lines parsed first; among equals, the order above (simplest first).
        return results.enumerated().sorted { ($0.element.parsed, -$0.offset) > ($1.element.parsed, -$1.offset) }.map(\.element)
    }

    /// W3C extended logs: with the sample's own `#Fields:` line when it has one (named
    /// `cloudfront` when its fields are CloudFront's), else IIS's and CloudFront's defaults.
    static func w3cCandidates(_ lines: [[UInt8]]) -> [(String, String, LineParser)] {
        let prefix = Array("#Fields:".utf8)
        guard let header = lines.first(where: { $0.starts(with: prefix) }) else {
            return [("w3c", "{ format: w3c }", .columns(.w3c())), ("cloudfront", "{ format: cloudfront }", .columns(.cloudFront()))]
        }
        let fields = ColumnLineParser.fieldNames(String(decoding: header, as: UTF8.self)).joined(separator: " ")
        if fields.contains("x-edge-location") {
            let yaml = fields == ColumnLineParser.cloudFrontFields ? "{ format: cloudfront }" : "{ format: cloudfront, w3c_fields: '\(fields)' }"
            return [("cloudfront", yaml, .columns(.cloudFront(fields: fields)))]
        }
        let yaml = fields == ColumnLineParser.iisDefaultFields ? "{ format: w3c }" : "{ format: w3c, w3c_fields: '\(fields)' }"
        return [("w3c", yaml, .columns(.w3c(fields: fields)))]
    }

    /// Names the dialect: `vhost-combined`, and nginx, Caddy or Traefik JSON by their keys.
    static func flavour(of candidate: Candidate, fieldNames: Set<String>) -> String {
        switch candidate.format {
        case "combined" where candidate.roles.contains("host"): return "vhost-combined"
        case "common" where candidate.roles.contains("host"): return "vhost-common"
        case "json":
            if fieldNames.contains("request") && fieldNames.contains("logger") || fieldNames.contains("request.remote_ip") { return "json (Caddy)" }
            if fieldNames.contains("ClientHost") || fieldNames.contains("DownstreamStatus") { return "json (Traefik)" }
            if fieldNames.contains("remote_addr") || fieldNames.contains("time_iso8601") || fieldNames.contains("time_local") { return "json (nginx)" }
            return "json"
        default: return candidate.format
        }
    }

    /// The top-level keys of a JSON line, and `request.remote_ip` when Caddy nests it.
    static func jsonKeys(_ line: [UInt8]) -> Set<String>? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { return nil }
        var keys = Set(object.keys)
        if let request = object["request"] as? [String: Any] {
            for key in request.keys { keys.insert("request." + key) }
        }
        return keys
    }

    static func presentRoles(_ record: AccessLogRecord) -> [String] {
        var roles: [String] = []
        if !record.client.isEmpty { roles.append("client") }
        if !record.timeText.isEmpty { roles.append("time") }
        if !record.method.isEmpty { roles.append("method") }
        if !record.target.isEmpty || !record.path.isEmpty { roles.append("url") }
        if record.status != 0 { roles.append("status") }
        if !record.referer.isEmpty { roles.append("referer") }
        if !record.userAgent.isEmpty { roles.append("user_agent") }
        if !record.virtualHost.isEmpty { roles.append("host") }
        if !record.cookieHeader.isEmpty { roles.append("cookie") }
        return roles
    }
}

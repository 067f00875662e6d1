/// The column layouts of the positional formats, as their documentation gives them.
extension ColumnLineParser {
    /// IIS's default W3C fields.
    public static let iisDefaultFields = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"

    /// The fields of CloudFront's standard (legacy) access logs, in order.
    public static let cloudFrontFields = "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end"

    /// `format: w3c`: W3C extended log lines (IIS and others), columns from `#Fields:`.
    /// IIS separates fields by spaces and writes spaces inside values as `+`.
    public static func w3c(fields: String = iisDefaultFields, time: TimeParsing = TimeParsing()) -> ColumnLineParser {
        let names = fieldNames(fields)
        return ColumnLineParser(formatName: "w3c", columns: names.map { ($0, w3cColumn($0, among: names)) }, separator: .spaces,
                                ignoresExtraColumns: false, fieldsDirective: fields, time: time)
    }

    /// `format: cloudfront`: CloudFront standard logs, W3C fields separated by tabs,
    /// values URL-encoded. Columns AWS adds at the end later are ignored.
    public static func cloudFront(fields: String = cloudFrontFields) -> ColumnLineParser {
        let names = fieldNames(fields)
        return ColumnLineParser(formatName: "cloudfront", columns: names.map { ($0, w3cColumn($0, among: names)) }, separator: .tab,
                                ignoresExtraColumns: true, fieldsDirective: fields)
    }

    /// What a W3C field is: a role by its standard name, else `{var.NAME}`.
    static func w3cColumn(_ name: String, among names: [String]) -> Column {
        switch name.lowercased() {
        case "date": return .date
        case "time": return .timeOfDay
        case "c-ip": return .slot(.client)
        case "cs-username": return .slot(.user)
        case "cs-method": return .slot(.method)
        case "cs-uri-stem": return .slot(.path)
        case "cs-uri-query": return .slot(.query)
        case "cs-uri": return .slot(.target)
        case "sc-status": return .slot(.status)
        case "sc-bytes": return .slot(.bytes)
        case "cs(user-agent)": return .encodedUserAgent
        case "cs(referer)", "cs(referrer)": return .slot(.referer)
        case "cs(cookie)": return .slot(.cookieHeader)
        case "cs-version", "cs-protocol-version": return .slot(.protocolName)
        case "cs-host", "x-host-header": return .slot(.host)
        // CloudFront's cs(Host) is the distribution's own domain; the viewer's Host is x-host-header.
        case "cs(host)" where !names.contains("x-host-header"): return .slot(.host)
        default: return .slot(.named(Array(name.utf8)))
        }
    }

    /// `format: elb`: Classic Load Balancer access logs.
    public static func classicLoadBalancer() -> ColumnLineParser {
        let columns: [(String, Column)] = [
            ("timestamp", .slot(.timeISO8601)), ("elb", .slot(.named(Array("elb".utf8)))), ("client:port", .clientWithPort),
            ("backend:port", .slot(.named(Array("backend".utf8)))),
            ("request_processing_time", .slot(.named(Array("request_processing_time".utf8)))),
            ("backend_processing_time", .slot(.named(Array("backend_processing_time".utf8)))),
            ("response_processing_time", .slot(.named(Array("response_processing_time".utf8)))),
            ("elb_status_code", .slot(.status)), ("backend_status_code", .slot(.named(Array("backend_status_code".utf8)))),
            ("received_bytes", .slot(.named(Array("received_bytes".utf8)))), ("sent_bytes", .slot(.bytes)),
            ("request", .slot(.request)), ("user_agent", .slot(.userAgent)),
            ("ssl_cipher", .slot(.named(Array("ssl_cipher".utf8)))), ("ssl_protocol", .slot(.named(Array("ssl_protocol".utf8)))),
        ]
        return ColumnLineParser(formatName: "elb", columns: columns, separator: .spaces, requiredColumns: 13, ignoresExtraColumns: true)
    }

    /// `format: alb`: Application Load Balancer access logs. Lines written before AWS
    /// added a column lack it; columns added after these are ignored.
    public static func applicationLoadBalancer() -> ColumnLineParser {
        func named(_ name: String) -> (String, Column) { (name, .slot(.named(Array(name.utf8)))) }
        let columns: [(String, Column)] = [
            named("type"), ("time", .slot(.timeISO8601)), named("elb"), ("client:port", .clientWithPort), ("target:port", .slot(.named(Array("target".utf8)))),
            named("request_processing_time"), named("target_processing_time"), named("response_processing_time"),
            ("elb_status_code", .slot(.status)), named("target_status_code"), named("received_bytes"), ("sent_bytes", .slot(.bytes)),
            ("request", .slot(.request)), ("user_agent", .slot(.userAgent)),
            named("ssl_cipher"), named("ssl_protocol"), named("target_group_arn"), named("trace_id"), named("domain_name"),
            named("chosen_cert_arn"), named("matched_rule_priority"), named("request_creation_time"), named("actions_executed"),
            named("redirect_url"), named("error_reason"), named("target:port_list"), named("target_status_code_list"),
            named("classification"), named("classification_reason"), named("conn_trace_id"),
        ]
        return ColumnLineParser(formatName: "alb", columns: columns, separator: .spaces, requiredColumns: 14, ignoresExtraColumns: true)
    }
}

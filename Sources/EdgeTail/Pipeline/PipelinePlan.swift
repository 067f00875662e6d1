/// A pipeline's configuration checked and compiled: patterns compiled, templates and
/// field names resolved. Building one reports every problem of the pipeline at once.
public struct PipelinePlan: Sendable {
    public let name: String
    public let source: SourceConfiguration
    public let sink: String
    public private(set) var parser: LineParser
    let rules: [RulePlan]
    let identityRules: [IdentityResolver.Rule]
    let extractor: FieldExtractor
    /// What is not a visit: agents, static paths, methods, repeated range requests.
    let trafficFilter: TrafficFilter.Settings
    /// `https://www.example.com` without a trailing slash.
    let baseURL: [UInt8]?
    let server: [UInt8]?
    let siteSection: [UInt8]?
    let data: [([UInt8], FieldTemplate)]
    /// `marketing.trackingCode`.
    let trackingCode: FieldTemplate?
    let sendIP: Bool
    /// Send the address cut to its /24 (IPv4) or /48 (IPv6).
    let truncateIP: Bool
    /// The visitor's address behind trusted proxies.
    let clientAddress: ClientAddressResolver

    struct RulePlan: Sendable {
        var kind: EventRule.Kind
        var methods: [[UInt8]]
        var statuses: [ClosedRange<Int>]
        var path: RegexPattern?
        var extensions: [[UInt8]]
        var queryParameters: [[UInt8]]
        var linkURL: FieldTemplate?
        var name: FieldTemplate?
        var linkType: [UInt8]
        var siteSection: [UInt8]?
        var errorStatuses: [ClosedRange<Int>] = []

        func makeRule() -> EventRule {
            EventRule(kind: kind, methods: methods, statuses: statuses, path: path.map(RegexMatcher.init),
                      extensions: extensions, queryParameters: queryParameters, linkURL: linkURL, name: name,
                      linkType: linkType, siteSection: siteSection, errorStatuses: errorStatuses)
        }
    }

    public init(_ configuration: PipelineConfiguration, file: String) throws(ConfigurationErrors) {
        var errors: [ConfigurationError] = []
        func fail(_ keyPath: String, _ message: String) {
            errors.append(ConfigurationError(file: file, keyPath: "pipeline '\(configuration.name)': \(keyPath)", message: message))
        }
        // The `var.NAME` fields the pipeline uses: positional parsers keep only these.
        var variables: Set<[UInt8]> = [Array("http_x_forwarded_for".utf8), Array("http_x_real_ip".utf8)]
        // The references the lines must be able to fill, checked once the parser is known.
        var written: [(reference: FieldReference, keyPath: String)] = []
        func field(_ name: String, _ keyPath: String) -> FieldReference? {
            do {
                let reference = try FieldReference(parsing: name)
                if case .variable(let variable) = reference { variables.insert(variable) }
                if !keyPath.hasPrefix("privacy.") && !keyPath.hasPrefix("parser.") { written.append((reference, keyPath)) }
                return reference
            } catch {
                fail(keyPath, error.description)
                return nil
            }
        }
        func template(_ text: String?, _ keyPath: String) -> FieldTemplate? {
            guard let text else { return nil }
            do {
                let template = try FieldTemplate(text)
                for case .field(let reference) in template.parts {
                    if case .variable(let variable) = reference { variables.insert(variable) }
                    written.append((reference, keyPath))
                }
                return template
            } catch {
                fail(keyPath, error.description)
                return nil
            }
        }

        name = configuration.name
        source = configuration.source
        sink = configuration.sink
        switch configuration.parser.format {
        case .json:
            parser = .json(JSONLineParser(roles: FieldRoles(fields: configuration.parser.fields, time: configuration.parser.time)))
        case .logfmt:
            parser = .logfmt(LogfmtParser(roles: FieldRoles(fields: configuration.parser.fields, time: configuration.parser.time)))
        case .regex:
            let roles = FieldRoles(fields: configuration.parser.fields, time: configuration.parser.time)
            do {
                let pattern = try RegexPattern(configuration.parser.pattern ?? "")
                if pattern.namedGroups.isEmpty { fail("parser.pattern", "has no named groups; name the fields, e.g. (?<client>\\S+)") }
                parser = .regex(RegexLineParser(pattern: pattern, roles: roles))
            } catch {
                fail("parser.pattern", error.description)
                parser = .access(AccessLogParser(format: .combined))
            }
        case .w3c: parser = .columns(.w3c(fields: configuration.parser.w3cFields ?? ColumnLineParser.iisDefaultFields, time: configuration.parser.time))
        case .cloudfront: parser = .columns(.cloudFront(fields: configuration.parser.w3cFields ?? ColumnLineParser.cloudFrontFields))
        case .elb: parser = .columns(.classicLoadBalancer())
        case .alb: parser = .columns(.applicationLoadBalancer())
        case .haproxy: parser = .haproxy(HAProxyLineParser(requestHeaders: configuration.parser.requestHeaders, zone: configuration.parser.time.zone))
        case .common: parser = .access(AccessLogParser(format: .common))
        case .combined: parser = .access(AccessLogParser(format: .combined))
        case .nginx, .apache:
            let isNginx = configuration.parser.format == .nginx
            let text = configuration.parser.logFormat ?? (isNginx ? LogFormatTemplate.nginxCombined : LogFormatTemplate.apacheCombined)
            do {
                let template = isNginx ? try LogFormatTemplate.nginx(text) : try LogFormatTemplate.apache(text)
                parser = .template(LogFormatParser(template: template))
            } catch {
                fail("parser.log_format", error.description)
                parser = .access(AccessLogParser(format: .combined))
            }
        }
        extractor = FieldExtractor(cookieField: field(configuration.parser.cookieField, "parser.cookie_field") ?? .extra(1))
        trafficFilter = configuration.filters.settings
        sendIP = configuration.privacy.ip != .omit
        truncateIP = configuration.privacy.ip == .truncate
        clientAddress = ClientAddressResolver(
            trusted: configuration.privacy.trustedProxies.compactMap(IPNetwork.init),
            forwardedFor: field(configuration.privacy.forwardedFor, "privacy.forwarded_for") ?? .variable(Array("http_x_forwarded_for".utf8)),
            realIP: field(configuration.privacy.realIP, "privacy.real_ip") ?? .variable(Array("http_x_real_ip".utf8)))
        siteSection = configuration.site.siteSection.map { Array($0.utf8) }

        if configuration.source.type == .file && configuration.source.include.isEmpty { fail("source.include", "expected at least one path or glob") }
        if let base = configuration.site.baseURL {
            var trimmed = base
            while trimmed.hasSuffix("/") { trimmed.removeLast() }
            let schemeEnd = trimmed.range(of: "://")
            if let schemeEnd, ["http", "https"].contains(trimmed[..<schemeEnd.lowerBound].lowercased()),
               !trimmed[schemeEnd.upperBound...].isEmpty {
                let hostAndPath = trimmed[schemeEnd.upperBound...]
                let hostPort = hostAndPath.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
                let host = hostPort.split(separator: ":").first.map(String.init) ?? hostPort
                baseURL = Array(trimmed.utf8)
                server = Array(host.utf8)
            } else {
                fail("site.base_url", "expected an absolute http(s) URL such as https://www.example.com, got '\(base)'")
                baseURL = nil
                server = nil
            }
        } else {
            baseURL = nil
            server = nil
        }

        if configuration.events.isEmpty { fail("events", "expected at least one rule (pageView or linkClick)") }
        var rules: [RulePlan] = []
        for (index, rule) in configuration.events.enumerated() {
            let path = "events[\(index)]"
            var statuses: [ClosedRange<Int>] = []
            for status in rule.when.status ?? [] {
                if let range = EventRule.statusRange(status) { statuses.append(range) } else {
                    fail("\(path).when.status", "unknown status '\(status)'; expected a code like 304 or a class like 2xx")
                }
            }
            var errorStatuses: [ClosedRange<Int>] = []
            if rule.type == .pageView {
                for status in (rule.page ?? PageConfiguration()).errorPage {
                    if let range = EventRule.statusRange(status) { errorStatuses.append(range) } else {
                        fail("\(path).page.error_page", "unknown status '\(status)'; expected a code like 404 or a class like 4xx")
                    }
                }
            }
            var pattern: RegexPattern?
            if let source = rule.when.path {
                do { pattern = try RegexPattern(source) } catch { fail("\(path).when.path", error.description) }
            }
            rules.append(RulePlan(
                kind: rule.type == .pageView ? .pageView : .linkClick,
                methods: (rule.when.method ?? []).map { Array($0.uppercased().utf8) },
                statuses: statuses,
                path: pattern,
                extensions: (rule.when.extension ?? []).map { Array($0.lowercased().trimmingPrefixDot().utf8) },
                queryParameters: (rule.when.query ?? []).map { Array($0.utf8) },
                linkURL: template(rule.link?.url, "\(path).link.url"),
                name: template(rule.link?.name ?? rule.page?.name, "\(path).\(rule.type == .pageView ? "page" : "link").name"),
                linkType: Array((rule.link?.kind ?? .other).rawValue.utf8),
                siteSection: rule.page?.siteSection.map { Array($0.utf8) },
                errorStatuses: errorStatuses))
        }
        self.rules = rules

        if configuration.identity.isEmpty { fail("identity", "expected at least one identity rule") }
        var identityRules: [IdentityResolver.Rule] = []
        for (index, rule) in configuration.identity.enumerated() {
            let path = "identity[\(index)]"
            if rule.namespace.isEmpty { fail("\(path).namespace", "expected a namespace such as FPID or ECID") }
            if let name = rule.field {
                if let reference = field(name, "\(path).field") {
                    identityRules.append(.field(reference, namespace: rule.namespace, state: rule.authenticatedState,
                                                format: IdentityFormat(namespace: rule.namespace)))
                }
            } else if let inputs = rule.derive {
                if inputs.isEmpty { fail("\(path).derive", "expected at least one field") }
                let references = inputs.enumerated().compactMap { field($0.element, "\(path).derive[\($0.offset)]") }
                identityRules.append(.derive(references, salt: Array((rule.salt ?? "").utf8), namespace: rule.namespace,
                                             state: rule.authenticatedState, daily: rule.rotate == .daily))
            }
        }
        self.identityRules = identityRules

        data = configuration.data.keys.sorted().compactMap { key in
            template(configuration.data[key], "data.\(key)").map { (Array(key.utf8), $0) }
        }
        trackingCode = template(configuration.trackingCode, "tracking_code")
        let availability = FieldAvailability(parser: parser, configuration: configuration.parser)
        // A parser that failed to build was replaced by a stand-in: its fields say nothing.
        let parserFailed = errors.contains { $0.keyPath.hasSuffix("parser.log_format") || $0.keyPath.hasSuffix("parser.pattern") }
        for (reference, keyPath) in written where !parserFailed {
            if let problem = availability.problem(reference, cookieField: extractor.cookieField) { fail(keyPath, problem) }
        }
        if case .columns(let columns) = parser { parser = .columns(columns.keeping(variables: variables)) }
        if !errors.isEmpty { throw ConfigurationErrors(errors) }
    }
}

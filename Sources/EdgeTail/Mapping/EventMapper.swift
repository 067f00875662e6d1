/// Turns one log line into an XDM experience event, written straight to JSON bytes.
///
/// The mapper parses the line, applies the traffic filters and the first matching
/// rule, resolves the identity and writes `{"xdm":{…},"data":{…}}`. It owns caches
/// and PCRE2 match data, so each pipeline task has its own. What an event holds, field
/// by field, is shown in docs/event.md (a test keeps it true).
///
/// Only well-formed values leave: a client address is parsed and written in canonical
/// form (an IPv4-mapped IPv6 address as IPv4), and one that is not an address is left
/// out and counted, as are identities not in their namespace's format.
public struct EventMapper {
    public struct Mapped {
        public var outcome: LineOutcome
        public var identityNamespace: String = ""
        public var identityHash: UInt64 = 0
    }

    let plan: PipelinePlan
    let parser: LineParser
    let rules: [EventRule]
    var identity: IdentityResolver
    var filter: TrafficFilter
    var record = AccessLogRecord()
    var scratch: [UInt8] = []
    private var lastTime = LogTime(epochSeconds: .min)
    private var lastUTC: [UInt8] = []
    /// `localTime` and `localTimezoneOffset` of `lastTime`, as written in `placeContext`.
    private var lastPlaceContext: [UInt8] = []
    /// `,"implementationDetails":{…}}`, the same in every event.
    private let implementationDetails: [UInt8]
    /// Events whose client field held something other than an address (sent without one).
    public private(set) var invalidClientAddresses = 0

    public init(plan: PipelinePlan) {
        self.plan = plan
        parser = plan.parser
        rules = plan.rules.map { $0.makeRule() }
        identity = IdentityResolver(rules: plan.identityRules, extractor: plan.extractor)
        filter = TrafficFilter(settings: plan.trafficFilter)
        scratch.reserveCapacity(1024)
        implementationDetails = Array(",".utf8) + ImplementationDetails.json() + Array("}".utf8)
    }

    /// Adds the values left out of events since the last call (client addresses that are
    /// not addresses, identities not in their namespace's format) to `counts`.
    public mutating func takeInvalidValueCounts(into counts: inout PipelineCounts) {
        counts.invalidClientAddresses += invalidClientAddresses
        invalidClientAddresses = 0
        identity.takeInvalidValues(into: &counts.invalidIdentities)
    }

    /// Maps the line `line` of `buffer`, whose bytes start at `offset` in its source.
    /// `fields` are the line's source fields (journal fields, ranges into `buffer`);
    /// `sourceTime` (microseconds since 1970) is its time when the line has none.
    /// On an event outcome, the event's JSON has been appended to `out`.
    public mutating func map(_ buffer: UnsafeBufferPointer<UInt8>, line: ByteRange, offset: UInt64, eventID: EventID,
                             fields: ArraySlice<LineBatch.Field> = [], sourceTime: Int64? = nil,
                             into out: inout JSONWriter) -> Mapped {
        do {
            try parser.parse(buffer, line: line, into: &record)
        } catch .directive {
            return Mapped(outcome: .dropped(.directive))
        } catch {
            return Mapped(outcome: .failed(error.description))
        }
        record.sourceFields = fields
        if plan.clientAddress.isActive { plan.clientAddress.resolve(buffer, &record, extractor: plan.extractor) }
        if record.timeText.isEmpty, let sourceTime {
            record.time = Self.time(microseconds: sourceTime)
        }
        if let reason = filter.agentReason(buffer, userAgent: record.userAgent, urlEncoded: record.userAgentIsURLEncoded)
            ?? filter.requestReason(buffer, method: record.method, path: record.path) {
            return Mapped(outcome: .dropped(reason))
        }
        guard let rule = rules.first(where: { $0.matches(buffer, record) }) else {
            return Mapped(outcome: .dropped(.unmatched))
        }
        guard let visitor = identity.resolve(buffer, record) else {
            return Mapped(outcome: .failed("no identity: none of the identity rules yielded a value"))
        }
        if record.status == 206, !filter.admitsPartial(buffer, record, visitor: visitor.hash) {
            return Mapped(outcome: .dropped(.partial))
        }
        let host = FieldExtractor.hostWithoutPort(buffer, record.virtualHost)
        if plan.baseURL == nil && host.isEmpty {
            return Mapped(outcome: .failed("no host for the page URL: set site.base_url or log the virtual host"))
        }
        writeEvent(rule, visitor, host: host, buffer, offset: offset, eventID: eventID, into: &out)
        return Mapped(
            outcome: rule.kind == .pageView ? .pageView : .linkClick,
            identityNamespace: visitor.namespace, identityHash: visitor.hash)
    }

    private mutating func writeEvent(_ rule: EventRule, _ visitor: IdentityResolver.Identity, host: ByteRange, _ buffer: UnsafeBufferPointer<UInt8>, offset: UInt64, eventID: EventID, into out: inout JSONWriter) {
        out.raw("{\"xdm\":{\"_id\":\"")
        eventID.write(offset: offset, to: &out)
        out.raw(rule.kind == .pageView ? "\",\"eventType\":\"web.webpagedetails.pageViews\",\"timestamp\":\""
                                       : "\",\"eventType\":\"web.webinteraction.linkClicks\",\"timestamp\":\"")
        formatTimes()
        out.raw(lastUTC)
        out.raw("\",\"identityMap\":{")
        out.string(visitor.namespace)
        out.raw(":[{\"id\":")
        if let derived = visitor.derived {
            out.raw(UInt8(ascii: "\""))
            out.uuidVersion4(high: derived.high, low: derived.low)
            out.raw(UInt8(ascii: "\""))
        } else {
            identity.value.withUnsafeBufferPointer { out.string($0) }
        }
        out.raw(",\"authenticatedState\":\"")
        var state = visitor.state
        state.withUTF8 { out.raw($0) }
        out.raw("\",\"primary\":true}]},\"web\":{")

        // The requested URL, absolute.
        scratch.removeAll(keepingCapacity: true)
        Self.appendRequestURL(buffer, record: record, baseURL: plan.baseURL, host: host, to: &scratch)
        if rule.kind == .pageView {
            out.raw("\"webPageDetails\":{\"URL\":")
            out.string(scratch)
            out.raw(",\"name\":")
            writeName(rule, buffer, into: &out)
            out.raw(",\"server\":")
            if let server = plan.server { out.string(server) } else { out.string(buffer[range: host]) }
            if let section = rule.siteSection ?? plan.siteSection {
                out.raw(",\"siteSection\":")
                out.string(section)
            }
            out.raw(rule.isErrorPage(status: record.status) ? ",\"isErrorPage\":true,\"pageViews\":{\"value\":1}}"
                                                             : ",\"isErrorPage\":false,\"pageViews\":{\"value\":1}}")
        } else {
            out.raw("\"webInteraction\":{\"URL\":")
            if let template = rule.linkURL {
                let requestURL = scratch
                scratch.removeAll(keepingCapacity: true)
                if !template.render(plan.extractor, buffer, record, into: &scratch) { scratch = requestURL }
            }
            out.string(scratch)
            out.raw(",\"name\":")
            writeName(rule, buffer, into: &out)
            out.raw(",\"type\":\"")
            out.raw(rule.linkType)
            out.raw("\",\"linkClicks\":{\"value\":1}}")
        }
        if let referer = plan.extractor.range(of: .referer, buffer, record) {
            out.raw(",\"webReferrer\":{\"URL\":")
            Self.writeUnescaped(buffer, referer, into: &out)
            out.raw("}")
        }
        out.raw("}")
        if let template = plan.trackingCode {
            scratch.removeAll(keepingCapacity: true)
            if template.render(plan.extractor, buffer, record, into: &scratch), !scratch.isEmpty {
                out.raw(",\"marketing\":{\"trackingCode\":")
                out.string(scratch)
                out.raw("}")
            }
        }
        // A browser's user agent starts with `Mozilla/` (or an old Opera's `Opera/`); for
        // other clients (apps, scripts) the type is not known and left out.
        out.raw(Self.isBrowser(buffer, record.userAgent) ? ",\"environment\":{\"type\":\"browser\",\"browserDetails\":{\"userAgent\":"
                                                          : ",\"environment\":{\"browserDetails\":{\"userAgent\":")
        if record.userAgentIsURLEncoded {
            scratch.removeAll(keepingCapacity: true)
            LogEscapes.percentDecode(buffer, record.userAgent, into: &scratch)
            out.string(scratch)
        } else {
            Self.writeUnescaped(buffer, record.userAgent, into: &out)
        }
        out.raw("}")
        if plan.sendIP, !record.client.isEmpty {
            // Only an address that parses leaves the machine (XDM's ipv4/ipv6 formats take
            // nothing else), in canonical form, truncated when asked.
            if let parsed = IPAddress(buffer[range: record.client]) {
                let address = plan.truncateIP ? parsed.unmapped.truncated : parsed.unmapped
                out.raw(address.isV6 ? ",\"ipV6\":\"" : ",\"ipV4\":\"")
                scratch.removeAll(keepingCapacity: true)
                address.write(to: &scratch)
                out.raw(scratch)
                out.raw("\"")
            } else {
                invalidClientAddresses += 1
            }
        }
        out.raw("},\"placeContext\":{\"localTime\":\"")
        out.raw(lastPlaceContext)
        out.raw(implementationDetails)
        if !plan.data.isEmpty {
            out.raw(",\"data\":{")
            var first = true
            for (key, template) in plan.data {
                scratch.removeAll(keepingCapacity: true)
                guard template.render(plan.extractor, buffer, record, into: &scratch) else { continue }
                if !first { out.raw(",") }
                first = false
                out.string(key)
                out.raw(":")
                out.string(scratch)
            }
            out.raw("}")
        }
        out.raw("}")
    }

    private mutating func writeName(_ rule: EventRule, _ buffer: UnsafeBufferPointer<UInt8>, into out: inout JSONWriter) {
        if let template = rule.name {
            scratch.removeAll(keepingCapacity: true)
            if template.render(plan.extractor, buffer, record, into: &scratch) {
                out.string(scratch)
                return
            }
        }
        Self.writeUnescaped(buffer, record.path, into: &out)
    }

    private static func isBrowser(_ buffer: UnsafeBufferPointer<UInt8>, _ userAgent: ByteRange) -> Bool {
        let text = buffer[range: userAgent]
        if text.count >= 8 && text[7] == UInt8(ascii: "/") && text[0] == UInt8(ascii: "M") && text[1] == UInt8(ascii: "o")
            && text[2] == UInt8(ascii: "z") && text[3] == UInt8(ascii: "i") && text[4] == UInt8(ascii: "l")
            && text[5] == UInt8(ascii: "l") && text[6] == UInt8(ascii: "a") { return true }
        return text.count >= 6 && text[5] == UInt8(ascii: "/") && text[0] == UInt8(ascii: "O") && text[1] == UInt8(ascii: "p")
            && text[2] == UInt8(ascii: "e") && text[3] == UInt8(ascii: "r") && text[4] == UInt8(ascii: "a")
    }

    private static func writeUnescaped(_ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange, into out: inout JSONWriter) {
        if LogEscapes.needsUnescape(buffer, range) {
            var bytes: [UInt8] = []
            LogEscapes.unescape(buffer, range, into: &bytes)
            out.string(bytes)
        } else {
            out.string(buffer[range: range])
        }
    }

    /// The page's absolute URL: the base URL (or `https://` and the line's host) and the
    /// target, or the target itself when it is absolute (a proxy's or a load balancer's
    /// log), without the scheme's default port.
    private static func appendRequestURL(_ buffer: UnsafeBufferPointer<UInt8>, record: AccessLogRecord, baseURL: [UInt8]?, host: ByteRange, to out: inout [UInt8]) {
        // Formats that log the path and the query apart (W3C, nginx `$uri` and `$args`) have no target.
        let whole = record.target.isEmpty ? record.path : record.target
        var target = whole
        if let authority = AccessLogParser.absoluteURLAuthority(buffer, target) {
            out.append(contentsOf: buffer[range: ByteRange(target.start, authority.start)])
            let hostPart = FieldExtractor.hostWithoutPort(buffer, authority)
            let port = ByteRange(hostPart.end, authority.end)
            let isHTTPS = authority.start - target.start == 8
            let isDefaultPort = isHTTPS
                ? port.count == 4 && buffer[port.start + 1] == UInt8(ascii: "4") && buffer[port.start + 2] == UInt8(ascii: "4") && buffer[port.start + 3] == UInt8(ascii: "3")
                : port.count == 3 && buffer[port.start + 1] == UInt8(ascii: "8") && buffer[port.start + 2] == UInt8(ascii: "0")
            out.append(contentsOf: buffer[range: isDefaultPort ? hostPart : authority])
            target = ByteRange(authority.end, target.end)
            if target.isEmpty { out.append(UInt8(ascii: "/")) }
        } else {
            if let base = baseURL {
                out.append(contentsOf: base)
            } else {
                out.append(contentsOf: "https://".utf8)
                out.append(contentsOf: buffer[range: host])
            }
            if target.isEmpty || buffer[target.start] != UInt8(ascii: "/") { out.append(UInt8(ascii: "/")) }
        }
        if LogEscapes.needsUnescape(buffer, target) {
            LogEscapes.unescape(buffer, target, into: &out)
        } else {
            out.append(contentsOf: buffer[range: target])
        }
        // A query logged apart from the path (W3C cs-uri-query, nginx `$uri` and `$args`).
        let query = record.query
        if !query.isEmpty && (query.start < whole.start || query.start > whole.end) {
            out.append(UInt8(ascii: "?"))
            out.append(contentsOf: buffer[range: query])
        }
    }

    /// A UTC time from microseconds since 1970.
    static func time(microseconds: Int64) -> LogTime {
        var seconds = microseconds / 1_000_000
        var remainder = microseconds % 1_000_000
        if remainder < 0 { remainder += 1_000_000; seconds -= 1 }
        return LogTime(epochSeconds: seconds, milliseconds: Int32(remainder / 1000))
    }

    /// Formats the record's time, reusing the last text while the second is the same.
    private mutating func formatTimes() {
        guard record.time != lastTime else { return }
        lastTime = record.time
        lastUTC.removeAll(keepingCapacity: true)
        lastPlaceContext.removeAll(keepingCapacity: true)
        record.time.writeISO8601(into: &lastUTC, local: false)
        record.time.writeISO8601(into: &lastPlaceContext, local: true)
        // Minutes to add to the local time to get UTC, as JavaScript's getTimezoneOffset()
        // counts them: -60 for +01:00.
        var writer = JSONWriter(capacity: 64)
        writer.raw("\",\"localTimezoneOffset\":")
        writer.integer(-Int(record.time.offsetSeconds) / 60)
        writer.raw("}")
        lastPlaceContext.append(contentsOf: writer.finish())
    }
}

/// A compiled event rule: conditions checked over bytes, and how to describe the event.
/// A class, so that picking the matching rule for a line costs one reference, not a copy.
final class EventRule {
    enum Kind { case pageView, linkClick }

    let kind: Kind
    let methods: [[UInt8]]
    let statuses: [ClosedRange<Int>]
    let path: RegexMatcher?
    let extensions: [[UInt8]]
    let queryParameters: [[UInt8]]
    let linkURL: FieldTemplate?
    let name: FieldTemplate?
    /// `exit`, `download` or `other` for link clicks.
    let linkType: [UInt8]
    let siteSection: [UInt8]?
    /// Statuses whose page views are error pages (`page.error_page`, by default 404).
    let errorStatuses: [ClosedRange<Int>]

    init(kind: Kind, methods: [[UInt8]], statuses: [ClosedRange<Int>], path: RegexMatcher?, extensions: [[UInt8]],
         queryParameters: [[UInt8]], linkURL: FieldTemplate?, name: FieldTemplate?, linkType: [UInt8], siteSection: [UInt8]?,
         errorStatuses: [ClosedRange<Int>] = []) {
        self.kind = kind
        self.methods = methods
        self.statuses = statuses
        self.path = path
        self.extensions = extensions
        self.queryParameters = queryParameters
        self.linkURL = linkURL
        self.name = name
        self.linkType = linkType
        self.siteSection = siteSection
        self.errorStatuses = errorStatuses
    }

    func isErrorPage(status: Int) -> Bool {
        for range in errorStatuses where range.contains(status) { return true }
        return false
    }

    func matches(_ buffer: UnsafeBufferPointer<UInt8>, _ record: AccessLogRecord) -> Bool {
        if !methods.isEmpty {
            var found = false
            for method in methods where buffer.bytes(record.method, equal: method) { found = true; break }
            if !found { return false }
        }
        if !statuses.isEmpty {
            var found = false
            for range in statuses where range.contains(record.status) { found = true; break }
            if !found { return false }
        }
        if !extensions.isEmpty {
            guard let ext = TrafficFilter.fileExtension(buffer, path: record.path),
                  TrafficFilter.contains(extensions, buffer, ext) else { return false }
        }
        if !queryParameters.isEmpty {
            var found = false
            for name in queryParameters where FieldExtractor.queryParameter(buffer, record.query, named: name) != nil {
                found = true
                break
            }
            if !found { return false }
        }
        if let path, !path.matches(buffer[range: record.path]) { return false }
        return true
    }

    /// Parses `2xx` or `304` into a range of codes.
    static func statusRange(_ text: String) -> ClosedRange<Int>? {
        let lower = text.lowercased()
        if lower.count == 3, lower.hasSuffix("xx"), let digit = Int(lower.prefix(1)), (1...5).contains(digit) {
            return (digit * 100)...(digit * 100 + 99)
        }
        if let code = Int(text), (100...599).contains(code) { return code...code }
        return nil
    }
}

/// Which `var.NAME`, `cookie.NAME` and `extra.N` fields a pipeline's parser can ever
/// yield, so that a reference that would always be empty is a configuration error with
/// a suggestion, not a silently missing value.
struct FieldAvailability {
    let formatName: String
    /// The names of `var.NAME`; nil when any name may occur (JSON, logfmt, HAProxy).
    let variables: [String]?
    /// Whether lines carry fields after the user agent (`extra.N`).
    let hasExtras: Bool
    /// Whether the whole Cookie header is logged (`cookie.NAME` reads it).
    let hasCookieHeader: Bool

    init(parser: LineParser, configuration: ParserConfiguration) {
        formatName = configuration.format.rawValue
        switch parser {
        case .access:
            variables = []
            hasExtras = true
            hasCookieHeader = false
        case .template(let template):
            var names: [String] = []
            var cookie = false
            for case .variable(let slot, _) in template.template.segments {
                if case .named(let name) = slot { names.append(String(decoding: name, as: UTF8.self)) }
                if slot == .cookieHeader { cookie = true }
            }
            variables = names
            hasExtras = false
            hasCookieHeader = cookie
        case .columns(let columns):
            var names: [String] = []
            var cookie = false
            for column in columns.layout.columns {
                if case .slot(.named(let name)) = column { names.append(String(decoding: name, as: UTF8.self)) }
                if column == .slot(.cookieHeader) || column == .plain(.cookieHeader) { cookie = true }
            }
            variables = names
            hasExtras = false
            hasCookieHeader = cookie
        case .regex(let regex):
            let names = regex.pattern.namedGroups.map(\.name)
            variables = names
            hasExtras = false
            hasCookieHeader = configuration.fields[.cookie] != nil || names.contains("cookie")
        case .json, .logfmt, .haproxy:
            variables = nil
            hasExtras = false
            hasCookieHeader = true
        }
    }

    /// Why `reference` can never have a value in this format, or nil.
    func problem(_ reference: FieldReference, cookieField: FieldReference) -> String? {
        guard let variables else { return nil }
        switch reference {
        case .variable(let bytes):
            let name = String(decoding: bytes, as: UTF8.self)
            if variables.contains(name) { return nil }
            var message = "format \(formatName) yields no field 'var.\(name)'"
            if let close = Self.closest(to: name, among: variables) {
                message += "; did you mean 'var.\(close)'?"
            } else {
                message += variables.isEmpty ? " (it has no variables)" : "; it has: " + variables.map { "var." + $0 }.joined(separator: ", ")
            }
            return message
        case .cookie(let bytes):
            let name = String(decoding: bytes, as: UTF8.self)
            if hasCookieHeader || variables.contains("cookie_" + name) { return nil }
            // `parser.cookie_field` names where the header is otherwise (by default `extra.1`).
            if case .cookie = cookieField {} else if problem(cookieField, cookieField: cookieField) == nil { return nil }
            let cookies = variables.filter { $0.hasPrefix("cookie_") }.map { String($0.dropFirst(7)) }
            var message = "format \(formatName) logs neither cookie '\(name)' nor the Cookie header"
            if let close = Self.closest(to: name, among: cookies) { message += "; did you mean 'cookie.\(close)'?" }
            return message
        case .extra(let position):
            if hasExtras { return nil }
            let names = variables.prefix(8).map { "var." + $0 }.joined(separator: ", ")
            return "format \(formatName) has no extra fields, so 'extra.\(position)' is always empty (extra.N counts the fields after a combined line's user agent)"
                + (names.isEmpty ? "" : "; its named fields are \(names)")
        default:
            return nil
        }
    }

    /// The name nearest to `name` by edit distance (ignoring case), if near enough to be a slip.
    static func closest(to name: String, among names: [String]) -> String? {
        let target = Array(name.lowercased().utf8)
        var best: (name: String, distance: Int)?
        for candidate in names {
            let distance = editDistance(target, Array(candidate.lowercased().utf8))
            if distance < best?.distance ?? .max { best = (candidate, distance) }
        }
        guard let best, best.distance <= max(2, target.count / 3) else { return nil }
        return best.name
    }

    /// Levenshtein distance: insertions, deletions and substitutions.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

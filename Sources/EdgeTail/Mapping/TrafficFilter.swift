/// Recognises requests that are not visits by people: crawlers, feed readers and
/// scripts (by user agent), static assets and files that only machines ask for (by
/// path), methods that fetch no page, and repeated range requests.
public struct TrafficFilter {
    /// What `filters:` asks for, compiled.
    public struct Settings: Sendable {
        public var agents: UserAgentClassifier.Rules
        public var dropStatic: Bool
        /// Extensions of static assets, lower-case, without the dot.
        public var staticExtensions: [[UInt8]]
        public var staticFiles: [StaticFilePattern]
        /// Upper-case methods that may be visits; empty lets every method through.
        public var methods: [[UInt8]]
        /// Seconds within which a 206 for the same visitor and URL counts once; nil counts each.
        public var partialWindow: Int64?

        public init(agents: UserAgentClassifier.Rules = .init(), dropStatic: Bool = true,
                    staticExtensions: [String] = TrafficFilter.defaultStaticExtensions,
                    staticFiles: [String] = TrafficFilter.defaultStaticFiles,
                    methods: [String] = TrafficFilter.defaultMethods, partialWindow: Int64? = 1800) {
            self.agents = agents
            self.dropStatic = dropStatic
            self.staticExtensions = staticExtensions.map { Array($0.lowercased().trimmingPrefixDot().utf8) }
            self.staticFiles = staticFiles.map(StaticFilePattern.init)
            self.methods = methods.map { Array($0.uppercased().utf8) }
            self.partialWindow = partialWindow
        }
    }

    /// Extensions of static assets, lower-case, without the dot.
    public static let defaultStaticExtensions = [
        "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "svg", "ico", "webp", "avif",
        "bmp", "woff", "woff2", "ttf", "otf", "eot", "webmanifest",
    ]

    /// Files that crawlers, browsers and ad networks fetch on their own: a name is
    /// matched against the path's last segment, a pattern starting with `/` against the
    /// whole path; `*` stands for any run of characters.
    public static let defaultStaticFiles = ["robots.txt", "sitemap*.xml", "favicon.ico", "ads.txt", "/.well-known/*"]

    /// Methods that can be a visit: HEAD, OPTIONS and the rest fetch no page.
    public static let defaultMethods = ["GET", "POST"]

    /// The path and method rules behind one reference: the filter lives inside the
    /// mapper, and every array held directly would cost a retain whenever it is copied.
    final class RequestRules: Sendable {
        let dropStatic: Bool
        let staticExtensions: [[UInt8]]
        let staticFiles: [StaticFilePattern]
        let methods: [[UInt8]]

        init(_ settings: Settings) {
            dropStatic = settings.dropStatic
            staticExtensions = settings.staticExtensions
            staticFiles = settings.staticFiles
            methods = settings.methods
        }
    }

    let settings: RequestRules
    var agents: UserAgentClassifier
    var partials: PartialRequestWindow?

    public init(settings: Settings) {
        self.settings = RequestRules(settings)
        agents = UserAgentClassifier(rules: settings.agents)
        partials = settings.partialWindow.map { PartialRequestWindow(seconds: $0) }
    }

    /// Why the line's user agent is not a person's, or nil.
    public mutating func agentReason(_ buffer: UnsafeBufferPointer<UInt8>, userAgent: ByteRange, urlEncoded: Bool = false) -> DropReason? {
        agents.classify(buffer, userAgent: userAgent, urlEncoded: urlEncoded).dropReason
    }

    /// Why the line's method or path is no visit, or nil.
    public mutating func requestReason(_ buffer: UnsafeBufferPointer<UInt8>, method: ByteRange, path: ByteRange) -> DropReason? {
        if !settings.methods.isEmpty && !method.isEmpty {
            var allowed = false
            for word in settings.methods where Self.equalIgnoringCase(word, buffer, method) { allowed = true; break }
            if !allowed { return .method }
        }
        if settings.dropStatic && isStaticAsset(buffer, path: path) { return .staticAsset }
        return nil
    }

    /// Whether a 206 answer counts: the first of its visitor and URL within the window does.
    mutating func admitsPartial(_ buffer: UnsafeBufferPointer<UInt8>, _ record: AccessLogRecord, visitor: UInt64) -> Bool {
        guard partials != nil else { return true }
        let url = record.target.isEmpty ? record.path : record.target
        let key = FastHash.hash(buffer[range: url], seed: visitor)
        return partials?.admits(key, at: record.time.epochSeconds) ?? true
    }

    public func isStaticAsset(_ buffer: UnsafeBufferPointer<UInt8>, path: ByteRange) -> Bool {
        if let ext = Self.fileExtension(buffer, path: path), Self.contains(settings.staticExtensions, buffer, ext) { return true }
        guard !settings.staticFiles.isEmpty else { return false }
        var segment = path.end
        while segment > path.start && buffer[segment - 1] != UInt8(ascii: "/") { segment -= 1 }
        for file in settings.staticFiles where file.matches(buffer, path: path, segmentStart: segment) { return true }
        return false
    }

    /// The range of the last path segment's extension, without the dot.
    public static func fileExtension(_ buffer: UnsafeBufferPointer<UInt8>, path: ByteRange) -> ByteRange? {
        var index = path.end
        while index > path.start {
            let byte = buffer[index - 1]
            if byte == UInt8(ascii: "/") { return nil }
            if byte == UInt8(ascii: ".") { return index < path.end ? ByteRange(index, path.end) : nil }
            index -= 1
        }
        return nil
    }

    /// Whether `range` equals one of `words` (lower-case), ignoring ASCII case.
    static func contains(_ words: [[UInt8]], _ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange) -> Bool {
        for word in words where equalIgnoringCase(word, buffer, range, folding: 0x20) { return true }
        return false
    }

    /// Whether `range` equals `word`; `folding` 0x20 compares with a lower-case word, 0 with an upper-case one.
    static func equalIgnoringCase(_ word: [UInt8], _ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange, folding: UInt8 = 0) -> Bool {
        guard word.count == range.count else { return false }
        for offset in 0..<word.count {
            let byte = buffer[range.start + offset]
            let isLetter = (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A
            let folded = isLetter ? (folding == 0 ? byte & ~0x20 : byte | 0x20) : byte
            if folded != word[offset] { return false }
        }
        return true
    }
}

/// A file name (`robots.txt`, `sitemap*.xml`) matched against a path's last segment, or
/// a path pattern (`/.well-known/*`) matched against the whole path; `*` is any run of
/// characters, and case is ignored.
public struct StaticFilePattern: Sendable, Equatable {
    let bytes: [UInt8]
    let wholePath: Bool

    public init(_ text: String) {
        bytes = Array(text.lowercased().utf8)
        wholePath = text.hasPrefix("/")
    }

    /// `segmentStart`: where the path's last segment begins.
    func matches(_ buffer: UnsafeBufferPointer<UInt8>, path: ByteRange, segmentStart: Int) -> Bool {
        let start = wholePath ? path.start : segmentStart
        // Most paths differ from every pattern at their first byte.
        if let first = bytes.first, first != UInt8(ascii: "*") {
            guard start < path.end, Self.folded(buffer[start]) == first else { return false }
        }
        return bytes.withUnsafeBufferPointer { Self.glob($0, 0, buffer, start, path.end) }
    }

    @inline(__always)
    static func folded(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    /// `*` matches any run; everything else matches itself, ignoring ASCII case.
    static func glob(_ pattern: UnsafeBufferPointer<UInt8>, _ from: Int, _ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var index = from
        var position = start
        while index < pattern.count {
            let expected = pattern[index]
            if expected == UInt8(ascii: "*") {
                if index + 1 == pattern.count { return true }
                for next in position...end where glob(pattern, index + 1, buffer, next, end) { return true }
                return false
            }
            guard position < end, folded(buffer[position]) == expected else { return false }
            position += 1
            index += 1
        }
        return position == end
    }
}

extension String {
    func trimmingPrefixDot() -> String {
        hasPrefix(".") ? String(dropFirst()) : self
    }
}

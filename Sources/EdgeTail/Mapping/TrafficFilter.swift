
/// Recognises requests that are not visits by people: crawlers and static assets.
///
/// Bots are found by case-insensitive markers in the user agent; a missing user agent
/// counts as a bot too, since browsers always send one. Verdicts are cached by a hash
/// of the user agent, because a log repeats a few thousand agents millions of times.
public struct TrafficFilter {
    /// Markers of crawlers, monitors and scripted clients, lower-case.
    public static let defaultBotMarkers = [
        "bot", "crawl", "spider", "slurp", "mediapartners", "facebookexternalhit", "embedly",
        "bingpreview", "yandex", "baiduspider", "duckduckgo", "ia_archiver", "archive.org",
        "curl/", "wget/", "python-requests", "python-urllib", "go-http-client", "java/",
        "okhttp", "libwww-perl", "httpclient", "scrapy", "headlesschrome", "phantomjs",
        "lighthouse", "pingdom", "uptime", "monitor", "nagios", "zabbix", "statuscake",
        "checkly", "datadog", "newrelic", "semrush", "ahrefs", "mj12", "dotbot", "petalbot",
        "applebot", "gptbot", "ccbot", "claudebot", "bytespider", "preview", "feedfetcher",
    ]

    /// Extensions of static assets, lower-case, without the dot.
    public static let defaultStaticExtensions = [
        "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "svg", "ico", "webp", "avif",
        "bmp", "woff", "woff2", "ttf", "otf", "eot", "webmanifest",
    ]

    let botMarkers: [[UInt8]]
    let staticExtensions: [[UInt8]]
    private var botCache: [UInt64: Bool] = [:]
    private var lowered: [UInt8] = []

    public init(extraBotMarkers: [String] = [], staticExtensions: [String]? = nil) {
        botMarkers = (Self.defaultBotMarkers + extraBotMarkers.map { $0.lowercased() }).map { Array($0.utf8) }
        self.staticExtensions = (staticExtensions ?? Self.defaultStaticExtensions).map { Array($0.lowercased().utf8) }
        lowered.reserveCapacity(512)
    }

    public mutating func isBot(_ buffer: UnsafeBufferPointer<UInt8>, userAgent: ByteRange) -> Bool {
        if userAgent.isEmpty || (userAgent.count == 1 && buffer[userAgent.start] == UInt8(ascii: "-")) { return true }
        let key = FastHash.hash(buffer[range: userAgent], seed: 7)
        if let known = botCache[key] { return known }
        lowered.removeAll(keepingCapacity: true)
        for index in userAgent.start..<userAgent.end {
            let byte = buffer[index]
            lowered.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        }
        var verdict = false
        for marker in botMarkers where Self.contains(lowered, marker) {
            verdict = true
            break
        }
        if botCache.count >= 50_000 { botCache.removeAll(keepingCapacity: true) }
        botCache[key] = verdict
        return verdict
    }

    public func isStaticAsset(_ buffer: UnsafeBufferPointer<UInt8>, path: ByteRange) -> Bool {
        guard let ext = Self.fileExtension(buffer, path: path) else { return false }
        return Self.contains(staticExtensions, buffer, ext)
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

    /// Whether `needle` occurs in `haystack`.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= haystack.count else { return needle.isEmpty }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var offset = 1
                while offset < needle.count && haystack[index + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            index += 1
        }
        return false
    }

    /// Whether `range` equals one of `words` (lower-case), ignoring ASCII case.
    static func contains(_ words: [[UInt8]], _ buffer: UnsafeBufferPointer<UInt8>, _ range: ByteRange) -> Bool {
        outer: for word in words where word.count == range.count {
            for offset in 0..<word.count {
                let byte = buffer[range.start + offset]
                let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                if folded != word[offset] { continue outer }
            }
            return true
        }
        return false
    }
}

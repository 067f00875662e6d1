/// The fields of one web-server access-log line, as ranges into the batch buffer.
///
/// One record is reused for every line of a batch, so parsing allocates nothing.
public struct AccessLogRecord: Sendable {
    public var virtualHost = ByteRange.empty
    public var client = ByteRange.empty
    public var ident = ByteRange.empty
    public var user = ByteRange.empty
    public var timeText = ByteRange.empty
    public var time = LogTime(epochSeconds: 0)
    public var request = ByteRange.empty
    public var method = ByteRange.empty
    public var target = ByteRange.empty
    public var path = ByteRange.empty
    /// The query string without its `?`; empty when there is none.
    public var query = ByteRange.empty
    public var protocolName = ByteRange.empty
    public var status = 0
    public var bytesSent = 0
    public var referer = ByteRange.empty
    public var userAgent = ByteRange.empty
    /// The user agent has its spaces as `+` or `%20` (W3C logs of IIS and CloudFront).
    public var userAgentIsURLEncoded = false
    /// Quoted fields after the user agent, in order (`extra.1` is the first).
    public var extras: [ByteRange] = []
    /// The request's Cookie header, when the log format has it (`$http_cookie`, `%{Cookie}i`).
    public var cookieHeader = ByteRange.empty
    /// Other variables of a web server's log format (`$upstream_addr`, `%D`), for `{var.NAME}`.
    public var named: [NamedField] = []

    public struct NamedField: Sendable {
        public var name: [UInt8]
        public var range: ByteRange
    }
    /// The line's fields from its source (journal fields), set by the mapper, not the parser.
    public var sourceFields: ArraySlice<LineBatch.Field> = []

    public init() {
        extras.reserveCapacity(4)
    }

    mutating func reset() {
        virtualHost = .empty
        referer = .empty
        userAgent = .empty
        userAgentIsURLEncoded = false
        query = .empty
        method = .empty
        target = .empty
        path = .empty
        protocolName = .empty
        extras.removeAll(keepingCapacity: true)
        cookieHeader = .empty
        named.removeAll(keepingCapacity: true)
        user = .empty
        ident = .empty
        client = .empty
        request = .empty
        status = 0
        bytesSent = 0
    }
}

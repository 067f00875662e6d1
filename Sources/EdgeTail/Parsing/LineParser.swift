/// The parser a pipeline uses: a fixed NCSA format, a web server's own format, or
/// a format whose fields carry names (JSON lines, logfmt, a regex's named groups).
public enum LineParser: Sendable {
    case access(AccessLogParser)
    case template(LogFormatParser)
    case json(JSONLineParser)
    case logfmt(LogfmtParser)
    case regex(RegexLineParser)
    case columns(ColumnLineParser)
    case haproxy(HAProxyLineParser)

    @inline(__always)
    public func parse(_ buffer: UnsafeBufferPointer<UInt8>, line: ByteRange, into record: inout AccessLogRecord) throws(LineParseError) {
        switch self {
        case .access(let parser): try parser.parse(buffer, line: line, into: &record)
        case .template(let parser): try parser.parse(buffer, line: line, into: &record)
        case .json(let parser): try parser.parse(buffer, line: line, into: &record)
        case .logfmt(let parser): try parser.parse(buffer, line: line, into: &record)
        case .regex(let parser): try parser.parse(buffer, line: line, into: &record)
        case .columns(let parser): try parser.parse(buffer, line: line, into: &record)
        case .haproxy(let parser): try parser.parse(buffer, line: line, into: &record)
        }
    }
}

/// The parser a pipeline uses: a fixed NCSA format, or a web server's own format.
public enum LineParser: Sendable {
    case access(AccessLogParser)
    case template(LogFormatParser)

    @inline(__always)
    public func parse(_ buffer: UnsafeBufferPointer<UInt8>, line: ByteRange, into record: inout AccessLogRecord) throws(LineParseError) {
        switch self {
        case .access(let parser): try parser.parse(buffer, line: line, into: &record)
        case .template(let parser): try parser.parse(buffer, line: line, into: &record)
        }
    }
}

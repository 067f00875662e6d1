/// Behind a load balancer or CDN, the logged peer is the proxy. When the peer is in
/// `trusted_proxies`, the visitor is the right-most address of `X-Forwarded-For` that is
/// not itself a trusted proxy (the left-most when all are), else `X-Real-IP`. A peer
/// that is not trusted keeps its address: its headers could say anything.
public struct ClientAddressResolver: Sendable {
    let trusted: [IPNetwork]
    let forwardedFor: FieldReference
    let realIP: FieldReference

    public init(trusted: [IPNetwork], forwardedFor: FieldReference, realIP: FieldReference) {
        self.trusted = trusted
        self.forwardedFor = forwardedFor
        self.realIP = realIP
    }

    var isActive: Bool { !trusted.isEmpty }

    func isTrusted(_ address: IPAddress) -> Bool {
        trusted.contains { $0.contains(address) }
    }

    public func resolve(_ buffer: UnsafeBufferPointer<UInt8>, _ record: inout AccessLogRecord, extractor: FieldExtractor) {
        guard isActive, let peer = IPAddress(buffer[range: record.client]), isTrusted(peer) else { return }
        if let list = extractor.range(of: forwardedFor, buffer, record) {
            var end = list.end
            var leftMost: ByteRange?
            while end > list.start {
                var start = end
                while start > list.start && buffer[start - 1] != UInt8(ascii: ",") { start -= 1 }
                var element = ByteRange(start, end)
                while element.start < element.end && buffer[element.start] == 0x20 { element = ByteRange(element.start + 1, element.end) }
                while element.end > element.start && buffer[element.end - 1] == 0x20 { element = ByteRange(element.start, element.end - 1) }
                if let address = IPAddress(buffer[range: element]) {
                    if !isTrusted(address) {
                        record.client = element
                        return
                    }
                    leftMost = element
                }
                end = start > list.start ? start - 1 : start
            }
            if let leftMost {
                record.client = leftMost
                return
            }
        }
        if let real = extractor.range(of: realIP, buffer, record), IPAddress(buffer[range: real]) != nil {
            record.client = real
        }
    }
}

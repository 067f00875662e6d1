import Foundation

/// Where requests go — whether to speak TLS, the host and port to connect to, the
/// request target and the `Host` header — parsed once, when a sink is made, rather
/// than from a URL string on every request.
struct HTTPEndpoint: Sendable, Equatable, CustomStringConvertible {
    var usesTLS: Bool
    /// The host to connect to, without the brackets of an IPv6 literal.
    var host: String
    var port: Int
    /// The path and query (`/ee/v2/collect?datastreamId=…`), `/` when the URL has none.
    var target: String

    /// `host`, bracketed when IPv6, with the port when it is not the scheme's default.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (usesTLS ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// True when `host` is an IP address, which TLS must not send as the server name.
    var hostIsAddress: Bool { IPAddress(host) != nil }

    var description: String { (usesTLS ? "https://" : "http://") + hostHeader + target }

    /// Parses an `http://` or `https://` URL.
    init(url: String) throws(HTTPConnectionError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https" else {
            throw .invalidURL(url, reason: "expected an http:// or https:// URL")
        }
        guard var host = components.host, !host.isEmpty else {
            throw .invalidURL(url, reason: "it names no host")
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        usesTLS = scheme == "https"
        self.host = host
        port = components.port ?? (usesTLS ? 443 : 80)
        guard (1...65_535).contains(port) else { throw .invalidURL(url, reason: "port \(port) is out of range") }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        target = components.percentEncodedQuery.map { path + "?" + $0 } ?? path
    }
}

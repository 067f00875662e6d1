#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loopback TCP port that stays ours while an endpoint is down: a socket bound to it
/// with `SO_REUSEADDR` that never listens. Connections to it are refused, as to a
/// stopped server, yet no other test's server (all bind port 0) can be given the port
/// meanwhile; a stand-in bound to it with `SO_REUSEADDR` (Hummingbird's default) may
/// listen on it at any time.
///
/// Why: stopping a stand-in and starting another on its port later left the port free
/// in between, and a parallel test's server could take it and answer for the endpoint
/// that was meant to be down.
final class ReservedPort: Sendable {
    let port: Int
    private let descriptor: Int32

    struct Failure: Error, CustomStringConvertible {
        var operation: String
        var code: Int32
        var description: String { "cannot \(operation) a loopback port: \(String(cString: strerror(code)))" }
    }

    init() throws(Failure) {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure(operation: "open a socket for", code: errno) }
        var one: Int32 = 1
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) == 0
                    && bind(descriptor, address, length) == 0
                    && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(descriptor)
            throw Failure(operation: "bind", code: code)
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// The endpoint's base URL, for a sink's `endpoint`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    deinit {
        close(descriptor)
    }
}

import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// One HTTP/1.1 connection to one endpoint, kept open from one request to the next,
/// for a sender with one request in flight at a time (an Edge lane; IMS minting).
///
/// Why not a pooled client: at full speed a lane sends a request every millisecond or
/// two (the Edge Network takes 64 KB a request), and a general client's work per
/// request (parsing the URL, its pool's and transaction's state machines, generic
/// dispatch) cost more than writing the request. Here a request is a head and a body
/// written to a channel that is already open, and an answer collected by one handler.
///
/// - It connects on first use; again once the server closed the connection or asked
///   to (`Connection: close`); and again after `idleLimit` without a request, rather
///   than trust a connection that a NAT or the server may have dropped silently. No
///   timer runs while idle: the age is looked at when the next request comes.
/// - A request sent on a reused connection that the server closes before answering is
///   sent once more on a new connection: the server closed it while idle and never saw
///   the request. Any other failure is the caller's to retry.
/// - Each request has a deadline (`timeout`, from writing to the end of the answer):
///   past it, or when the waiting task is cancelled, the connection is closed and the
///   request fails, so a late answer is never taken for the next request's.
final class HTTPConnection: Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
        var keepAlive: Bool
    }

    let endpoint: HTTPEndpoint
    private let group: any EventLoopGroup
    private let tls: NIOSSLContext?
    private let connectTimeout: TimeAmount
    private let idleLimit: Duration
    private let answerLimit: Int
    private let userAgent: String
    private let state = Mutex(State())

    private struct State {
        var channel: (any Channel)?
        /// Requests answered on `channel`.
        var answered = 0
        var lastUsed = ContinuousClock.now
    }

    /// - Parameter tls: required for an `https` endpoint (`HTTPConnection.clientTLS()`),
    ///   shared by the connections of a sink.
    init(endpoint: HTTPEndpoint, tls: NIOSSLContext?, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
         connectTimeout: Duration = .seconds(5), idleLimit: Duration = .seconds(50), answerLimit: Int = 1 << 20) {
        self.endpoint = endpoint
        self.tls = tls
        self.group = group
        self.connectTimeout = TimeAmount(connectTimeout)
        self.idleLimit = idleLimit
        self.answerLimit = answerLimit
        userAgent = "edgetail/" + EdgeTailVersion.string
    }

    /// A TLS client context with the system's trust roots and host name checks.
    static func clientTLS() throws(HTTPConnectionError) -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: .makeClientConfiguration())
        } catch {
            throw .tlsUnavailable("\(error)")
        }
    }

    /// Sends one request to `target` (the endpoint's own when nil) and returns its answer.
    func send(_ method: HTTPMethod, target: String? = nil, headers: [(String, String)], body: ByteBuffer,
              timeout: Duration) async throws(HTTPConnectionError) -> Response {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target ?? endpoint.target)
        head.headers.reserveCapacity(headers.count + 3)
        head.headers.add(name: "Host", value: endpoint.hostHeader)
        head.headers.add(name: "User-Agent", value: userAgent)
        head.headers.add(name: "Content-Length", value: String(body.readableBytes))
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        let deadline = TimeAmount(timeout)
        var retried = false
        while true {
            let (channel, reused) = try await openChannel()
            do {
                let response = try await exchange(HTTPExchange(head: head, body: body, timeout: deadline,
                                                               answer: channel.eventLoop.makePromise()), on: channel)
                state.withLock { state in
                    guard state.channel === channel else { return }
                    state.answered += 1
                    state.lastUsed = .now
                    if !response.keepAlive { state.channel = nil }
                }
                return response
            } catch {
                forget(channel)
                if case .closedBeforeAnswer = error, reused, !retried {
                    retried = true
                    continue
                }
                throw error
            }
        }
    }

    /// Closes the connection; the next request opens a new one.
    func close() async {
        guard let channel = state.withLock({ state -> (any Channel)? in
            defer { state.channel = nil }
            return state.channel
        }) else { return }
        try? await channel.close()
    }

    private func forget(_ channel: any Channel) {
        state.withLock { state in
            if state.channel === channel { state.channel = nil }
        }
        channel.close(promise: nil)
    }

    /// The open channel, or a new one; `reused` when it answered requests before.
    private func openChannel() async throws(HTTPConnectionError) -> (any Channel, reused: Bool) {
        let kept = state.withLock { state -> (open: (any Channel)?, reused: Bool, stale: (any Channel)?) in
            guard let channel = state.channel else { return (nil, false, nil) }
            if !channel.isActive || ContinuousClock.now - state.lastUsed > idleLimit {
                state.channel = nil
                return (nil, false, channel)
            }
            return (channel, state.answered > 0, nil)
        }
        kept.stale?.close(promise: nil)
        if let channel = kept.open { return (channel, kept.reused) }
        let channel = try await connect()
        state.withLock { state in
            state.channel?.close(promise: nil)
            state.channel = channel
            state.answered = 0
            state.lastUsed = .now
        }
        return (channel, false)
    }

    private func connect() async throws(HTTPConnectionError) -> any Channel {
        let tls = tls
        let endpoint = endpoint
        let answerLimit = answerLimit
        if endpoint.usesTLS && tls == nil { throw .tlsUnavailable("no TLS context for \(endpoint)") }
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if endpoint.usesTLS, let tls {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: endpoint.hostIsAddress ? nil : endpoint.host))
                    }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(HTTPExchangeHandler(endpoint: endpoint.description, answerLimit: answerLimit))
                }
            }
        do {
            return try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            throw .connectFailed(endpoint.description, reason: "\(error)")
        }
    }

    private func exchange(_ exchange: HTTPExchange, on channel: any Channel) async throws(HTTPConnectionError) -> Response {
        let answer = exchange.answer.futureResult
        let endpoint = endpoint.description
        // A channel closed before the write reaches the handler fails the write, not the answer.
        channel.writeAndFlush(exchange).whenFailure { _ in exchange.answer.fail(HTTPConnectionError.closedBeforeAnswer(endpoint)) }
        do {
            return try await withTaskCancellationHandler {
                try await answer.get()
            } onCancel: {
                exchange.answer.fail(HTTPConnectionError.cancelled(endpoint))
                channel.close(promise: nil)
            }
        } catch let error as HTTPConnectionError {
            throw error
        } catch {
            throw .failed(endpoint, reason: "\(error)")
        }
    }
}

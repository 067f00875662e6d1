import NIOCore
import NIOHTTP1

/// One request and the promise of its answer, as written to a connection's channel.
struct HTTPExchange: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer
    var timeout: TimeAmount
    var answer: EventLoopPromise<HTTPConnection.Response>
}

/// The last handler of a connection's pipeline: writes an `HTTPExchange` as request
/// parts, collects the answer, and completes the exchange's promise — with the answer,
/// or with why there is none (deadline passed, connection closed, answer too large).
///
/// One exchange at a time. Past the deadline, or when the answer asks for it, the
/// connection is closed: a late answer must never be taken for the next request's.
final class HTTPExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPExchange
    typealias OutboundOut = HTTPClientRequestPart

    private let endpoint: String
    private let answerLimit: Int
    private var answer: EventLoopPromise<HTTPConnection.Response>?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?
    private var deadline: NIOScheduledCallback?

    init(endpoint: String, answerLimit: Int) {
        self.endpoint = endpoint
        self.answerLimit = answerLimit
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        guard answer == nil else {
            exchange.answer.fail(HTTPConnectionError.busy(endpoint))
            promise?.fail(HTTPConnectionError.busy(endpoint))
            return
        }
        answer = exchange.answer
        head = nil
        body = nil
        deadline = try? context.eventLoop.assumeIsolated().scheduleCallback(
            in: exchange.timeout, handler: DeadlinePassed(handler: self, context: context, timeout: exchange.timeout))
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(exchange.body))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenFailure { error in
            self.fail(.failed(self.endpoint, reason: "\(error)"), context: context)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        promise?.succeed()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let received):
            guard answer != nil else {
                // An answer nobody asked for: the connection is out of step.
                context.close(promise: nil)
                return
            }
            head = received
        case .body(var part):
            guard answer != nil else { return }
            if (body?.readableBytes ?? 0) + part.readableBytes > answerLimit {
                fail(.answerTooLarge(endpoint, limit: answerLimit), context: context)
                return
            }
            if body == nil { body = part } else { body?.writeBuffer(&part) }
        case .end:
            guard let answer, let head else { return }
            // 1xx (100 Continue, 103 Early Hints) come before the answer itself.
            if head.status.code < 200 {
                self.head = nil
                body = nil
                return
            }
            finish()
            if !head.isKeepAlive { context.close(promise: nil) }
            answer.succeed(HTTPConnection.Response(status: Int(head.status.code), headers: head.headers,
                                                   body: body ?? ByteBuffer(), keepAlive: head.isKeepAlive))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if answer != nil {
            fail(head == nil ? .closedBeforeAnswer(endpoint) : .closedMidAnswer(endpoint), context: context)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.failed(endpoint, reason: "\(error)"), context: context)
    }

    /// Fails the exchange in flight, if any, and closes the connection.
    fileprivate func fail(_ error: HTTPConnectionError, context: ChannelHandlerContext) {
        let failed = answer
        finish()
        context.close(promise: nil)
        failed?.fail(error)
    }

    private func finish() {
        answer = nil
        deadline?.cancel()
        deadline = nil
    }

    /// Fails the exchange when its deadline passes (run on the channel's loop).
    private struct DeadlinePassed: NIOScheduledCallbackHandler {
        let handler: HTTPExchangeHandler
        let context: ChannelHandlerContext
        let timeout: TimeAmount

        func handleScheduledCallback(eventLoop: some EventLoop) {
            handler.fail(.timedOut(handler.endpoint, after: Duration(timeout)), context: context)
        }
    }
}

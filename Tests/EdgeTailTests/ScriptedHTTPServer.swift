import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// An HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that answers each request as
/// its script says — an answer's raw bytes, a close without answer, or silence — and
/// records the connections it accepted and the requests it read, so that tests of
/// `HTTPConnection` see what a real peer saw.
final class ScriptedHTTPServer: Sendable {
    enum Step: Sendable {
        /// These bytes, as they are (status line, headers, body).
        case answer(String)
        /// Close the connection without answering.
        case close
        /// Read the request and never answer.
        case hang
    }

    struct Request: Sendable {
        /// Which accepted connection (0, 1, …) it came on.
        var connection: Int
        var head: String
        var body: String
    }

    /// What the server saw and what it has still to do, shared by its connections.
    private final class Record: Sendable {
        let state: Mutex<(connections: Int, requests: [Request], script: [Step])>
        init(script: [Step]) { state = Mutex((0, [], script)) }
    }

    let port: Int
    private let channel: any Channel
    private let record: Record

    /// - Parameter tls: when given, the server speaks TLS with it.
    init(script: [Step], tls: NIOSSLContext? = nil) async throws {
        let record = Record(script: script)
        self.record = record
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let number = record.state.withLock { record in
                        defer { record.connections += 1 }
                        return record.connections
                    }
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(ScriptedConnection(number: number, record: record))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    var connections: Int { record.state.withLock { $0.connections } }
    var requests: [Request] { record.state.withLock { $0.requests } }

    func stop() async {
        try? await channel.close()
    }

    /// Reads requests (head up to the blank line, then `Content-Length` bytes) and
    /// carries out the next step of the script for each.
    private final class ScriptedConnection: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let number: Int
        let record: Record
        var pending: [UInt8] = []

        init(number: Int, record: Record) {
            self.number = number
            self.record = record
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            pending += unwrapInboundIn(data).readableBytesView
            while let request = takeRequest() {
                let step = record.state.withLock { record -> Step in
                    record.requests.append(request)
                    return record.script.isEmpty ? .answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") : record.script.removeFirst()
                }
                switch step {
                case .answer(let text):
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
                case .close:
                    context.close(promise: nil)
                    return
                case .hang:
                    break
                }
            }
        }

        private func takeRequest() -> Request? {
            let separator: [UInt8] = Array("\r\n\r\n".utf8)
            guard let end = pending.indices.first(where: { pending[$0...].starts(with: separator) }) else { return nil }
            let head = String(decoding: pending[..<end], as: UTF8.self)
            let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }.first ?? 0
            let bodyStart = end + separator.count
            guard pending.count >= bodyStart + length else { return nil }
            let body = String(decoding: pending[bodyStart..<bodyStart + length], as: UTF8.self)
            pending.removeFirst(bodyStart + length)
            return Request(connection: number, head: head, body: body)
        }
    }
}

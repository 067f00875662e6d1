import Foundation
import NIOCore
import NIOSSL
import Testing
@testable import EdgeTail

/// `HTTPConnection` against a real server on loopback that answers as each test's
/// script says: what it sends, when it reuses or reopens the connection, and how it
/// fails when the peer closes, hangs or answers too much.
@Suite struct HTTPConnectionTests {
    static let ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"

    func connection(_ server: ScriptedHTTPServer, path: String = "/ee/v2/collect?datastreamId=d",
                    answerLimit: Int = 1 << 20) throws -> HTTPConnection {
        HTTPConnection(endpoint: try HTTPEndpoint(url: "http://127.0.0.1:\(server.port)\(path)"), tls: nil, answerLimit: answerLimit)
    }

    func post(_ connection: HTTPConnection, _ body: String = "{}", timeout: Duration = .seconds(30)) async throws -> HTTPConnection.Response {
        try await connection.send(.POST, headers: [("Content-Type", "application/json")], body: ByteBuffer(string: body), timeout: timeout)
    }

    @Test func sendsOneRequestWithHostLengthHeadersAndBody() async throws {
        let server = try await ScriptedHTTPServer(script: [.answer("HTTP/1.1 202 Accepted\r\nRetry-After: 3\r\nContent-Length: 17\r\n\r\n{\"requestId\":\"r\"}")])
        defer { Task { await server.stop() } }
        let client = try connection(server)
        let response = try await client.send(.POST, target: "/ee/v2/collect?datastreamId=d&requestId=abc",
                                             headers: [("Content-Type", "application/json"), ("x-api-key", "key")],
                                             body: ByteBuffer(string: #"{"events":[]}"#), timeout: .seconds(30))
        #expect(response.status == 202)
        #expect(String(buffer: response.body) == #"{"requestId":"r"}"#)
        #expect(response.headers.first(name: "retry-after") == "3")
        let request = try #require(server.requests.first)
        let lines = request.head.components(separatedBy: "\r\n")
        #expect(lines.first == "POST /ee/v2/collect?datastreamId=d&requestId=abc HTTP/1.1")
        #expect(lines.contains("Host: 127.0.0.1:\(server.port)"))
        #expect(lines.contains("Content-Length: 13"))
        #expect(lines.contains("x-api-key: key"))
        #expect(lines.contains { $0.hasPrefix("User-Agent: edgetail/") })
        #expect(!lines.contains { $0.lowercased().hasPrefix("transfer-encoding") })
        #expect(request.body == #"{"events":[]}"#)
        await client.close()
    }

    @Test func keepsTheConnectionOpenFromOneRequestToTheNext() async throws {
        let server = try await ScriptedHTTPServer(script: [.answer(Self.ok), .answer(Self.ok), .answer(Self.ok)])
        defer { Task { await server.stop() } }
        let client = try connection(server)
        for _ in 0..<3 { #expect(try await post(client).status == 200) }
        #expect(server.connections == 1)
        #expect(server.requests.map(\.connection) == [0, 0, 0])
        await client.close()
    }

    @Test func opensANewConnectionAfterAnAnswerThatAsksToClose() async throws {
        let server = try await ScriptedHTTPServer(script: [
            .answer("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"), .answer(Self.ok)])
        defer { Task { await server.stop() } }
        let client = try connection(server)
        #expect(try await post(client).status == 200)
        #expect(try await post(client).status == 200)
        #expect(server.requests.map(\.connection) == [0, 1])
        await client.close()
    }

    /// The race of keep-alive: the server closes a connection it holds idle just as the
    /// next request goes out on it. It never saw the request, so it is sent again, once.
    @Test func resendsOnceOnANewConnectionWhenAReusedOneClosesBeforeAnswering() async throws {
        let server = try await ScriptedHTTPServer(script: [.answer(Self.ok), .close, .answer(Self.ok)])
        defer { Task { await server.stop() } }
        let client = try connection(server)
        #expect(try await post(client, "first").status == 200)
        #expect(try await post(client, "second").status == 200)
        #expect(server.requests.map(\.connection) == [0, 0, 1])
        #expect(server.requests.map(\.body) == ["first", "second", "second"])
        await client.close()
    }

    @Test func aNewConnectionClosedBeforeAnsweringFailsWithoutResending() async throws {
        let server = try await ScriptedHTTPServer(script: [.close, .answer(Self.ok)])
        defer { Task { await server.stop() } }
        let client = try connection(server)
        await #expect(throws: HTTPConnectionError.closedBeforeAnswer(client.endpoint.description)) { try await post(client) }
        #expect(server.requests.count == 1)
        // The next request opens a connection of its own.
        #expect(try await post(client).status == 200)
        #expect(server.requests.map(\.connection) == [0, 1])
        await client.close()
    }

    @Test func aRequestWithoutAnswerFailsAtItsDeadlineAndTheNextOneGetsANewConnection() async throws {
        let server = try await ScriptedHTTPServer(script: [.hang, .answer(Self.ok)])
        defer { Task { await server.stop() } }
        let client = try connection(server)
        await #expect(throws: HTTPConnectionError.timedOut(client.endpoint.description, after: .milliseconds(200))) {
            try await post(client, timeout: .milliseconds(200))
        }
        #expect(try await post(client).status == 200)
        #expect(server.requests.map(\.connection) == [0, 1])
        await client.close()
    }

    @Test func cancellingTheWaitingTaskFailsTheRequestAndClosesTheConnection() async throws {
        let server = try await ScriptedHTTPServer(script: [.hang, .answer(Self.ok)])
        defer { Task { await server.stop() } }
        let client = try connection(server)
        let waiting = Task { try await post(client, timeout: .seconds(300)) }
        try await waitUntil("the server has read the request") { server.requests.count == 1 }
        waiting.cancel()
        await #expect(throws: HTTPConnectionError.cancelled(client.endpoint.description)) { try await waiting.value }
        #expect(try await post(client).status == 200)
        #expect(server.requests.map(\.connection) == [0, 1])
        await client.close()
    }

    @Test func anAnswerLargerThanTheLimitFails() async throws {
        let body = String(repeating: "x", count: 2_000)
        let server = try await ScriptedHTTPServer(script: [.answer("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + body)])
        defer { Task { await server.stop() } }
        let client = try connection(server, answerLimit: 1_000)
        await #expect(throws: HTTPConnectionError.answerTooLarge(client.endpoint.description, limit: 1_000)) { try await post(client) }
        await client.close()
    }

    @Test func informationalAnswersAreSkippedAndChunkedBodiesCollected() async throws {
        let server = try await ScriptedHTTPServer(script: [
            .answer("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 207 Multi-Status\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
            .answer(Self.ok)])
        defer { Task { await server.stop() } }
        let client = try connection(server)
        let response = try await post(client)
        #expect(response.status == 207)
        #expect(String(buffer: response.body) == "hello world")
        #expect(try await post(client).status == 200)
        #expect(server.connections == 1)
        await client.close()
    }

    @Test func nothingListeningIsAConnectFailure() async throws {
        let server = try await ScriptedHTTPServer(script: [])
        let port = server.port
        await server.stop()
        let client = HTTPConnection(endpoint: try HTTPEndpoint(url: "http://127.0.0.1:\(port)/"), tls: nil)
        await #expect {
            try await post(client)
        } throws: { error in
            guard case .connectFailed(let endpoint, _)? = error as? HTTPConnectionError else { return false }
            return endpoint == "http://127.0.0.1:\(port)/"
        }
    }

    @Test func endpointsAreParsedOnce() throws {
        let collect = try HTTPEndpoint(url: "https://server.adobedc.net/ee/v2/collect?datastreamId=a%20b")
        #expect(collect.usesTLS && collect.host == "server.adobedc.net" && collect.port == 443)
        #expect(collect.target == "/ee/v2/collect?datastreamId=a%20b")
        #expect(collect.hostHeader == "server.adobedc.net" && !collect.hostIsAddress)
        let local = try HTTPEndpoint(url: "http://[::1]:8080")
        #expect(!local.usesTLS && local.host == "::1" && local.port == 8080 && local.target == "/")
        #expect(local.hostHeader == "[::1]:8080" && local.hostIsAddress)
        #expect(try HTTPEndpoint(url: "http://127.0.0.1/x").hostHeader == "127.0.0.1")
        #expect(throws: HTTPConnectionError.self) { try HTTPEndpoint(url: "ftp://example.com/") }
        #expect(throws: HTTPConnectionError.self) { try HTTPEndpoint(url: "http:///path") }
    }

    // MARK: TLS

    /// The test certificate for `localhost` (Tests/Fixtures/tls) and a server context speaking TLS with it.
    struct TLSFixture {
        let certificate = repositoryRoot.appendingPathComponent("Tests/Fixtures/tls/localhost.cert.pem").path
        let serverContext: NIOSSLContext

        init() throws {
            let key = repositoryRoot.appendingPathComponent("Tests/Fixtures/tls/localhost.key.pem").path
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            serverContext = try NIOSSLContext(configuration: .makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))))
        }

        func clientContext(trusting: Bool) throws -> NIOSSLContext {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if trusting { configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate)) }
            return try NIOSSLContext(configuration: configuration)
        }
    }

    @Test func speaksTLSWithTheServerNameAndKeepsTheConnection() async throws {
        let fixture = try TLSFixture()
        let server = try await ScriptedHTTPServer(script: [.answer(Self.ok), .answer(Self.ok)], tls: fixture.serverContext)
        defer { Task { await server.stop() } }
        let client = HTTPConnection(endpoint: try HTTPEndpoint(url: "https://localhost:\(server.port)/ee/v2/collect"),
                                    tls: try fixture.clientContext(trusting: true))
        #expect(try await post(client, "one").status == 200)
        #expect(try await post(client, "two").status == 200)
        #expect(server.requests.map(\.body) == ["one", "two"])
        #expect(server.connections == 1)
        await client.close()
    }

    @Test func refusesAServerItsTrustRootsDoNotVouchFor() async throws {
        let fixture = try TLSFixture()
        let server = try await ScriptedHTTPServer(script: [.answer(Self.ok)], tls: fixture.serverContext)
        defer { Task { await server.stop() } }
        let client = HTTPConnection(endpoint: try HTTPEndpoint(url: "https://localhost:\(server.port)/"),
                                    tls: try fixture.clientContext(trusting: false))
        await #expect(throws: HTTPConnectionError.self) { try await post(client) }
        #expect(server.requests.isEmpty)
        await client.close()
    }
}

import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Serves `/metrics` (Prometheus text) and `/health` (JSON) on `api.listen`.
///
/// It runs in a service group of its own, started before the pipelines and stopped
/// after them, so a scrape during shutdown still answers and the pipelines' group
/// never sees the server end first.
public actor TelemetryServer {
    public enum Failure: Error, CustomStringConvertible {
        case cannotListen(address: String, reason: String)
        public var description: String {
            switch self {
            case .cannotListen(let address, let reason): "cannot serve the api on \(address): \(reason)"
            }
        }
    }

    public let configuration: APIConfiguration
    let exporter: MetricsExporter
    let snapshot: @Sendable () -> TelemetrySnapshot
    let logger: Logger
    private var group: ServiceGroup?
    private var task: Task<Void, any Error>?

    public init(configuration: APIConfiguration, exporter: MetricsExporter, logger: Logger,
                snapshot: @escaping @Sendable () -> TelemetrySnapshot) {
        self.configuration = configuration
        self.exporter = exporter
        self.snapshot = snapshot
        self.logger = logger
    }

    /// Binds and returns the bound port once connections are accepted.
    public func start() async throws -> Int {
        let router = Router()
        let exporter = exporter
        let snapshot = snapshot
        let maxAge = configuration.healthMaxEventAge
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: exporter.render(snapshot()))))
        }
        router.get("/health") { _, _ -> Response in
            let report = HealthReport.evaluate(snapshot(), maxEventAge: maxAge)
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .init(code: report.httpStatus), headers: headers,
                            body: .init(byteBuffer: ByteBuffer(bytes: report.json)))
        }
        // Hummingbird's own logging stays quiet; edgetail logs the address itself.
        var quiet = logger
        quiet.logLevel = .warning
        let (ports, continuation) = AsyncThrowingStream<Int, any Error>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: quiet)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: quiet))
        self.group = group
        task = Task {
            do {
                try await group.run()
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
                throw error
            }
        }
        let address = "\(configuration.host):\(configuration.port)"
        do {
            var iterator = ports.makeAsyncIterator()
            guard let port = try await iterator.next() else {
                throw Failure.cannotListen(address: address, reason: "the server stopped before listening")
            }
            logger.info("api listening", metadata: ["address": "\(configuration.host):\(port)", "paths": "/metrics /health"])
            return port
        } catch let failure as Failure {
            await stop()
            throw failure
        } catch {
            await stop()
            throw Failure.cannotListen(address: address, reason: "\(error)")
        }
    }

    /// Finishes open requests and closes the listening socket.
    public func stop() async {
        await group?.triggerGracefulShutdown()
        _ = try? await task?.value
        group = nil
        task = nil
    }
}

import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Serves `/metrics` (Prometheus text) and `/health` (JSON) on `api.listen`, and,
/// when given the runtime's parts, `/api/v1/stats` (JSON, for `edgetail top`) and
/// `/api/v1/tap` (NDJSON streamed as lines are processed, for `edgetail tap`).
/// docs/api.md describes every field.
///
/// A `Service` of the daemon's service group, placed before the pipelines: the group
/// shuts services down in reverse order, so a scrape during shutdown still answers
/// until the pipelines have delivered and checkpointed. `listeningPort()` tells when
/// it accepts connections (the pipelines wait for it, so a busy address stops
/// edgetail before it reads anything).
public actor TelemetryServer: Service {
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
    let stats: (@Sendable () -> StatsDocument)?
    let tap: LineTap?
    let logger: Logger
    /// The bound port once listening, or why it never will be.
    private var listening: Result<Int, Failure>?
    private var portWaiters: [CheckedContinuation<Int, any Error>] = []

    public init(configuration: APIConfiguration, exporter: MetricsExporter, logger: Logger, tap: LineTap? = nil,
                stats: (@Sendable () -> StatsDocument)? = nil, snapshot: @escaping @Sendable () -> TelemetrySnapshot) {
        self.configuration = configuration
        self.exporter = exporter
        self.snapshot = snapshot
        self.stats = stats
        self.tap = tap
        self.logger = logger
    }

    private var address: String { "\(configuration.host):\(configuration.port)" }

    /// Serves until the group shuts down gracefully or the task is cancelled.
    public func run() async throws {
        let paths = ["/metrics", "/health"] + (stats == nil ? [] : ["/api/v1/stats"]) + (tap == nil ? [] : ["/api/v1/tap"])
        let logger = logger
        let host = configuration.host
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("api listening", metadata: ["address": "\(host):\(port)", "paths": "\(paths.joined(separator: " "))"])
                await self.settle(.success(port))
            },
            logger: Self.quiet(logger))
        let tap = tap
        do {
            // A tap response lasts until its client leaves: end it, or shutdown would wait for ever.
            try await withGracefulShutdownHandler {
                try await app.run()
            } onGracefulShutdown: {
                tap?.finishAll()
            }
        } catch {
            let failure = Failure.cannotListen(address: address, reason: "\(error)")
            settle(.failure(failure))
            throw failure
        }
        settle(.failure(.cannotListen(address: address, reason: "the server stopped before listening")))
    }

    /// The bound port, once connections are accepted; throws when the server could not listen.
    public func listeningPort() async throws -> Int {
        if let listening { return try listening.get() }
        return try await withCheckedThrowingContinuation { portWaiters.append($0) }
    }

    private func settle(_ result: Result<Int, Failure>) {
        guard listening == nil else { return }
        listening = result
        for waiter in portWaiters { waiter.resume(with: result.mapError { $0 as any Error }) }
        portWaiters = []
    }

    /// Hummingbird's own logging stays quiet; edgetail logs the address itself.
    private static func quiet(_ logger: Logger) -> Logger {
        var quiet = logger
        quiet.logLevel = .warning
        return quiet
    }

    private func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let exporter = exporter
        let snapshot = snapshot
        let maxAge = configuration.healthMaxEventAge
        let tap = tap
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            var text = exporter.render(snapshot())
            if let tap { text += (text.hasSuffix("\n") ? "" : "\n") + Self.tapMetrics(tap) }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/health") { _, _ -> Response in
            let report = HealthReport.evaluate(snapshot(), maxEventAge: maxAge)
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .init(code: report.httpStatus), headers: headers,
                            body: .init(byteBuffer: ByteBuffer(bytes: report.json)))
        }
        if let stats {
            router.get("/api/v1/stats") { _, _ -> Response in
                Self.json(.ok, stats().json)
            }
        }
        if let tap {
            router.get("/api/v1/tap") { request, _ -> Response in
                Self.tapResponse(request, tap: tap)
            }
        }
        return router
    }

    // MARK: The tap

    /// Streams the samples a query asks for as NDJSON, with `{"dropped":N}` lines
    /// when this subscriber's queue overflowed and after 5 s of silence (which also
    /// finds a client that left while nothing happened).
    static func tapResponse(_ request: Request, tap: LineTap) -> Response {
        let query: TapQuery
        let subscription: TapSubscription
        do {
            query = try TapQuery(parameters: request.uri.queryParameters.map { (key: String($0.key), value: String($0.value)) })
        } catch {
            return json(.badRequest, errorJSON(error.description))
        }
        do {
            subscription = try tap.subscribe(query.filter)
        } catch {
            return json(.serviceUnavailable, errorJSON(error.description))
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/x-ndjson"
        let limit = query.limit
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { subscription.cancel() }
            var reported = 0
            var sent = 0
            var quietTicks = 0
            try await withThrowingTaskGroup(of: Void.self) { ticking in
                // A tick a second, for the dropped count and to find a client that left.
                ticking.addTask {
                    while true {
                        try await Task.sleep(for: .seconds(1))
                        subscription.tick()
                    }
                }
                defer { ticking.cancelAll() }
                stream: for await message in subscription.messages {
                    let dropped = subscription.dropped
                    switch message {
                    case .sample(let sample):
                        quietTicks = 0
                        if dropped != reported {
                            try await writer.write(ByteBuffer(string: "{\"dropped\":\(dropped)}\n"))
                            reported = dropped
                        }
                        try await writer.write(ByteBuffer(bytes: sample.json))
                        sent += 1
                        if let limit, sent >= limit { break stream }
                    case .tick:
                        quietTicks += 1
                        if dropped != reported || quietTicks >= 5 {
                            try await writer.write(ByteBuffer(string: "{\"dropped\":\(dropped)}\n"))
                            reported = dropped
                            quietTicks = 0
                        }
                    }
                }
            }
            try await writer.finish(nil)
        })
    }

    static func tapMetrics(_ tap: LineTap) -> String {
        """
        # HELP edgetail_tap_subscribers Clients of /api/v1/tap now.
        # TYPE edgetail_tap_subscribers gauge
        edgetail_tap_subscribers \(tap.subscriberCount)
        # HELP edgetail_tap_dropped_samples_total Tap samples lost because a subscriber's queue was full.
        # TYPE edgetail_tap_dropped_samples_total counter
        edgetail_tap_dropped_samples_total \(tap.droppedTotal)

        """
    }

    static func json(_ status: HTTPResponse.Status, _ body: Data) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func errorJSON(_ message: String) -> Data {
        (try? JSONEncoder().encode(["error": message])) ?? Data("{}".utf8)
    }
}

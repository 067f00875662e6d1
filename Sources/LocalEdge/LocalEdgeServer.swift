import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The local stand-in of the Edge Network collection endpoint, embeddable in
/// tests and demos and run by `edgetail collector`.
///
/// Routes: `POST /ee/v2/collect`, `POST /ims/token/v3`, `GET /stats`, and the
/// browser console at `GET /` with its JSON endpoints under `/console/` (``ConsoleRoutes``).
public actor LocalEdgeServer {
    public let configuration: LocalEdgeConfiguration
    private let logger: Logger
    private let counters = RequestCounters()
    private let hung = HungRequests()
    private var store: (any EventStore)?
    private var group: ServiceGroup?
    private var runTask: Task<Void, any Error>?
    private var port: Int?

    public init(
        configuration: LocalEdgeConfiguration,
        logger: Logger = Logger(label: "edgetail.collector")
    ) {
        self.configuration = configuration
        self.logger = logger
    }

    /// `http://HOST:PORT` once started (port 0 before).
    public var baseURL: String {
        "http://\(configuration.host):\(port ?? configuration.port)"
    }

    /// Opens the dataset, binds and returns the bound port once connections are accepted.
    public func start() async throws -> Int {
        guard runTask == nil else { throw LocalEdgeError.alreadyStarted }
        try Self.check(configuration)
        let store: any EventStore
        if let path = configuration.databasePath {
            store = try SQLiteEventStore(path: path, dedupe: configuration.dedupe)
        } else {
            store = CountingEventStore()
        }
        self.store = store

        let issuer = IMSTokenIssuer(
            clientID: configuration.clientID,
            clientSecret: configuration.clientSecret,
            ttl: configuration.tokenTTL
        )
        let collect = CollectRoute(
            datastreams: Set(configuration.datastreams),
            disabledDatastreams: Set(configuration.disabledDatastreams),
            authenticatedDatastreams: Set(configuration.authenticatedDatastreams),
            orgID: configuration.orgID,
            auth: AuthPolicy(
                mode: configuration.mode,
                orgID: configuration.orgID,
                clientID: configuration.clientID,
                staticToken: configuration.staticToken,
                issuer: issuer
            ),
            validator: EventValidator(
                namespaces: LocalEdgeConfiguration.standardNamespaces + configuration.customNamespaces
            ),
            store: store,
            faults: FaultInjector(faults: configuration.faults),
            hung: hung,
            counters: counters,
            logger: logger
        )
        let ims = IMSRoute(issuer: issuer, store: store)
        let counters = self.counters

        let router = Router()
        ConsoleRoutes(
            store: store,
            counters: counters,
            datasetDescription: configuration.databasePath.map { "dataset \($0)" } ?? "no dataset: events counted, not kept"
        ).register(on: router)
        router.post("/ee/v2/collect") { request, _ in await collect.respond(to: request) }
        router.post("/ims/token/v3") { request, _ in await ims.respond(to: request) }
        router.get("/stats") { _, _ in
            do {
                var stats = try await store.stats()
                stats.requests = await counters.snapshot
                return IMSRoute.json(status: 200, stats)
            } catch {
                return IMSRoute.json(status: 500, ["error": "\(error)"])
            }
        }

        let (ports, portContinuation) = AsyncThrowingStream<Int, any Error>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
            },
            logger: logger
        )
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger)
        )
        self.group = group
        runTask = Task {
            do {
                try await group.run()
                portContinuation.finish()
            } catch {
                portContinuation.finish(throwing: error)
                throw error
            }
        }
        do {
            var iterator = ports.makeAsyncIterator()
            guard let bound = try await iterator.next() else {
                throw LocalEdgeError.startFailed("server stopped before listening")
            }
            port = bound
            return bound
        } catch {
            await shutDown()
            if let known = error as? LocalEdgeError { throw known }
            throw LocalEdgeError.startFailed("\(error)")
        }
    }

    /// Releases hung requests, drains connections and closes the dataset.
    public func stop() async {
        await shutDown()
    }

    /// The browser console, `http://HOST:PORT/`.
    public var consoleURL: String {
        baseURL + "/"
    }

    /// Same content as `GET /stats`.
    public func stats() async throws -> LocalEdgeStats {
        var stats = try await (store ?? CountingEventStore()).stats()
        stats.requests = await counters.snapshot
        return stats
    }

    /// Requests currently held by the hang fault.
    var heldRequestCount: Int {
        get async { await hung.count }
    }

    private func shutDown() async {
        await hung.releaseAll()
        if let group {
            await group.triggerGracefulShutdown()
        }
        if let runTask {
            _ = await runTask.result
        }
        group = nil
        runTask = nil
        if let store {
            await store.close()
        }
    }

    private static func check(_ configuration: LocalEdgeConfiguration) throws {
        let faults = configuration.faults
        guard FaultInjection.supportedStatuses.contains(faults.failStatus) else {
            throw LocalEdgeError.invalidConfiguration("fail status must be 429, 500, 502, 503 or 504")
        }
        guard (0...1).contains(faults.failRate), (0...1).contains(faults.hangRate), (0...1).contains(faults.warnRate) else {
            throw LocalEdgeError.invalidConfiguration("fail, hang and warn rates must be between 0 and 1")
        }
        if let retryAfter = faults.retryAfter, retryAfter < 0 {
            throw LocalEdgeError.invalidConfiguration("Retry-After seconds must not be negative")
        }
        let overlap = Set(configuration.datastreams).intersection(configuration.disabledDatastreams)
        guard overlap.isEmpty else {
            throw LocalEdgeError.invalidConfiguration(
                "datastream \(overlap.sorted().joined(separator: ", ")) is both known and disabled"
            )
        }
        for namespace in configuration.customNamespaces where namespace.isEmpty {
            throw LocalEdgeError.invalidConfiguration("a custom namespace must not be empty")
        }
        guard faults.latencyMilliseconds >= 0 else {
            throw LocalEdgeError.invalidConfiguration("latency must not be negative")
        }
        guard configuration.tokenTTL > 0 else {
            throw LocalEdgeError.invalidConfiguration("token TTL must be positive")
        }
    }
}

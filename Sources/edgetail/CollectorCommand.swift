import ArgumentParser
import Foundation
import LocalEdge
import Logging
import ServiceLifecycle

/// `edgetail collector`: the local stand-in of `/ee/v2/collect`.
struct CollectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collector",
        abstract: "Runs a local stand-in of the Edge Network collection endpoint.",
        subcommands: [CollectorServeCommand.self, CollectorStatsCommand.self],
        defaultSubcommand: CollectorServeCommand.self
    )
}

/// `edgetail collector [serve] --listen HOST:PORT …`: runs until SIGINT/SIGTERM.
struct CollectorServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serves /ee/v2/collect, /ims/token/v3 and /stats (the default subcommand)."
    )

    @Option(help: "Address to listen on, HOST:PORT; port 0 picks a free port.")
    var listen = "127.0.0.1:8080"

    @Option(help: "SQLite file for accepted events.")
    var db: String?

    @Flag(help: "Validate and count, store nothing (for benchmarking senders).")
    var noStore = false

    @Option(name: .customLong("datastream"), help: "A known datastream id (repeatable); none accepts any id.")
    var datastreams: [String] = []

    @Option(help: "IMS org the x-gw-ims-org-id header must name.")
    var org: String?

    @Flag(help: "Check Authorization, x-api-key and x-gw-ims-org-id.")
    var requireAuth = false

    @Option(help: "A static bearer token accepted besides IMS-issued ones.")
    var token: String?

    @Option(help: "Client id for the IMS emulation and the x-api-key check.")
    var clientId: String?

    @Option(help: "Client secret for the IMS emulation.")
    var clientSecret: String?

    @Option(help: "Lifetime of issued tokens in seconds.")
    var tokenTtl = 86399

    @Option(help: "Probability (0…1) of answering with --fail-status.")
    var failRate = 0.0

    @Option(help: "Status of injected failures: 429, 500, 502, 503 or 504.")
    var failStatus = 503

    @Option(help: "Retry-After seconds sent on injected 429/503.")
    var retryAfter: Int?

    @Option(help: "Milliseconds added before answering every collect request.")
    var latency = 0

    @Option(help: "Probability (0…1) of holding a request unanswered until shutdown.")
    var hangRate = 0.0

    @Option(help: "Seed of the fault generator.")
    var seed: UInt64 = 0

    func validate() throws {
        guard HostPort(listen) != nil else {
            throw ValidationError("--listen must be HOST:PORT, got \(listen)")
        }
        if noStore, db != nil {
            throw ValidationError("--no-store and --db exclude each other")
        }
    }

    func run() async throws {
        guard let address = HostPort(listen) else { throw ValidationError("bad --listen") }
        var configuration = LocalEdgeConfiguration()
        configuration.host = address.host
        configuration.port = address.port
        configuration.databasePath = noStore ? nil : db
        configuration.datastreams = datastreams
        configuration.orgID = org
        configuration.requireAuth = requireAuth
        configuration.staticToken = token
        configuration.clientID = clientId
        configuration.clientSecret = clientSecret
        configuration.tokenTTL = tokenTtl
        configuration.faults = FaultInjection(
            failRate: failRate,
            failStatus: failStatus,
            retryAfter: retryAfter,
            latencyMilliseconds: latency,
            hangRate: hangRate,
            seed: seed
        )
        let logger = Logger(label: "edgetail.collector") { StreamLogHandler.standardError(label: $0) }
        let server = LocalEdgeServer(configuration: configuration, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [CollectorService(server: server)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}

/// Runs the server inside a ServiceGroup so SIGINT/SIGTERM stop it gracefully.
struct CollectorService: Service {
    let server: LocalEdgeServer

    func run() async throws {
        _ = try await server.start()
        // First line of stdout, unbuffered: scripts and tests read the port from it.
        let line = "listening on \(await server.baseURL)\n"
        FileHandle.standardOutput.write(Data(line.utf8))
        try? await gracefulShutdown()
        await server.stop()
    }
}

/// `HOST:PORT` as given to `--listen` (IPv6 in brackets allowed).
struct HostPort {
    var host: String
    var port: Int

    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        self.host = host
        self.port = port
    }
}

/// `edgetail collector stats --db PATH`: stored counts as an aligned table.
struct CollectorStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Prints stored event counts of a collector database."
    )

    @Option(help: "SQLite file written by the collector.")
    var db: String

    func run() throws {
        let stats = try CollectorStatsReader.read(databasePath: db)
        var rows: [(String, String)] = [
            ("events_stored", String(stats.eventsStored)),
            ("duplicates", String(stats.duplicates)),
            ("identities", String(stats.identities)),
            ("tokens_issued", String(stats.tokensIssued)),
        ]
        for (type, count) in stats.eventTypes.sorted(by: { $0.key < $1.key }) {
            rows.append(("event_types.\(type)", String(count)))
        }
        let nameWidth = rows.map(\.0.count).max() ?? 0
        let valueWidth = rows.map(\.1.count).max() ?? 0
        for (name, value) in rows {
            let padding = String(repeating: " ", count: nameWidth - name.count)
            let valuePadding = String(repeating: " ", count: valueWidth - value.count)
            print("\(name)\(padding)  \(valuePadding)\(value)")
        }
    }
}

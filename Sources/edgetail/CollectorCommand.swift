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
        abstract: "Serves /ee/v2/collect, /ims/token/v3, /stats and a browser console at / (the default subcommand).",
        discussion: """
            Answers only with the statuses and codes Adobe's Edge Network documents:
              EXEG-0500-401  server mode or an --authenticated-datastream:
                             credentials missing or malformed
              EXEG-0502-401  server mode: token not issued here (bad signature)
              EXEG-0503-401  server mode: token expired
              EXEG-0002-400  datastream id missing
              EXEG-0004-422  datastream disabled (--disabled-datastream)
              EXEG-0003-400  datastream id unknown (not a --datastream)
              EXEG-0106-400  Content-Type missing or malformed
              EXEG-0111-415  unsupported media type
              EXEG-0109-408  empty body
              EXEG-0112-413  body over 65,536 bytes
              EXEG-0101-400  body not JSON (binary smile too)
              EXEG-0103-400  required field missing
              EXEG-0102-400  field of the wrong JSON type
              EXEG-0305-400  identity without an id
              EXEG-0013-422  identity namespace unknown (see --namespace)
              EXEG-0308-400  FPID not a UUIDv4, ECID not 38 digits
              EXEG-0306-400  not exactly one primary identity
              EXEG-0104-422  XDM format or enum failed, listed in report.errors
              EXEG-0001-500  unexpected error (injected, or the dataset failed)
              EXEG-0000-503  service unavailable (injected; Retry-After)
              EXEG-0202-502  upstream failure (injected)
              EXEG-0200-504  upstream timeout (injected)
              429            throttled, no EXEG code (injected; Retry-After)
              200 warnings[] EXEG-0204-200 upstream warning (--warning)
              200 warnings[] EXEG-0301-200 ignored for lack of consent
              207 errors[]   EXEG-0201-503 upstream unavailable
            An event is named only in detail text, as "event `#N`", N counted
            from 0. See docs/collector.md.
            """
    )

    @Option(help: "Address to listen on, HOST:PORT; port 0 picks a free port.")
    var listen = "127.0.0.1:8080"

    @Option(help: "SQLite file for accepted events.")
    var db: String?

    @Flag(help: "Validate and count, store nothing (for benchmarking senders).")
    var noStore = false

    @Option(help: "server: like server.adobedc.net, credentials required; edge: like edge.adobedc.net, none checked.")
    var mode: CollectorMode = .server

    @Option(name: .customLong("datastream"), help: "A known datastream id (repeatable); none accepts any id.")
    var datastreams: [String] = []

    @Option(name: .customLong("disabled-datastream"), help: "A datastream id answered with EXEG-0004-422 (repeatable).")
    var disabledDatastreams: [String] = []

    @Option(
        name: .customLong("authenticated-datastream"),
        help: "A datastream accepting authenticated events only: edge mode checks credentials on it (repeatable)."
    )
    var authenticatedDatastreams: [String] = []

    @Option(
        name: .customLong("namespace"),
        help: "An identity namespace known besides ECID, FPID, Email, Phone and CRMID (repeatable); others get EXEG-0013-422."
    )
    var namespaces: [String] = []

    @Flag(help: "Model the Profile store: a repeated _id is counted but not stored again.")
    var dedupe = false

    @Option(help: "IMS org the x-gw-ims-org-id header must name (server mode); reported as report.orgId.")
    var org: String?

    @Option(help: "A static bearer token accepted besides IMS-issued ones (server mode).")
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

    @Option(help: "Retry-After seconds sent on injected 429/503; 0 sends none.")
    var retryAfter = 1

    @Option(help: "Milliseconds added before answering every collect request.")
    var latency = 0

    @Option(help: "Probability (0…1) of holding a request unanswered until shutdown.")
    var hangRate = 0.0

    @Option(help: "Probability (0…1) of answering a successful request with --warning (not when silent=true).")
    var warnRate = 0.0

    @Option(help: "upstream-warning: 200 with EXEG-0204-200; no-consent: 200 with EXEG-0301-200, events not stored; upstream-error: 207 with EXEG-0201-503.")
    var warning: InjectedWarning = .upstreamWarning

    @Option(help: "Seed of the fault generator.")
    var seed: UInt64 = 0

    func validate() throws {
        guard HostPort(listen) != nil else {
            throw ValidationError("--listen must be HOST:PORT, got \(listen)")
        }
        if noStore, db != nil {
            throw ValidationError("--no-store and --db exclude each other")
        }
        if noStore, dedupe {
            throw ValidationError("--dedupe needs a dataset (--db); --no-store keeps none")
        }
        guard retryAfter >= 0 else {
            throw ValidationError("--retry-after must be 0 or more seconds, got \(retryAfter)")
        }
    }

    func run() async throws {
        guard let address = HostPort(listen) else { throw ValidationError("bad --listen") }
        var configuration = LocalEdgeConfiguration()
        configuration.host = address.host
        configuration.port = address.port
        configuration.databasePath = noStore ? nil : db
        configuration.mode = mode
        configuration.datastreams = datastreams
        configuration.disabledDatastreams = disabledDatastreams
        configuration.authenticatedDatastreams = authenticatedDatastreams
        configuration.customNamespaces = namespaces
        configuration.dedupe = dedupe
        configuration.orgID = org
        configuration.staticToken = token
        configuration.clientID = clientId
        configuration.clientSecret = clientSecret
        configuration.tokenTTL = tokenTtl
        configuration.faults = FaultInjection(
            failRate: failRate,
            failStatus: failStatus,
            retryAfter: retryAfter > 0 ? retryAfter : nil,
            latencyMilliseconds: latency,
            hangRate: hangRate,
            warnRate: warnRate,
            warning: warning,
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

extension CollectorMode: ExpressibleByArgument {}
extension InjectedWarning: ExpressibleByArgument {}

/// Runs the server inside a ServiceGroup so SIGINT/SIGTERM stop it gracefully.
struct CollectorService: Service {
    let server: LocalEdgeServer

    func run() async throws {
        _ = try await server.start()
        // First line of stdout, unbuffered: scripts and tests read the port from it.
        let line = "listening on \(await server.baseURL)\nconsole: \(await server.consoleURL)\n"
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

import AsyncHTTPClient
import Foundation
import LocalEdge
import NIOCore

/// Throughput of the local Edge stand-in, with the SQLite dataset on and with
/// `--no-store`: C concurrent connections post R batches of E events (~1 KB each).
///
/// Usage: swift run -c release CollectorBenchmark [--requests R] [--concurrency C] [--events E]

struct Options {
    var requests = 2_000
    var concurrency = 16
    var events = 50

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let name = iterator.next() {
            let value = iterator.next().flatMap { Int($0) }
            switch (name, value) {
            case ("--requests", let value?): requests = value
            case ("--concurrency", let value?): concurrency = value
            case ("--events", let value?): events = value
            default: print("ignoring \(name)")
            }
        }
    }
}

/// Builds batch bodies with fresh ids; each event is padded to about 1 KB.
struct BatchFactory: Sendable {
    let eventsPerBatch: Int
    let padding = String(repeating: "p", count: 640)

    func body() -> ByteBuffer {
        var text = "{\"events\":["
        for index in 0..<eventsPerBatch {
            if index > 0 { text += "," }
            text += """
                {"xdm":{"_id":"\(UUID().uuidString)","timestamp":"2026-11-27T10:15:30.123Z",\
                "eventType":"web.webpagedetails.pageViews",\
                "identityMap":{"FPID":[{"id":"\(UUID().uuidString)","authenticatedState":"ambiguous","primary":true}]},\
                "web":{"webPageDetails":{"URL":"https://example.com/products/index.html","name":"products"}}},\
                "data":{"userAgent":"Mozilla/5.0 (X11; Linux x86_64)","pad":"\(padding)"}}
                """
        }
        text += "]}"
        return ByteBuffer(string: text)
    }
}

struct Measurement {
    var mode: String
    var seconds: Double
    var requests: Int
    var events: Int
    var failures: Int
    var bodyBytes: Int
}

func run(mode: String, databasePath: String?, options: Options, client: HTTPClient) async throws -> Measurement {
    var configuration = LocalEdgeConfiguration()
    configuration.databasePath = databasePath
    let server = LocalEdgeServer(configuration: configuration)
    let port = try await server.start()
    let url = "http://127.0.0.1:\(port)/ee/v2/collect?dataStreamId=bench"
    let factory = BatchFactory(eventsPerBatch: options.events)
    let bodyBytes = factory.body().readableBytes

    let clock = ContinuousClock()
    let start = clock.now
    let failures = try await withThrowingTaskGroup(of: Int.self) { group in
        for worker in 0..<options.concurrency {
            group.addTask {
                var failures = 0
                var index = worker
                while index < options.requests {
                    var request = HTTPClientRequest(url: url)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(factory.body())
                    let response = try await client.execute(request, timeout: .seconds(60))
                    _ = try await response.body.collect(upTo: 1 << 16)
                    if response.status.code != 202 { failures += 1 }
                    index += options.concurrency
                }
                return failures
            }
        }
        return try await group.reduce(0, +)
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let stats = try await server.stats()
    await server.stop()
    return Measurement(
        mode: mode, seconds: seconds, requests: options.requests,
        events: stats.eventsStored, failures: failures, bodyBytes: bodyBytes
    )
}

let options = Options(CommandLine.arguments)
var clientConfiguration = HTTPClient.Configuration()
clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = options.concurrency
let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("collector-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

print("requests=\(options.requests) concurrency=\(options.concurrency) events/request=\(options.events)")
do {
    let results = [
        try await run(mode: "sqlite", databasePath: directory.appendingPathComponent("bench.sqlite").path, options: options, client: client),
        try await run(mode: "no-store", databasePath: nil, options: options, client: client),
    ]
    for result in results {
        let requestRate = String(format: "%8.0f", Double(result.requests) / result.seconds)
        let eventRate = String(format: "%9.0f", Double(result.events) / result.seconds)
        let seconds = String(format: "%.2f", result.seconds)
        let mode = result.mode.padding(toLength: 9, withPad: " ", startingAt: 0)
        let line = "\(mode) \(requestRate) requests/s \(eventRate) events/s  "
            + "(\(result.requests) requests, \(result.events) events stored, \(result.failures) non-202, "
            + "\(seconds) s, \(result.bodyBytes)-byte bodies)"
        print(line)
    }
} catch {
    print("benchmark failed: \(error)")
}
try await client.shutdown().get()
try? FileManager.default.removeItem(at: directory)

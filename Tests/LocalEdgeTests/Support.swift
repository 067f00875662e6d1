import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import LocalEdge

/// A collector started on 127.0.0.1:0 with its own temporary directory and HTTP client.
struct Collector {
    let server: LocalEdgeServer
    let directory: URL
    let client: HTTPClient
    let baseURL: String

    var databasePath: String { directory.appendingPathComponent("events.sqlite").path }
}

struct Reply {
    var status: Int
    var headers: HTTPHeaders
    var body: Data

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
    }

    var problemCode: String? {
        (json["type"] as? String)?.components(separatedBy: "/").last
    }

    var report: [String: Any] { json["report"] as? [String: Any] ?? [:] }

    var detail: String { json["detail"] as? String ?? "" }

    var reportErrors: [String] { report["errors"] as? [String] ?? [] }

    /// Whether the raw body names an event index in a field of its own, which Adobe never sends.
    var mentionsEventIndex: Bool {
        String(decoding: body, as: UTF8.self).lowercased().contains("eventindex")
    }
}

/// Checks a fatal answer against Adobe's RFC 7807 shape: `application/problem+json`,
/// `type` carrying `code`, numeric `status`, `title`, `detail`, `report.requestId`,
/// and no member Adobe does not document.
func expectProblem(
    _ reply: Reply,
    _ code: String,
    status: Int,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(reply.status == status, "\(String(decoding: reply.body, as: UTF8.self))", sourceLocation: sourceLocation)
    #expect(reply.headers["content-type"].first == "application/problem+json", sourceLocation: sourceLocation)
    #expect(reply.json["type"] as? String == "https://ns.adobe.com/aep/errors/\(code)", sourceLocation: sourceLocation)
    #expect(reply.json["status"] as? Int == status, sourceLocation: sourceLocation)
    #expect((reply.json["title"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
    #expect(!reply.detail.isEmpty, sourceLocation: sourceLocation)
    #expect(Set(reply.json.keys).isSubset(of: ["type", "status", "title", "detail", "report"]), sourceLocation: sourceLocation)
    #expect(Set(reply.report.keys).isSubset(of: ["requestId", "orgId", "configId", "errors"]), sourceLocation: sourceLocation)
    #expect((reply.report["requestId"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
    #expect(reply.report["errors"] == nil || code.hasPrefix("EXEG-0104-"), sourceLocation: sourceLocation)
    #expect(!reply.mentionsEventIndex, sourceLocation: sourceLocation)
}

enum TestFailure: Error {
    case timedOut(String)
}

func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("localedge-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Starts a collector (storing to a temporary SQLite file unless `store` is false),
/// runs `body`, then stops it and removes the directory whatever happened.
func withCollector<T>(
    store: Bool = true,
    directory existing: URL? = nil,
    _ configure: (inout LocalEdgeConfiguration) -> Void = { _ in },
    _ body: (Collector) async throws -> T
) async throws -> T {
    let directory = try existing ?? makeTemporaryDirectory()
    var configuration = LocalEdgeConfiguration()
    if store { configuration.databasePath = directory.appendingPathComponent("events.sqlite").path }
    configure(&configuration)
    let server = LocalEdgeServer(configuration: configuration)
    var clientConfiguration = HTTPClient.Configuration()
    clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
    let collector: Collector
    do {
        let port = try await server.start()
        #expect(port > 0)
        collector = Collector(server: server, directory: directory, client: client, baseURL: await server.baseURL)
    } catch {
        try? await client.shutdown()
        throw error
    }
    let result: Result<T, any Error>
    do {
        result = .success(try await body(collector))
    } catch {
        result = .failure(error)
    }
    await server.stop()
    try? await client.shutdown()
    if existing == nil { try? FileManager.default.removeItem(at: directory) }
    return try result.get()
}

extension Collector {
    func send(
        _ path: String = "/ee/v2/collect?dataStreamId=ds1",
        method: HTTPMethod = .POST,
        headers: [(String, String)] = [("Content-Type", "application/json")],
        body: Data? = nil,
        timeout: TimeAmount = .seconds(30)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: timeout)
        let buffer = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Data(buffer.readableBytesView))
    }

    func collect(_ events: [[String: Any]], query: String = "dataStreamId=ds1", headers: [(String, String)] = []) async throws -> Reply {
        try await send(
            "/ee/v2/collect?\(query)",
            headers: [("Content-Type", "application/json")] + headers,
            body: payload(events)
        )
    }

    func storedStats() async throws -> LocalEdgeStats {
        try await server.stats()
    }
}

/// An XDM event as the sender builds it: FPID (a version 4 UUID) primary, optional
/// other identities, and `xdm` fields to add or replace.
func xdmEvent(
    id: String = UUID().uuidString,
    eventType: String = "web.webpagedetails.pageViews",
    timestamp: String = "2026-11-27T10:15:30.123Z",
    fpid: String = UUID().uuidString,
    primary: Any = true,
    authenticatedState: String = "ambiguous",
    extraIdentities: [String: Any] = [:],
    xdm extra: [String: Any] = [:],
    padding: Int = 0
) -> [String: Any] {
    var identityMap: [String: Any] = [
        "FPID": [["id": fpid, "authenticatedState": authenticatedState, "primary": primary]],
    ]
    for (key, value) in extraIdentities { identityMap[key] = value }
    var xdm: [String: Any] = [
        "_id": id,
        "timestamp": timestamp,
        "eventType": eventType,
        "identityMap": identityMap,
        "web": ["webPageDetails": ["URL": "https://example.com/index.html", "name": "home"]],
    ]
    for (key, value) in extra { xdm[key] = value }
    return [
        "xdm": xdm,
        "data": ["padding": String(repeating: "x", count: padding)],
    ]
}

/// `event` with `xdm[key]` removed.
func without(_ key: String, _ event: [String: Any]) -> [String: Any] {
    var event = event
    var xdm = event["xdm"] as? [String: Any] ?? [:]
    xdm.removeValue(forKey: key)
    event["xdm"] = xdm
    return event
}

func payload(_ events: [[String: Any]]) -> Data {
    (try? JSONSerialization.data(withJSONObject: ["events": events])) ?? Data()
}

/// Polls `condition` until it holds or `seconds` pass; tests never sleep-and-hope.
func waitUntil(
    _ what: String,
    within seconds: Double = 10,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TestFailure.timedOut(what)
}

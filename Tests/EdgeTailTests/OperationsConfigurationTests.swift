import Foundation
import Logging
import Synchronization
import Testing
@testable import EdgeTail

/// `api:` and `log:`, the health rules, the reload fingerprint and JSON log lines.
@Suite struct OperationsConfigurationTests {
    let pipeline = """
    sinks: { out: { type: console } }
    pipelines:
      - name: web
        source: { type: file, include: ["/var/log/nginx/access.log"] }
        parser: { format: combined }
        events: [{ type: pageView }]
        identity: [{ namespace: FPID, derive: [client_ip], salt: s }]
        sink: out
    """

    func load(_ text: String, directory: TemporaryDirectory? = nil) throws -> EdgeTailConfiguration {
        let directory = try directory ?? TemporaryDirectory()
        return try ConfigurationLoader(environment: [:]).load(path: try directory.write("edgetail.yaml", text))
    }

    func loadError(_ text: String) -> ConfigurationError? {
        do {
            _ = try load(text)
            return nil
        } catch {
            return error as? ConfigurationError
        }
    }

    @Test func apiAndLogDefaultsAndValues() throws {
        let none = try load(pipeline)
        #expect(none.api == nil)
        #expect(none.log == LogConfiguration(format: .text, level: .info))
        let loopback = try load("api: {}\n" + pipeline)
        #expect(loopback.api == APIConfiguration(host: "127.0.0.1", port: 9880, healthMaxEventAge: 300))
        let given = try load("api: { listen: \"[::1]:9100\", health_max_event_age: 60 }\nlog: { format: json, level: debug }\n" + pipeline)
        #expect(given.api == APIConfiguration(host: "::1", port: 9100, healthMaxEventAge: 60))
        #expect(given.log == LogConfiguration(format: .json, level: .debug))
    }

    @Test func apiAndLogMistakesNameTheKey() throws {
        let badListen = try #require(loadError("api: { listen: \"localhost\" }\n" + pipeline))
        #expect(badListen.keyPath == "api.listen")
        #expect(badListen.line == 1)
        #expect(badListen.message.contains("expected HOST:PORT"))
        let unknown = try #require(loadError("api: { port: 9 }\n" + pipeline))
        #expect(unknown.description.hasSuffix("api.port: unknown key 'port'; expected one of: listen, health_max_event_age"))
        let format = try #require(loadError("log: { format: xml }\n" + pipeline))
        #expect(format.keyPath == "log.format")
        #expect(format.message.contains("expected one of: text, json"))
    }

    @Test func healthReportsEveryReason() {
        var snapshot = TelemetrySnapshot()
        snapshot.running = true
        var sink = EdgeSinkCounts()
        sink.buffer.oldestEventAgeSeconds = 10
        snapshot.sinks["edge"] = sink
        #expect(HealthReport.evaluate(snapshot, maxEventAge: 300) == HealthReport(status: "ok"))
        #expect(String(decoding: HealthReport.evaluate(snapshot, maxEventAge: 300).json, as: UTF8.self) == #"{"status":"ok"}"#)

        snapshot.sinks["edge"]?.buffer.oldestEventAgeSeconds = 301
        snapshot.sinks["edge"]?.fatalError = "HTTP 403"
        var failed = TelemetrySnapshot.Pipeline(sink: "edge")
        failed.failure = "cannot open the journal"
        snapshot.pipelines["web"] = failed
        let report = HealthReport.evaluate(snapshot, maxEventAge: 300)
        #expect(report.httpStatus == 503)
        #expect(report.reasons == [
            "sink 'edge' stopped: HTTP 403",
            "sink 'edge': oldest buffered event is 301 s old (limit 300 s)",
            "pipeline 'web' stopped: cannot open the journal",
        ])
        snapshot = TelemetrySnapshot()
        #expect(HealthReport.evaluate(snapshot, maxEventAge: 300).reasons == ["not running"])
    }

    @Test func fingerprintSeesChangesIncludingSecretFiles() throws {
        let directory = try TemporaryDirectory()
        let secretPath = try directory.write("token", "first\n")
        let edge = """
        sinks:
          edge: { type: edge, datastream_id: ds, auth: { type: token, token_file: \(secretPath), api_key: k, org_id: O@AdobeOrg } }
        pipelines:
          - name: web
            source: { type: file, include: ["/var/log/nginx/access.log"] }
            parser: { format: combined }
            events: [{ type: pageView }]
            identity: [{ namespace: FPID, derive: [client_ip], salt: s }]
            data: { a: "{status}", b: "{path}" }
            sink: edge
        """
        let first = try EdgeTailRuntime.fingerprints(try load(edge, directory: directory))
        #expect(try EdgeTailRuntime.fingerprints(try load(edge, directory: directory)) == first)
        let changed = try EdgeTailRuntime.fingerprints(try load(edge.replacingOccurrences(of: "salt: s", with: "salt: t"), directory: directory))
        #expect(changed["edge"] != first["edge"])
        _ = try directory.write("token", "second\n")
        #expect(try EdgeTailRuntime.fingerprints(try load(edge, directory: directory))["edge"] != first["edge"])
    }

    @Test func jsonLogLinesAreJSONWithMetadata() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "edgetail") { JSONLogHandler(label: $0, write: { line in lines.withLock { $0.append(line) } }) }
        logger[metadataKey: "pipeline"] = "web"
        logger.warning("file \"rotated\"\n", metadata: ["path": "/var/log/a.log", "count": "\(3)"])
        let line = try #require(lines.withLock { $0 }.first)
        #expect(line.hasSuffix("}\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["message"] == "file \"rotated\"\n")
        #expect(object["level"] == "warning")
        #expect(object["pipeline"] == "web")
        #expect(object["path"] == "/var/log/a.log")
        #expect(object["count"] == "3")
        #expect(object["time"]?.hasSuffix("Z") == true)
    }
}

import Foundation
@testable import EdgeTail

/// A temporary directory removed when the test is done with it.
final class TemporaryDirectory {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file.path
    }
}

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A pipeline configuration around the given rule and identity YAML, compiled.
func makePlan(events: [String] = ["{ type: pageView, when: { method: [GET], status: [2xx, 304] } }"],
              identity: [String] = ["{ namespace: FPID, derive: [client_ip, user_agent], salt: s3cret }"],
              extra: String = "",
              format: String = "combined") throws -> PipelinePlan {
    let directory = try TemporaryDirectory()
    let path = try directory.write("edgetail.yaml", """
    data_dir: \(directory.path)/data
    sinks:
      out: { type: file, path: \(directory.path)/out.jsonl }
    pipelines:
      - name: test
        source: { type: file, include: ["\(directory.path)/*.log"] }
        parser: { format: \(format) }
        site: { base_url: "https://www.example.com/" }
        events:
    \(events.map { "      - " + $0 }.joined(separator: "\n"))
        identity:
    \(identity.map { "      - " + $0 }.joined(separator: "\n"))
    \(extra)
        sink: out
    """)
    let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
    return try PipelinePlan(configuration.pipelines[0], file: path)
}

/// Maps one line and returns the outcome and the event as a JSON object.
func mapLine(_ line: String, plan: PipelinePlan, offset: UInt64 = 0, source: String = "test-source") throws -> (LineOutcome, [String: Any]?) {
    var mapper = EventMapper(plan: plan)
    var writer = JSONWriter()
    let bytes = Array(line.utf8)
    let mapped = bytes.withUnsafeBufferPointer {
        mapper.map($0, line: ByteRange(0, bytes.count), offset: offset, eventID: EventID(pipeline: plan.name, source: source), into: &writer)
    }
    guard !writer.bytes.isEmpty else { return (mapped.outcome, nil) }
    let object = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any]
    return (mapped.outcome, object)
}

extension Dictionary where Key == String, Value == Any {
    /// Reads a dotted path such as `xdm.web.webPageDetails.URL`.
    func value(at path: String) -> Any? {
        var current: Any? = self
        for component in path.split(separator: ".") {
            current = (current as? [String: Any])?[String(component)]
        }
        return current
    }
}

/// A configuration that includes one file of pipelines/ with a console sink named `edge`,
/// loaded; returns it with the path of its main file.
func loadBundledPipeline(_ name: String, in directory: TemporaryDirectory) throws -> (EdgeTailConfiguration, String) {
    let main = try directory.write("edgetail.yaml", """
    data_dir: \(directory.path)/data
    include: ["\(repositoryRoot.path)/pipelines/\(name)"]
    sinks: { edge: { type: console } }
    """)
    return (try ConfigurationLoader(environment: ["EDGETAIL_SALT": "x"]).load(path: main), main)
}

struct ConditionNotMet: Error, CustomStringConvertible {
    var description: String
}

/// Waits until `condition` holds, looking every 10 ms, and throws once `timeout` passed
/// without it.
func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw ConditionNotMet(description: "not within \(timeout): \(what)") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

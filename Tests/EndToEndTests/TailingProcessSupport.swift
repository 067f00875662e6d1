import Foundation
import Testing

/// An `edgetail run` (or a writer) process started in the background, with its
/// standard error kept in a file so a chatty process never blocks on a full pipe.
final class BackgroundProcess {
    let process = Process()
    let stderrPath: String

    init(executable: String, arguments: [String], stderrPath: String) throws {
        self.stderrPath = stderrPath
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
    }

    /// `edgetail ARGUMENTS`, optionally as another user (through `setpriv`).
    static func edgetail(_ arguments: [String], stderrPath: String, asUser user: (uid: Int, gid: Int)? = nil) throws -> BackgroundProcess {
        let executable = try #require(EdgeTailProcess.executable, "the edgetail executable is not built; run `swift build` first").path
        if let user {
            return try BackgroundProcess(executable: "/usr/bin/setpriv",
                                         arguments: ["--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", executable] + arguments,
                                         stderrPath: stderrPath)
        }
        return try BackgroundProcess(executable: executable, arguments: arguments, stderrPath: stderrPath)
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Sends `signal` and waits for the process to end.
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(60)) async throws {
        if process.isRunning { kill(process.processIdentifier, signal) }
        try await waitForExit(timeout: timeout)
    }

    func waitForExit(timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                Issue.record("process \(process.arguments ?? []) did not end within \(timeout)")
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
    }
}

/// Waits until `condition` holds, failing the test at the deadline.
@discardableResult
func waitUntil(_ description: String, timeout: Duration = .seconds(60), _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    var longestGap = Duration.zero
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        let before = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(25))
        longestGap = max(longestGap, ContinuousClock.now - before)
    }
    Issue.record("timed out after \(timeout) waiting for: \(description) (longest 25 ms sleep took \(longestGap))")
    return false
}

struct DeadlinePassed: Error, CustomStringConvertible {
    let description: String
}

/// The result of `operation`, or `DeadlinePassed` (the operation cancelled) after `timeout`.
func within<T: Sendable>(_ timeout: Duration, _ description: String,
                         _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else {
            throw DeadlinePassed(description: "timed out after \(timeout) waiting for: \(description)")
        }
        return result
    }
}

/// A scratch directory with a configuration that turns `GET /n/NUMBER` lines into
/// page views, so the set of delivered line numbers can be checked exactly.
struct TailingFixture {
    let directory: URL
    var logs: URL { directory.appendingPathComponent("logs") }
    var events: String { directory.appendingPathComponent("events.jsonl").path }
    var checkpoints: String { directory.appendingPathComponent("data/checkpoints/tail.json").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-tailing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("logs"), withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    func writeConfiguration(include: String = "access.log", source: String = "") throws -> String {
        let path = directory.appendingPathComponent("edgetail.yaml").path
        try """
        data_dir: \(directory.path)/data
        sinks:
          out: { type: file, path: \(events) }
        pipelines:
          - name: tail
            source:
              type: file
              include: ["\(logs.path)/\(include)"]
              read_from: beginning
              poll_interval: 0.05
              rotate_wait: 1
        \(source.isEmpty ? "" : "      " + source)
            parser: { format: combined }
            site: { base_url: "https://www.example.com" }
            filters: { bots: keep, static: keep }
            events:
              - type: pageView
                when: { method: [GET] }
            identity:
              - { namespace: FPID, derive: [client_ip, user_agent], salt: tail }
            sink: out
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func line(_ number: Int) -> String {
        "10.0.\(number % 250).\(number % 7) - - [02/Nov/2026:09:00:00 +0100] \"GET /n/\(number) HTTP/1.1\" 200 1 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"\n"
    }

    /// Line numbers and `_id`s of the events written so far (a torn last line is ignored).
    func delivered() -> [(number: Int, id: String)] {
        guard let data = FileManager.default.contents(atPath: events) else { return [] }
        return lines(of: data).compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
                  let xdm = object["xdm"] as? [String: Any], let id = xdm["_id"] as? String,
                  let name = (xdm["web"] as? [String: Any]).flatMap({ $0["webPageDetails"] as? [String: Any] })?["name"] as? String,
                  name.hasPrefix("/n/"), let number = Int(name.dropFirst(3)) else { return nil }
            return (number, id)
        }
    }

    /// The stored checkpoint entries (source id → position).
    func storedPositions() -> [String: UInt64] {
        guard let data = FileManager.default.contents(atPath: checkpoints),
              let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let entries = document["entries"] as? [[String: Any]] else { return [:] }
        var result: [String: UInt64] = [:]
        for entry in entries {
            if let id = entry["source_id"] as? String, let position = entry["position"] as? Int { result[id] = UInt64(position) }
        }
        return result
    }
}

/// Runs a Python writer script (a real process appending to the logs) to its end.
func runWriter(_ script: String, arguments: [String], timeout: Duration = .seconds(120)) async throws {
    let writer = try BackgroundProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", script] + arguments,
                                       stderrPath: FileManager.default.temporaryDirectory.appendingPathComponent("writer-\(UUID().uuidString).err").path)
    try await writer.waitForExit(timeout: timeout)
    #expect(writer.process.terminationStatus == 0, "writer failed: \(writer.stderr)")
    try? FileManager.default.removeItem(atPath: writer.stderrPath)
}

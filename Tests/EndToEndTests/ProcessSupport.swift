import Foundation
import Testing

/// Runs the built `edgetail` executable and collects what it printed.
struct EdgeTailProcess {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The executable `swift build` / `swift test` produced next to the tests.
    static var executable: URL? {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("edgetail"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("edgetail"),
            packageRoot.appendingPathComponent(".build/debug/edgetail"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// Runs to completion, failing the test if it takes longer than `timeout`.
    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:], timeout: Duration = .seconds(120)) async throws -> Result {
        let executable = try #require(executable, "the edgetail executable is not built; run `swift build` first")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        let errors = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        // Read both pipes concurrently so a full pipe never blocks the child, each on a
        // thread of its own: blocking reads on the cooperative pool (two threads on a
        // two-core machine) would starve a stand-in served from this test process.
        async let stdoutData = Self.readToEnd(output.fileHandleForReading)
        async let stderrData = Self.readToEnd(errors.fileHandleForReading)
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                Issue.record("edgetail \(arguments) did not finish within \(timeout)")
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        let out = await stdoutData
        let err = await stderrData
        return Result(status: process.terminationStatus, stdout: out, stderr: String(decoding: err, as: UTF8.self))
    }
}

extension EdgeTailProcess {
    /// Reads a pipe to its end on a dedicated thread.
    static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: handle.readDataToEndOfFile()) }.start()
        }
    }
}

/// Reads a JSON Lines file into objects.
func readJSONLines(_ path: String) throws -> [[String: Any]] {
    guard FileManager.default.fileExists(atPath: path) else { return [] }
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try lines(of: data).map { line in
        try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
    }
}

/// The non-empty lines of `data`, found with `memchr`. Tests poll files of thousands of
/// events while other suites run in the same process, and `Data.split` walks a debug
/// build's collection layers byte by byte: seconds of a cooperative thread per poll.
func lines(of data: Data) -> [Data] {
    var found: [Data] = []
    data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
        guard let base = raw.baseAddress else { return }
        var start = 0
        while start < raw.count {
            var end = raw.count
            if let hit = memchr(base + start, 0x0A, raw.count - start) { end = base.distance(to: UnsafeRawPointer(hit)) }
            if end > start { found.append(Data(bytes: base + start, count: end - start)) }
            start = end + 1
        }
    }
    return found
}

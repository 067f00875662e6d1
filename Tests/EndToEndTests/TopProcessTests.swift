import Foundation
import Testing

/// `edgetail top` in a real terminal (tmux): it waits for a daemon that is not up
/// yet, shows its pipeline's counts once it is, notices when it goes away, and
/// `q` gives the terminal back as it was.
@Suite(.serialized) struct TopProcessTests {
    static let tmuxPath = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A tmux server of the test's own, so no user session is touched.
    struct Tmux {
        let path: String
        let socket = "edgetail-top-\(UUID().uuidString.prefix(8))"
        let session = "top"

        /// Runs a tmux command; its output is read only when asked for, as the server that
        /// `new-session` starts inherits the client's standard output and keeps it open.
        @discardableResult
        func run(_ arguments: [String], output wanted: Bool = false) async throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = ["-L", socket] + arguments
            let output = Pipe()
            process.standardOutput = wanted ? output : FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            async let data = wanted ? EdgeTailProcess.readToEnd(output.fileHandleForReading) : Data()
            let deadline = ContinuousClock.now + .seconds(20)
            while process.isRunning {
                if ContinuousClock.now > deadline {
                    process.terminate()
                    Issue.record("tmux \(arguments) did not finish within 20 s")
                    break
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            return String(decoding: await data, as: UTF8.self)
        }

        /// `new-session` in the background: its client starts the server, which keeps the
        /// client's descriptors, so Foundation never sees that client end; the pane is
        /// watched instead.
        func startSession(_ script: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = ["-L", socket, "new-session", "-d", "-s", session, "-x", "200", "-y", "50", "sh", "-c", script]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try? process.run()
        }

        /// Ends the session and what runs in it (top, the shell), without waiting: for `defer`.
        /// The server then ends as it has no session left. (`kill-server` would signal the
        /// server, which keeps the signal mask of the test process that started it: blocked.)
        func endSession() {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = ["-L", socket, "kill-session", "-t", session]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return }
            // `defer` cannot await; this client ends at once, so a short blocking wait will do.
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(10_000) }
        }

        func pane() async -> String { (try? await run(["capture-pane", "-p", "-t", session], output: true)) ?? "" }
        func display(_ format: String) async -> String {
            ((try? await run(["display-message", "-p", "-t", session, format], output: true)) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @Test(.enabled(if: tmuxPath != nil, "tmux is not installed (make deps installs it); edgetail top is not tried in a terminal"))
    func topShowsTheDaemonAndRestoresTheTerminal() async throws {
        let tmux = Tmux(path: try #require(Self.tmuxPath))
        let executable = try #require(EdgeTailProcess.executable, "the edgetail executable is not built").path
        let fixture = try TailingFixture()
        defer { fixture.remove() }
        // Held until the daemon binds it too (SO_REUSEADDR), so no parallel test takes it meanwhile.
        let reserved = try ReservedPort()
        defer { withExtendedLifetime(reserved) {} }
        let port = reserved.port
        let config = fixture.directory.appendingPathComponent("top.yaml").path
        try """
        data_dir: \(fixture.directory.path)/data
        api: { listen: "127.0.0.1:\(port)" }
        sinks:
          out: { type: file, path: \(fixture.events) }
        pipelines:
          - name: toppipe
            source: { type: file, include: ["\(fixture.logs.path)/access.log"], read_from: beginning, poll_interval: 0.05 }
            parser: { format: combined }
            site: { base_url: "https://www.example.com" }
            events: [{ type: pageView }]
            identity: [{ namespace: FPID, derive: [client_ip, user_agent], salt: top }]
            sink: out
        """.write(toFile: config, atomically: true, encoding: .utf8)
        try Data((0..<30).map(TailingFixture.line).joined().utf8).write(to: fixture.logs.appendingPathComponent("access.log"))

        // The shell prints a marker before top and, after it, its status and the terminal's settings.
        // It then waits on the terminal, so the pane stays to be read, until the server closes it.
        let script = "echo before-top; '\(executable)' top -c '\(config)'; echo top-exited-$?; stty -a; read line"
        tmux.startSession(script)
        defer { tmux.endSession() }

        try await waitUntil("top waits for the daemon") { await tmux.pane().contains("waiting for http://127.0.0.1:\(port)") }
        #expect(await tmux.display("#{alternate_on}") == "1")

        let daemon = try BackgroundProcess.edgetail(["run", "-c", config], stderrPath: fixture.directory.appendingPathComponent("stderr").path)
        defer { if daemon.process.isRunning { kill(daemon.process.processIdentifier, SIGKILL) } }
        func linesShown() async -> Int? {
            // PIPELINE SINK LINES/S EVENTS/S DROPS/S FAILED/S LINES …
            let row = await tmux.pane().split(separator: "\n").first { $0.hasPrefix("toppipe ") }
            let columns = row?.split(separator: " ") ?? []
            return columns.count > 6 ? Int(columns[6]) : nil
        }
        try await waitUntil("top shows the pipeline's 30 lines") { await linesShown() == 30 }
        let shown = await tmux.pane()
        #expect(shown.contains("health ok"), "\(shown)")

        // The daemon goes away: top says so and keeps waiting.
        try await daemon.stop()
        try await waitUntil("top notices the daemon left") { await tmux.pane().contains("waiting for http://127.0.0.1:\(port)") }
        #expect(await tmux.pane().contains("lost at"))

        try await tmux.run(["send-keys", "-t", tmux.session, "q"])
        try await waitUntil("top exits") { await tmux.pane().contains("top-exited-0") }
        let pane = await tmux.pane()
        #expect(pane.contains("before-top"), "the screen from before top is back:\n\(pane)")
        #expect(!pane.contains("PIPELINE"), "top's frame is gone:\n\(pane)")
        #expect(await tmux.display("#{alternate_on}") == "0")
        #expect(await tmux.display("#{cursor_flag}") == "1")
        let settings = Set(pane.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
        for restored in ["icanon", "echo", "isig"] {
            #expect(settings.contains(restored), "stty shows \(restored) again:\n\(pane)")
        }
        try await tmux.run(["kill-session", "-t", tmux.session])
    }
}

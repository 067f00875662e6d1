import ArgumentParser
import EdgeTail
import Foundation
import UnixSignals
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `edgetail top`: a full-screen view of the running daemon, refreshed each second
/// from `/api/v1/stats`; rates come from two successive documents. `q` or Ctrl-C
/// quits and gives the terminal back as it was.
struct TopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top", abstract: "Shows the running daemon's pipelines and sinks, refreshed each second.")

    @OptionGroup var daemon: DaemonAddress

    func run() async throws {
        let client = try daemon.client()
        let terminal = Terminal()
        terminal.enter()
        defer { terminal.leave() }
        let keys = terminal.keys()
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm, .sighup)
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                for await key in keys where key == UInt8(ascii: "q") || key == UInt8(ascii: "Q") || key == 3 { return }
                // Standard input ended (not a terminal): only a signal ends the view.
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            }
            tasks.addTask {
                for await _ in signals { return }
            }
            tasks.addTask {
                var view = TopView(url: client.baseURL)
                while !Task.isCancelled {
                    do {
                        view.observe(try await client.stats())
                    } catch {
                        view.lost("\(error)")
                    }
                    terminal.draw(view.frame(width: terminal.width))
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            await tasks.next()
            tasks.cancelAll()
        }
    }
}

/// The terminal in full-screen mode: alternate screen, hidden cursor, keys read one
/// by one without echo; `leave()` restores the settings saved by `enter()`.
final class Terminal: Sendable {
    private let saved: termios?

    init() {
        var settings = termios()
        saved = isatty(STDIN_FILENO) == 1 && tcgetattr(STDIN_FILENO, &settings) == 0 ? settings : nil
    }

    func enter() {
        if var raw = saved {
            // No line editing, no echo, and Ctrl-C arrives as a key (3) rather than a signal.
            raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
            withUnsafeMutablePointer(to: &raw.c_cc) { cc in
                cc.withMemoryRebound(to: cc_t.self, capacity: Int(NCCS)) { chars in
                    chars[Int(VMIN)] = 1
                    chars[Int(VTIME)] = 0
                }
            }
            tcsetattr(STDIN_FILENO, TCSANOW, &raw)
        }
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J")
    }

    func leave() {
        write("\u{1B}[?25h\u{1B}[?1049l")
        if var settings = saved { tcsetattr(STDIN_FILENO, TCSANOW, &settings) }
    }

    /// Bytes typed, read on a thread of their own (a read blocks).
    func keys() -> AsyncStream<UInt8> {
        AsyncStream { continuation in
            Thread {
                var byte: UInt8 = 0
                while read(STDIN_FILENO, &byte, 1) == 1 { continuation.yield(byte) }
                continuation.finish()
            }.start()
        }
    }

    var width: Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 120 }
        return Int(size.ws_col)
    }

    /// Redraws from the top left: each line cleared to its end, then the rest of the screen.
    func draw(_ lines: [String]) {
        write("\u{1B}[H" + lines.map { $0 + "\u{1B}[K" }.joined(separator: "\r\n") + "\u{1B}[J")
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

import EdgeTail
import Foundation
import Logging
import Synchronization

// Tailing throughput on a growing file (lines/s and CPU of the reading thread) and
// the cost of checkpointing.
//
//     swift run -c release TailBenchmark [LINES]

let lineCount = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-tail-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let logPath = directory.appendingPathComponent("access.log").path
let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

func line(_ number: Int) -> String {
    "203.0.113.\(number % 250) - - [02/Nov/2026:09:00:00 +0100] \"GET /products/item-\(number)?ref=home HTTP/1.1\" 200 5120 \"https://www.example.com/\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36\"\n"
}

/// CPU seconds of the calling thread.
func threadCPU() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(1), &usage) // RUSAGE_THREAD: this thread only, not the writer
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// Reads until `target` lines were handed on, acknowledging every batch as a sink would.
func tail(until target: Int, writerDone: @escaping @Sendable () -> Bool) -> (lines: Int, bytes: UInt64, seconds: Double, cpu: Double) {
    var configuration = SourceConfiguration(include: [logPath])
    configuration.readFrom = .beginning
    let ledger = AcknowledgementLedger()
    let source = FileSource(configuration: configuration, checkpoints: nil, ledger: ledger, logger: logger)
    let start = ContinuousClock.now
    let cpuStart = threadCPU()
    var lines = 0
    var bytes: UInt64 = 0
    var idleAfterWriter = 0
    while lines < target {
        if let batch = source.next() {
            lines += batch.lines.count
            bytes += UInt64(batch.bytes.count + batch.lines.count)
            ledger.acknowledge(sourceID: batch.sourceID, sequence: batch.sequence, endPosition: batch.endPosition)
        } else {
            if writerDone() {
                idleAfterWriter += 1
                if idleAfterWriter > 5000 { break } // 1 s with nothing new: report what arrived
            }
            usleep(200)
        }
    }
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return (lines, bytes, seconds, threadCPU() - cpuStart)
}

// 1. A growing file: a writer thread appends 64 KiB blocks while the source follows.
guard FileManager.default.createFile(atPath: logPath, contents: Data(line(0).utf8)) else {
    FileHandle.standardError.write(Data("cannot create \(logPath)\n".utf8))
    exit(1)
}
let done = Mutex(false)
let writer = Thread {
    guard let handle = FileHandle(forWritingAtPath: logPath) else { return }
    handle.seekToEndOfFile()
    var block = ""
    for number in 1..<lineCount {
        block += line(number)
        if block.utf8.count >= 64 * 1024 { handle.write(Data(block.utf8)); block = "" }
    }
    handle.write(Data(block.utf8))
    try? handle.close()
    done.withLock { $0 = true }
}
writer.start()
let growing = tail(until: lineCount) { done.withLock { $0 } }
print(String(format: "growing file: %d lines (%.0f MB) in %.2f s = %.0f lines/s, %.0f MB/s; reader CPU %.2f s (%.0f%% of one core)",
             growing.lines, Double(growing.bytes) / 1e6, growing.seconds, Double(growing.lines) / growing.seconds,
             Double(growing.bytes) / 1e6 / growing.seconds, growing.cpu, 100 * growing.cpu / growing.seconds))

// 2. The same file read again once complete (catching up on a backlog).
let backlog = tail(until: lineCount) { true }
print(String(format: "complete file: %d lines in %.2f s = %.0f lines/s; reader CPU %.2f s",
             backlog.lines, backlog.seconds, Double(backlog.lines) / backlog.seconds, backlog.cpu))

// 3. Checkpointing: one atomic write (temporary file, fsync, rename, directory fsync).
for entries in [1, 100, 2000] {
    let store = CheckpointStore(dataDirectory: directory.path, pipeline: "bench\(entries)")
    let list = (0..<entries).map { index in
        CheckpointStore.Entry(sourceID: "file:2049:\(1000 + index):deadbeef\(index)", path: "/var/log/site\(index)/access.log",
                              position: UInt64(index * 1000), marker: "0123456789abcdef", updated: Date())
    }
    let rounds = entries >= 2000 ? 20 : 50
    let start = ContinuousClock.now
    for _ in 0..<rounds { try store.save(list) }
    let elapsed = ContinuousClock.now - start
    let each = (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) / Double(rounds)
    print(String(format: "checkpoint save with %4d entries: %.2f ms each (at checkpoint_interval 1 s: %.2f%% of a second)",
                 entries, each * 1000, each * 100))
}

import EdgeTail
import Foundation
import Logging

// Journal source throughput: entries read through libsystemd, parsed and mapped per
// second, beside the file source reading the same lines from a plain file.
//
//     swift run -c release JournalBenchmark [entries]
//
// The entries (1,000,000 by default) are nginx combined lines with the same mix as
// ParseBenchmark (crawlers, static assets, downloads, outbound clicks, errors), turned
// into a journal by systemd-journal-remote. The timed part is what a pipeline does:
// `source.next()` then `LineProcessor.process` until the source has nothing more.

let entryCount = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1_000_000 : 1_000_000

struct Generator {
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    mutating func next(_ bound: Int) -> Int {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Int(state % UInt64(bound))
    }
}

let agents = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
]
let bots = ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "curl/8.5.0"]
let pages = ["/", "/products", "/products/alpha?ref=nav", "/pricing", "/blog/tailing-logs-right", "/search?q=edge+network"]
let assets = ["/static/app.css", "/static/app.js", "/favicon.ico", "/static/img/hero.webp"]

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-journal-bench-\(getpid())")
let journalDirectory = directory.appendingPathComponent("journal").path
try FileManager.default.createDirectory(atPath: journalDirectory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }

// Generate: the same lines into a plain log and, as export format, into journal-remote.
guard let remotePath = ["/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"]
    .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
    print("systemd-journal-remote is not installed (apt-get install systemd-journal-remote)")
    exit(1)
}
let remote = Process()
remote.executableURL = URL(fileURLWithPath: remotePath)
remote.arguments = ["--output=\(journalDirectory)/bench.journal", "-"]
let remoteInput = Pipe()
remote.standardInput = remoteInput
remote.standardError = FileHandle.nullDevice
try remote.run()

let logPath = directory.appendingPathComponent("access.log").path
_ = FileManager.default.createFile(atPath: logPath, contents: nil)
let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
var generator = Generator()
var export = JournalExportWriter()
var plain: [UInt8] = []
let generationStart = ContinuousClock.now
for index in 0..<entryCount {
    let visitor = generator.next(5000)
    let ip = "\(81 + visitor % 100).\(visitor % 251).\(visitor / 7 % 250).\(1 + visitor % 250)"
    var agent = agents[visitor % agents.count]
    let roll = generator.next(100)
    var target = pages[generator.next(pages.count)]
    var status = 200
    if roll < 12 { agent = bots[roll % 2] }
    else if roll < 42 { target = assets[roll % assets.count] }
    else if roll < 46 { target = "/files/whitepaper.pdf" }
    else if roll < 50 { target = "/out?u=https%3A%2F%2Fgithub.com%2Fexample"; status = 302 }
    else if roll < 55 { status = 404 }
    let second = index / 20
    let time = String(format: "%02d/Nov/2026:%02d:%02d:%02d +0100", 2 + second / 86400, second / 3600 % 24, second / 60 % 60, second % 60)
    let line = "\(ip) - - [\(time)] \"GET \(target) HTTP/1.1\" \(status) \(1000 + generator.next(50000)) \"-\" \"\(agent)\""
    plain.append(contentsOf: line.utf8)
    plain.append(0x0A)
    export.entry(realtime: 1_762_041_600_000_000 + UInt64(index) * 50_000, monotonic: UInt64(index) + 1, [
        ("MESSAGE", line), ("SYSLOG_IDENTIFIER", "nginx_access"), ("_SYSTEMD_UNIT", "nginx.service"),
        ("_HOSTNAME", "web1"), ("PRIORITY", "6"), ("SYSLOG_FACILITY", "23"),
    ])
    if export.bytes.count >= 4 << 20 {
        try remoteInput.fileHandleForWriting.write(contentsOf: Data(export.bytes))
        try log.write(contentsOf: Data(plain))
        export.removeAll()
        plain.removeAll(keepingCapacity: true)
    }
}
try remoteInput.fileHandleForWriting.write(contentsOf: Data(export.bytes))
try remoteInput.fileHandleForWriting.close()
try log.write(contentsOf: Data(plain))
try log.close()
remote.waitUntilExit()
let journalFiles = (try? FileManager.default.contentsOfDirectory(atPath: journalDirectory)) ?? []
let journalBytes = journalFiles.reduce(0) { total, name in
    total + ((try? FileManager.default.attributesOfItem(atPath: journalDirectory + "/" + name)[.size] as? Int) ?? 0)
}
print("generated \(entryCount) entries in \(ContinuousClock.now - generationStart): \(journalFiles.count) journal file(s), \(journalBytes / 1_000_000) MB")

func plan(source: String) throws -> PipelinePlan {
    let path = directory.appendingPathComponent("bench.yaml").path
    try """
    sinks: { out: { type: console } }
    pipelines:
      - name: bench
        source: \(source)
        parser: { format: combined }
        site: { base_url: "https://www.example.com" }
        events:
          - type: linkClick
            when: { path: "^/out$", query: [u] }
            link: { url: "{query.u}", kind: exit }
          - type: linkClick
            when: { extension: [pdf, zip] }
            link: { kind: download }
          - type: pageView
            when: { method: [GET], status: [2xx, 304] }
        identity:
          - { namespace: FPID, field: "cookie.FPID" }
          - { namespace: FPID, derive: [client_ip, user_agent], salt: bench }
        data: { status: "{status}", host: "{journal._HOSTNAME}" }
        sink: out
    """.write(toFile: path, atomically: true, encoding: .utf8)
    let configuration = try ConfigurationLoader(environment: [:]).load(path: path)
    return try PipelinePlan(configuration.pipelines[0], file: path)
}

let journalPlan = try plan(source: "{ type: journald, directory: \"\(journalDirectory)\", read_from: beginning }")
let filePlan = try plan(source: "{ type: file, include: [\"\(logPath)\"], read_from: beginning }")
let logger = Logger(label: "bench")

/// Reads the whole source through the pipeline's processor; returns entries per second.
func measure(_ label: String, _ plan: PipelinePlan, _ makeSource: () throws -> any LineSource) throws -> Double {
    let source = try makeSource()
    var processor = LineProcessor(plan: plan)
    var counts = PipelineCounts()
    var events = 0
    let start = ContinuousClock.now
    while let batch = try source.next() {
        let output = processor.process(batch)
        counts.add(output.counts)
        events += output.events.count
    }
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(counts.lines) / seconds
    print("\(label): \(counts.lines) lines in \(String(format: "%.3f", seconds)) s = \(Int(rate)) lines/s; \(events) events, dropped \(counts.droppedTotal), failed \(counts.failed)")
    return rate
}

var journalRates: [Double] = []
var fileRates: [Double] = []
for run in 0...3 {
    let journal = try measure("journal run \(run)", journalPlan) {
        try JournalSource(configuration: journalPlan.source, cursor: nil, firstStart: true, fieldNames: journalPlan.journalFieldNames,
                          followWait: nil, ledger: AcknowledgementLedger(), logger: logger)
    }
    let file = try measure("file    run \(run)", filePlan) {
        FileSource(configuration: filePlan.source, checkpoints: nil, ledger: AcknowledgementLedger(), logger: logger)
    }
    // Run 0 warms the page cache.
    if run > 0 {
        journalRates.append(journal)
        fileRates.append(file)
    }
}
print("best: journal \(Int(journalRates.max() ?? 0)) entries/s, file \(Int(fileRates.max() ?? 0)) lines/s (read + parse + map, one core)")

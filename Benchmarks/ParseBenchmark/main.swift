import EdgeTail
import Foundation

// Parse + map + serialise throughput on one core, over a generated combined log.
//
//     swift run -c release ParseBenchmark [lines] [--format F] [--parse-only]
//
// `--format` (combined, nginx, apache, json, logfmt, regex, w3c, cloudfront, elb, alb,
// haproxy) writes the same requests as nginx `escape=json` objects, as logfmt, as IIS
// W3C, CloudFront, load-balancer or HAProxy lines, or keeps them combined and parses
// them with a PCRE2 pattern of named groups, or with the compiled nginx / Apache
// default `combined` log formats, instead. `--parse-only` times the parser alone.
// `--new-agents` times the first sight of an agent (the crawler list, the heuristics,
// no cache) over distinct browser and crawler agents, and the list's compilation.
//
// The log has 5,000 visitors, 12 % crawler lines, 30 % static assets, downloads,
// outbound clicks and errors, like the bundled sample. Lines are framed into 256 KiB
// batches first, as the file source hands them on; the timed part is exactly what
// a pipeline does per batch.

let lineCount = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1_000_000
let format = CommandLine.arguments.firstIndex(of: "--format").flatMap {
    $0 + 1 < CommandLine.arguments.count ? CommandLine.arguments[$0 + 1] : nil
} ?? "combined"
if CommandLine.arguments.contains("--new-agents") {
    measureNewAgents()
    exit(0)
}
let regexPattern = #"^(?<client>\S+) \S+ (?<user>\S+) \[(?<time>[^\]]+)\] \"(?<request>[^\"]*)\" (?<status>\d{3}) (?<bytes>\S+) \"(?<referer>[^\"]*)\" \"(?<user_agent>[^\"]*)\"$"#
let parserYAML: String
switch format {
case "json": parserYAML = "{ format: json }"
case "logfmt": parserYAML = "{ format: logfmt }"
case "regex": parserYAML = "{ format: regex, pattern: '\(regexPattern)' }"
case "nginx": parserYAML = "{ format: nginx }"
case "apache": parserYAML = "{ format: apache }"
case "w3c": parserYAML = "{ format: w3c }"
case "cloudfront": parserYAML = "{ format: cloudfront }"
case "elb": parserYAML = "{ format: elb }"
case "alb": parserYAML = "{ format: alb }"
case "haproxy": parserYAML = "{ format: haproxy, request_headers: [Host, User-Agent, Referer] }"
default: parserYAML = "{ format: combined }"
}

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
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
]
let bots = ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "curl/8.5.0"]
let pages = ["/", "/products", "/products/alpha?ref=nav", "/pricing", "/blog/tailing-logs-right", "/search?q=edge+network", "/docs/install"]
let assets = ["/static/app.css", "/static/app.js", "/favicon.ico", "/static/img/hero.webp"]
let referers = ["-", "https://www.google.com/", "https://www.example.com/blog"]

var generator = Generator()
var log: [UInt8] = []
log.reserveCapacity(lineCount * 230)
var second = 0
for index in 0..<lineCount {
    if index % 20 == 0 { second += 1 }
    let visitor = generator.next(5000)
    let ip = "\(81 + visitor % 100).\(visitor % 251).\(visitor / 7 % 250).\(1 + visitor % 250)"
    var agent = agents[visitor % agents.count]
    let roll = generator.next(100)
    var target = pages[generator.next(pages.count)]
    var status = 200
    if roll < 12 { agent = bots[roll % 2] }
    else if roll < 42 { target = assets[roll % assets.count] }
    else if roll < 46 { target = "/files/whitepaper.pdf" }
    else if roll < 50 { target = "/out?u=https%3A%2F%2Fgithub.com%2Fexample" ; status = 302 }
    else if roll < 55 { status = 404 }
    let time = String(format: "%02d/Nov/2026:%02d:%02d:%02d +0100", 2 + second / 86400, second / 3600 % 24, second / 60 % 60, second % 60)
    let size = 1000 + generator.next(50000)
    let referer = referers[generator.next(3)]
    let line: String
    switch format {
    case "json":
        let iso = String(format: "2026-11-%02dT%02d:%02d:%02d+01:00", 2 + second / 86400, second / 3600 % 24, second / 60 % 60, second % 60)
        line = #"{"time_iso8601":"\#(iso)","remote_addr":"\#(ip)","request_method":"GET","request_uri":"\#(target)","status":"\#(status)","body_bytes_sent":"\#(size)","http_referer":"\#(referer)","http_user_agent":"\#(agent)"}"# + "\n"
    case "logfmt":
        let iso = String(format: "2026-11-%02dT%02d:%02d:%02d+01:00", 2 + second / 86400, second / 3600 % 24, second / 60 % 60, second % 60)
        line = "time=\(iso) client_ip=\(ip) method=GET url=\(target) status=\(status) bytes=\(size) referer=\"\(referer)\" user_agent=\"\(agent)\"\n"
    case "w3c", "cloudfront":
        let date = String(format: "2026-11-%02d", 2 + second / 86400)
        let clock = String(format: "%02d:%02d:%02d", second / 3600 % 24, second / 60 % 60, second % 60)
        let parts = target.split(separator: "?", maxSplits: 1)
        let stem = String(parts[0]), query = parts.count > 1 ? String(parts[1]) : "-"
        if format == "w3c" {
            let plus = agent.replacingOccurrences(of: " ", with: "+")
            line = "\(date) \(clock) 10.0.0.5 GET \(stem) \(query) 443 - \(ip) \(plus) \(referer) \(status) 0 0 15\n"
        } else {
            let encoded = agent.replacingOccurrences(of: " ", with: "%20")
            line = [date, clock, "LAX1", "\(size)", ip, "GET", "d111111abcdef8.cloudfront.net", stem, "\(status)", referer, encoded, query, "-", "Hit",
                    "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==", "www.example.com", "https", "23", "0.001", "-", "TLSv1.2",
                    "ECDHE-RSA-AES128-GCM-SHA256", "Hit", "HTTP/2.0", "-", "-", "11040", "0.001", "Hit", "text/html", "\(size)", "-", "-"].joined(separator: "\t") + "\n"
        }
    case "elb", "alb":
        let iso = String(format: "2026-11-%02dT%02d:%02d:%02d.186641Z", 2 + second / 86400, second / 3600 % 24, second / 60 % 60, second % 60)
        let head = format == "alb" ? "https \(iso) app/my-loadbalancer/50dc6c495c0c9188" : "\(iso) my-loadbalancer"
        let tail = format == "alb"
            ? #" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "-" 1 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-""#
            : " - -"
        line = "\(head) \(ip):2817 10.0.0.1:80 0.000073 0.001048 0.000057 \(status) \(status) 0 \(size) \"GET https://www.example.com:443\(target) HTTP/1.1\" \"\(agent)\"\(tail)\n"
    case "haproxy":
        let date = String(format: "%02d/Nov/2026:%02d:%02d:%02d.655", 2 + second / 86400, second / 3600 % 24, second / 60 % 60, second % 60)
        line = "\(ip):41122 [\(date)] https-in~ web/srv2 0/0/1/12/13 \(status) \(size) - - ---- 3/3/0/0/0 0/0 {www.example.com|\(agent)|\(referer)} {} \"GET \(target) HTTP/1.1\"\n"
    default:
        line = "\(ip) - - [\(time)] \"GET \(target) HTTP/1.1\" \(status) \(size) \"\(referer)\" \"\(agent)\"\n"
    }
    log.append(contentsOf: line.utf8)
}

// `--write-log PATH` writes the generated log to a file (for the end-to-end benchmark) and stops.
if let flag = CommandLine.arguments.firstIndex(of: "--write-log"), flag + 1 < CommandLine.arguments.count {
    try Data(log).write(to: URL(fileURLWithPath: CommandLine.arguments[flag + 1]))
    print("wrote \(lineCount) lines (\(log.count) bytes) to \(CommandLine.arguments[flag + 1])")
    exit(0)
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgetail-bench-\(getpid())")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let configPath = directory.appendingPathComponent("bench.yaml").path
try """
sinks: { out: { type: console } }
pipelines:
  - name: bench
    source: { type: file, include: ["/dev/null"] }
    parser: \(parserYAML)
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
    data: { status: "{status}" }
    sink: out
""".write(toFile: configPath, atomically: true, encoding: .utf8)
let configuration = try ConfigurationLoader(environment: [:]).load(path: configPath)
let plan = try PipelinePlan(configuration.pipelines[0], file: configPath)

var framer = LineFramer(maxLineBytes: 1 << 20, startOffset: 0)
var batches: [LineBatch] = []
var offset = 0
while offset < log.count {
    let end = min(offset + 256 * 1024, log.count)
    let framed = log.withUnsafeBufferPointer { framer.frame(UnsafeBufferPointer(rebasing: $0[offset..<end])) }
    batches.append(LineBatch(sourceID: "bench", origin: "bench", bytes: framed.bytes, lines: framed.lines,
                             endPosition: framer.committedOffset, sequence: UInt64(batches.count)))
    offset = end
}

@MainActor func measure(_ label: String) -> Double {
    var processor = LineProcessor(plan: plan)
    var events = 0
    var outputBytes = 0
    var counts = PipelineCounts()
    let start = ContinuousClock.now
    let cpuStart = threadCPUSeconds()
    for batch in batches {
        let output = processor.process(batch)
        events += output.events.count
        outputBytes += output.bytes.count
        counts.add(output.counts)
    }
    let elapsed = ContinuousClock.now - start
    let cpu = threadCPUSeconds() - cpuStart
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(counts.lines) / seconds
    let cpuRate = Double(counts.lines) / cpu
    print("\(label): \(counts.lines) lines (\(log.count / 1_000_000) MB) in \(String(format: "%.3f", seconds)) s wall, \(String(format: "%.3f", cpu)) s CPU = \(Int(rate)) lines/s wall, \(Int(cpuRate)) lines per CPU-second; \(events) events, \(outputBytes / 1_000_000) MB of JSON; dropped \(counts.droppedTotal), failed \(counts.failed)")
    return cpuRate
}

/// CPU time of this thread: on a shared machine, wall time measures the neighbours too.
func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// The parser alone: every line into one reused record, nothing mapped or written.
@MainActor func measureParse(_ label: String) -> Double {
    var record = AccessLogRecord()
    var lines = 0
    var failed = 0
    let cpuStart = threadCPUSeconds()
    for batch in batches {
        batch.bytes.withUnsafeBufferPointer { buffer in
            for line in batch.lines {
                do { try plan.parser.parse(buffer, line: line.range, into: &record) } catch { failed += 1 }
                lines += 1
            }
        }
    }
    let cpu = threadCPUSeconds() - cpuStart
    print("\(label): parsed \(lines) lines in \(String(format: "%.3f", cpu)) s CPU = \(Int(Double(lines) / cpu)) lines per CPU-second; failed \(failed)")
    return Double(lines) / cpu
}

/// The cost of an agent seen for the first time, and of compiling the crawler list.
@MainActor func measureNewAgents() {
    let compileStart = threadCPUSeconds()
    let patterns = CrawlerList.builtin.count
    print("crawler list: \(patterns) patterns compiled in \(String(format: "%.1f", (threadCPUSeconds() - compileStart) * 1000)) ms CPU")
    var distinct: [[UInt8]] = []
    for index in 0..<20_000 {
        let variant = "\(100 + index % 40).0.\(index).\(index % 97)"
        let agent: String
        switch index % 5 {
        case 0: agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/\(variant) Safari/537.36"
        case 1: agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_\(index % 9) like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.\(index % 9) Mobile/15E\(index) Safari/604.1"
        case 2: agent = "Mozilla/5.0 (X11; Linux x86_64; rv:\(variant)) Gecko/20100101 Firefox/\(variant)"
        case 3: agent = "Mozilla/5.0 (compatible; Googlebot/2.\(index); +http://www.google.com/bot.html)"
        default: agent = "python-requests/2.\(index)"
        }
        distinct.append(Array(agent.utf8))
    }
    var classifier = UserAgentClassifier(rules: .init())
    var rates: [Double] = []
    for _ in 0..<3 {
        var bots = 0
        let start = threadCPUSeconds()
        for agent in distinct {
            if agent.withUnsafeBufferPointer({ classifier.decide($0) }) != .person { bots += 1 }
        }
        let perAgent = (threadCPUSeconds() - start) / Double(distinct.count) * 1e6
        rates.append(perAgent)
        print("first sight: \(distinct.count) distinct agents, \(bots) not people, \(String(format: "%.2f", perAgent)) µs CPU per agent")
    }
    print("best first sight: \(String(format: "%.2f", rates.min() ?? 0)) µs per new agent (target < 20 µs)")
}

let parseOnly = CommandLine.arguments.contains("--parse-only")
let run = parseOnly ? measureParse : measure
_ = run("warm-up")
let rates = (1...3).map { run("run \($0)") }
print("best (\(format)\(parseOnly ? ", parse only" : "")): \(Int(rates.max() ?? 0)) lines per CPU-second on one core (target 1,000,000)")

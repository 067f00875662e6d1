#!/usr/bin/env bash
# End to end: tail a generated combined log -> parse -> XDM -> Edge sink -> HTTP on loopback.
#
#     Benchmarks/end-to-end.sh [lines] [receiver] [buffer]
#
# receiver: `counting` (default; a minimal receiver that costs less than the shipper)
# or `stand-in` (edgetail collector --mode edge --no-store, which validates every event).
# buffer: `memory` (default: 16 MiB in memory, disk only when that is full) or
# `spill` (a 64 KiB memory budget, so nearly every event goes through disk segments).
# Prints wall time, lines/s, events/s, the shipper's peak RSS and CPU, the time split
# the run recorded, and the receiver's counts.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
RECEIVER=${2:-counting}
BUFFER=${3:-memory}
case "$BUFFER" in spill) MEMORY=64KiB ;; memory) MEMORY=16MiB ;; *) MEMORY=$BUFFER ;; esac
for product in edgetail ParseBenchmark CountingReceiver; do swift build -c release --product "$product" >/dev/null; done
BIN=$(swift build -c release --show-bin-path)
WORK=$(mktemp -d)
trap 'kill "$RECEIVER_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BIN/ParseBenchmark" "$LINES" --write-log "$WORK/access.log"
if [ "$RECEIVER" = stand-in ]; then
  "$BIN/edgetail" collector --mode edge --listen 127.0.0.1:0 --no-store > "$WORK/receiver.out" 2> "$WORK/receiver.err" &
else
  "$BIN/CountingReceiver" 0 > "$WORK/receiver.out" 2> "$WORK/receiver.err" &
fi
RECEIVER_PID=$!
for _ in $(seq 1 200); do grep -q listening "$WORK/receiver.out" 2>/dev/null && break; sleep 0.05; done
ENDPOINT=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/receiver.out" | head -1)

cat > "$WORK/bench.yaml" <<YAML
data_dir: $WORK/data
sinks:
  edge: { type: edge, endpoint: "$ENDPOINT", datastream_id: bench, linger: 0.05, lanes: 4, buffer: { memory_bytes: $MEMORY } }
pipelines:
  - name: bench
    source: { type: file, include: ["$WORK/access.log"], read_from: beginning }
    parser: { format: combined }
    site: { base_url: "https://www.example.com" }
    events:
      - { type: linkClick, when: { path: "^/out\$", query: [u] }, link: { url: "{query.u}", kind: exit } }
      - { type: linkClick, when: { extension: [pdf, zip] }, link: { kind: download } }
      - { type: pageView, when: { method: [GET], status: [2xx, 304] } }
    identity:
      - { namespace: FPID, derive: [client_ip, user_agent], salt: bench }
    data: { status: "{status}" }
    sink: edge
YAML

${EDGETAIL_ENV:-} /usr/bin/time -v "$BIN/edgetail" run -c "$WORK/bench.yaml" --once --log-level warning --summary-json "$WORK/summary.json" 2> "$WORK/time.txt"
python3 - "$WORK" "$LINES" "$BUFFER" <<'PY'
import json, re, sys, urllib.request
work, lines = sys.argv[1], int(sys.argv[2])
timing = open(f"{work}/time.txt").read()
def field(name):
    match = re.search(name + r":\s*(.+)", timing)
    return match.group(1).strip() if match else "?"
wall = field(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\)")
parts = [float(p) for p in wall.split(":")]
seconds = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) > 2 else 0)
summary = json.load(open(f"{work}/summary.json"))["bench"]
events = summary["pageViews"] + summary["linkClicks"]
endpoint = open(f"{work}/receiver.out").read().split("listening on ")[1].split()[0]
received = json.load(urllib.request.urlopen(endpoint + "/stats"))
rss = int(field(r"Maximum resident set size \(kbytes\)")) / 1024
user, system, cpu = field(r"User time \(seconds\)"), field(r"System time \(seconds\)"), field("Percent of CPU this job got")
print(f"lines {summary['lines']}, events {events}, wall {seconds:.2f} s")
print(f"throughput: {summary['lines'] / seconds:,.0f} lines/s, {events / seconds:,.0f} events/s")
print(f"shipper peak RSS: {rss:.1f} MiB; CPU user {user} s, system {system} s ({cpu})")
print(f"time split (pipeline task): read {summary['readSeconds']:.2f} s, map {summary['mapSeconds']:.2f} s, waiting on the sink {summary['sinkWaitSeconds']:.2f} s")
written = int(field("File system outputs")) * 512
print(f"buffer: {sys.argv[3]}; bytes written to disk by the shipper: {written:,} ({written / max(events, 1):.0f} per event)")
print(f"receiver: {received}")
PY

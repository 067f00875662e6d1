#!/bin/bash
# packaging/symbol-order.sh — regenerates packaging/symbol-order.txt: the functions a
# following daemon runs (start, tail a file, ship to /ee/v2/collect, serve /metrics,
# stop), which the linker places next to each other (Package.swift passes the file as
# lld's --symbol-ordering-file).
#
# Why: the kernel maps a program's code in 64 KiB windows around each page touched
# (fault-around), so code that runs, scattered among 30 MB of code that never does,
# keeps most of the binary resident. Gathered, the same code takes fewer windows: an idle
# daemon (the bench's edgetail_all.yaml) 27.2-27.7 MB resident instead of 29.4-29.8 MB,
# the two builds alternated in one sitting; see the README's Memory section. Compare builds
# with their page cache dropped first (the README says how): a binary written a minute ago
# is cached in large folios and maps about 3 MB more than the same bytes read back later.
#
# A stale list costs nothing but memory: functions it does not name (new or renamed
# ones) are laid out as before, names the binary lacks are ignored. Rerun after large
# changes, then commit the new list:
#   packaging/symbol-order.sh
# Needs valgrind (installed with apt-get when missing) and the release build, which it
# makes. valgrind cannot read lld's debug information, so it runs a copy without it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/packaging/symbol-order.txt

if ! command -v valgrind >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
fi
swift build -c release --product edgetail --static-swift-stdlib
BIN=$ROOT/.build/release/edgetail

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
strip --strip-debug -o "$WORK/edgetail" "$BIN"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
EDGE_PORT=$(free_port)
API_PORT=$(free_port)

# Waits until COMMAND succeeds, at most SECONDS.
wait_for() {
    local seconds=$1; shift
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then echo "symbol-order: gave up waiting for: $*" >&2; exit 1; fi
        sleep 0.2
    done
}

"$BIN" collector serve --listen "127.0.0.1:$EDGE_PORT" --mode edge --db "$WORK/collector.sqlite" >"$WORK/collector.log" 2>&1 &
PIDS+=($!)
wait_for 30 curl -fs "http://127.0.0.1:$EDGE_PORT/stats"

: >"$WORK/access.log"
cat >"$WORK/edgetail.yaml" <<EOF
data_dir: $WORK/data
api: { listen: "127.0.0.1:$API_PORT" }
sinks:
  edge:
    type: edge
    endpoint: http://127.0.0.1:$EDGE_PORT
    datastream_id: symbol-order
    linger: 0.2
    auth: { type: none }
pipelines:
  - name: web
    source: { type: file, include: ["$WORK/access.log"], read_from: beginning }
    parser: { format: combined }
    site: { base_url: "https://www.example.com" }
    events:
      - type: linkClick
        when: { extension: [pdf, zip] }
        link: { kind: download }
      - type: pageView
        when: { method: [GET], status: [2xx, 304] }
    identity:
      - { namespace: FPID, derive: [client_ip, user_agent], salt: symbol-order }
    sink: edge
EOF

valgrind --tool=callgrind --demangle=no --compress-strings=no --callgrind-out-file="$WORK/callgrind.out" \
    "$WORK/edgetail" run -c "$WORK/edgetail.yaml" --log-level warning >"$WORK/edgetail.log" 2>&1 &
DAEMON=$!
PIDS+=("$DAEMON")
wait_for 300 curl -fs "http://127.0.0.1:$API_PORT/health"

# Lines in two bursts, the way a web server writes them; then the api, as a scraper reads it.
# The file is read from its beginning (it starts empty): under valgrind the pipeline may
# first see the file after the first burst is written, and `end` would then skip it all.
stored() { curl -fs "http://127.0.0.1:$EDGE_PORT/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events_stored"])'; }
some_stored() { test "$(stored)" -gt 0; }
head -n 2000 samples/access.log >>"$WORK/access.log"
wait_for 300 some_stored
sed -n '2001,4000p' samples/access.log >>"$WORK/access.log"
sleep 5
curl -fs "http://127.0.0.1:$API_PORT/metrics" >/dev/null
curl -fs "http://127.0.0.1:$API_PORT/api/v1/stats" >/dev/null
kill -INT "$DAEMON"
wait "$DAEMON" || true

# Functions callgrind saw run, as the binary names them (recursion marks dropped),
# sorted by name: a module's and a type's functions then sit together. Ranked by
# instructions run instead (busiest first), 13.5 MB of code stayed resident against
# 11.1 MB sorted by name, in the same idle daemon.
nm "$BIN" | awk '{print $NF}' | LC_ALL=C sort -u >"$WORK/symbols"
grep '^fn=' "$WORK/callgrind.out" | sed -e 's/^fn=//' -e "s/'[0-9]*\$//" | LC_ALL=C sort -u >"$WORK/executed"
LC_ALL=C comm -12 "$WORK/executed" "$WORK/symbols" >"$OUT"
# The linker reads the list, the build does not know it: the next build relinks.
rm -f "$BIN"
echo "symbol-order: $(wc -l <"$OUT") functions written to $OUT; $(stored) events stored by the stand-in"

#!/usr/bin/env bash
# CPU of following daemons while a writer appends 1,000 lines/s: two builds alternated in
# one sitting, so a change worth a few percent shows through the machine's noise (the
# shared bench's sidecar.sh compares with Fluent Bit; this compares edgetail with itself).
#
#     Benchmarks/steady-cpu.sh OLD_BINARY NEW_BINARY [SECONDS] [RUNS]
#
# Each run starts `edgetail run` on the bench's edgetail_all.yaml following an empty file
# (read_from: end) with the bench's neutral sink, appends the bench log's lines 10 every
# 10 ms for SECONDS (default 20), and prints the CPU the daemon used meanwhile
# (/proc/PID/stat, user + system). RUNS (default 3) alternations of the two binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1
NEW=$2
SECONDS_OF_LOAD=${3:-20}
RUNS=${4:-3}
BENCH=${BENCH:-../shared/bench}
# shellcheck source=/dev/null
source "$BENCH/common.sh"
[ -x "$SINK_BIN" ] && [ -f "$DATA_LOG" ] || "$BENCH/setup.sh"
SINK_PORT=${SINK_PORT:-18093}
WORK=$BENCH_DIR/run/steady-cpu
rm -rf "$WORK" && mkdir -p "$WORK"
start_sink "$SINK_PORT" "$WORK/sink.out"
DAEMON=
trap '[ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null; stop_pid "$SINK_PID" 2' EXIT

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() { # BINARY
  rm -rf "$WORK/data" && : > "$WORK/access.log"
  EDGETAIL_DATA_DIR=$WORK/data EDGETAIL_LOG=$WORK/access.log EDGETAIL_ENDPOINT=http://127.0.0.1:$SINK_PORT \
    EDGETAIL_READ_FROM=end "$1" run -c "$BENCH/edgetail_all.yaml" --log-level warning > "$WORK/out" 2>&1 &
  DAEMON=$!
  sleep 2
  local before
  before=$(ticks "$DAEMON")
  python3 - "$DATA_LOG" "$WORK/access.log" "$SECONDS_OF_LOAD" <<'PY'
import sys, time
source, target, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = []
with open(source) as log:
    for line in log:
        lines.append(line)
        if len(lines) >= seconds * 1000:
            break
with open(target, "a") as out:
    start = time.monotonic()
    for step in range(seconds * 100):
        out.write("".join(lines[step * 10:step * 10 + 10]))
        out.flush()
        delay = start + (step + 1) * 0.01 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
PY
  sleep 1.5
  local after
  after=$(ticks "$DAEMON")
  kill -INT "$DAEMON" && wait "$DAEMON" || true
  DAEMON=
  printf '| %s | %.2f s |\n' "$1" "$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" 'BEGIN { print t / hz }')"
}

echo "date: $(date -Iseconds)  ${SECONDS_OF_LOAD} s at 1,000 lines/s, CPU of the daemon"
echo "| binary | CPU |"
echo "| --- | --- |"
for _ in $(seq "$RUNS"); do
  run "$OLD"
  run "$NEW"
done

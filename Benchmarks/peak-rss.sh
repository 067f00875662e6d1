#!/usr/bin/env bash
# Peak RSS of `edgetail run --once` over 1,000,000 and 5,000,000 lines, and with more
# lanes or another memory budget: the figures of README's "Memory" section.
#
#     Benchmarks/peak-rss.sh            # runs ../shared/bench/setup.sh first if needed
#
# Uses ../shared/bench: its generated 1M-line log, gen_access_log.py for the 5M one (seed
# 42, written once to $BENCH_DIR/data/access-5m.log, 1.1 GB), its neutral sink, and
# edgetail_all.yaml (every line an event) with `lanes` and `memory_bytes` rewritten per row.
# The binary is $EDGETAIL (default ./.build/release/edgetail, built as packaged:
# `swift build -c release --product edgetail --static-swift-stdlib`).
#
#     Benchmarks/peak-rss.sh 5m 3 'GLIBC_TUNABLES=glibc.malloc.mmap_threshold=262144'
#
# runs only the 5,000,000-line row, three times, alternating the daemon's default
# environment with the one given (the malloc comparison of README's "Memory").
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${1:-}" ] && { [ "$1" != 5m ] || ! [[ "${2:-1}" =~ ^[1-9][0-9]*$ ]] || { [ -n "${3:-}" ] && ! [[ "$3" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; }; }; then
  echo "usage: $0 [5m [RUNS [VAR=VALUE]]]   (5m: only the 5,000,000-line row, RUNS times, alternated with VAR=VALUE)" >&2
  exit 2
fi
BENCH=${BENCH:-../shared/bench}
# shellcheck source=/dev/null
source "$BENCH/common.sh"
resolve_edgetail
[ -x "$SINK_BIN" ] && [ -f "$DATA_LOG" ] || "$BENCH/setup.sh"
LOG_5M=$BENCH_DIR/data/access-5m.log
[ -f "$LOG_5M" ] || python3 "$BENCH/gen_access_log.py" -n 5000000 -o "$LOG_5M"
SINK_PORT=${SINK_PORT:-18092}
WORK=$BENCH_DIR/run/peak-rss
rm -rf "$WORK" && mkdir -p "$WORK"
start_sink "$SINK_PORT" "$WORK/sink.out"
trap 'stop_pid "$SINK_PID" 2' EXIT

row() { # LOG LANES MEMORY [VAR=VALUE ...]
  local yaml=$WORK/edgetail.$2.$3.yaml
  sed "s/^    auth: { type: none }.*/&\n    lanes: $2\n    buffer: { memory_bytes: $3 }/" "$BENCH/edgetail_all.yaml" > "$yaml"
  grep -q "^    lanes: $2\$" "$yaml" || { echo "could not set lanes in $yaml" >&2; exit 1; }
  rm -rf "$WORK/data"
  EDGETAIL_DATA_DIR=$WORK/data EDGETAIL_LOG=$1 EDGETAIL_ENDPOINT=http://127.0.0.1:$SINK_PORT \
    /usr/bin/time -f "%M %e %U %S" -o "$WORK/time" env "${@:4}" "$EDGETAIL" run -c "$yaml" --once --log-level warning > "$WORK/out" 2>&1 ||
    { cat "$WORK/out" >&2; exit 1; }
  read -r rss elapsed user sys < "$WORK/time"
  printf '| %s | %s | %s%s | %.1f MB | %s s | %s s |\n' "$(wc -l < "$1")" "$2" "$3" "${4:+, $4}" \
    "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$elapsed" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
}

echo "date: $(date -Iseconds)  edgetail: $("$EDGETAIL" --version) ($EDGETAIL)"
echo "| lines | lanes | memory_bytes | peak RSS | wall | CPU |"
echo "| --- | --- | --- | --- | --- | --- |"
if [ "${1:-}" = 5m ]; then
  for _ in $(seq "${2:-1}"); do
    row "$LOG_5M" 4 16MiB
    [ -z "${3:-}" ] || row "$LOG_5M" 4 16MiB "$3"
  done
  exit 0
fi
row "$DATA_LOG" 4 16MiB
row "$LOG_5M" 4 16MiB
row "$DATA_LOG" 16 16MiB
row "$DATA_LOG" 4 64MiB
row "$DATA_LOG" 4 4MiB

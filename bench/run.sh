#!/usr/bin/env bash
# The whole benchmark suite: keepalived-rs and Debian's keepalived 2.2.7 side by side, then
# bench/BENCHMARKS.generated.md. Never fails (benchmarks are not tests): a figure that could
# not be measured is marked in the tables.
#
#   bench/run.sh [path/to/keepalived-rs]      BENCH_QUICK=1: 10 s windows, 3 failover runs
# Environment: BENCH_ONLY="static scale failover" (subset), BENCH_IMPLS="ka ours".
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BIN=$(readlink -f "${1:-$root/target/release/keepalived-rs}" 2>/dev/null || echo "${1:-}")
ONLY=${BENCH_ONLY:-static scale failover}
IMPLS=${BENCH_IMPLS:-ka ours}
res=$here/results
mkdir -p "$res"
[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces)"; exit 0; }
command -v stress-ng >/dev/null || apt-get install -y -qq stress-ng >/dev/null 2>&1 || true
start=$(date +%s)
if [ -n "${BENCH_QUICK:-}" ]; then mode=quick; window=10; runs=3; else mode=full; window=60; runs=5; fi
export WINDOW=${WINDOW:-$window} RUNS=${RUNS:-$runs} BENCH_RESULTS=$res
{
  echo "mode $mode"
  echo "date $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "host $(nproc) CPUs ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), Linux $(uname -r)"
  echo "window $WINDOW"
  echo "runs $RUNS"
  echo "ours ${BENCH_OURS_DESC:-$BIN ($(cd "$root" && git describe --always --dirty 2>/dev/null))}"
} >"$res/meta.txt"

for impl in $IMPLS; do
  if [ "$impl" = ka ]; then arg=ka name=keepalived; else arg=$BIN name=ours; fi
  out=$res/raw-$name.txt
  : >"$out"
  if ! why=$("$here/smoke.sh" "$arg" 2>/dev/null); then
    echo "bench: $name cannot be benchmarked: $why" >&2
    echo "status.$name not measured: $why" >>"$out"
    continue
  fi
  for b in $ONLY; do
    echo "bench: $b ($name) at +$(( $(date +%s) - start )) s" >&2
    "$here/$b.sh" "$arg" "$out" 2>>"$res/run-$name.log" || echo "bench: $b ($name) exited $?" >&2
  done
done
python3 "$here/lib/report.py" "$res" "$here/BENCHMARKS.generated.md" &&
  echo "bench: wrote bench/BENCHMARKS.generated.md in $(( $(date +%s) - start )) s" >&2
exit 0

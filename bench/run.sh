#!/usr/bin/env bash
# The whole benchmark suite: keepalived-rs and Debian's keepalived 2.2.7 side by side, then
# bench/BENCHMARKS.generated.md. Never fails (benchmarks are not tests): a figure that could
# not be measured is marked in the tables.
#
#   bench/run.sh [path/to/keepalived-rs]      BENCH_QUICK=1: 10 s windows, 3 failover runs
# SCALE_RUNS=3: rounds of the start-up, steady-state and stop measurements (median, spread)
# Environment: BENCH_ONLY="static scale failover" (subset), BENCH_IMPLS="ka ours".
#   BENCH_MUSL_BIN=path  also the static musl build (the router build): start-up, CPU and
#                        memory with 1, 200 and 1000 instances (raw-ours-musl.txt)
#   BENCH_QUIET_LOAD=0.8 first wait (every 30 s, at most BENCH_QUIET_WAIT s, default 1200)
#                        until the 1-minute load average is below this value
#   RT_PRIO=50           the vrrp_rt_priority of the real-time jitter case
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BIN=$(readlink -f "${1:-$root/target/release/keepalived-rs}" 2>/dev/null || echo "${1:-}")
ONLY=${BENCH_ONLY:-static scale failover}
IMPLS=${BENCH_IMPLS:-ka ours}
res=$here/results
mkdir -p "$res"
[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces)"; exit 0; }
command -v stress-ng >/dev/null || apt-get install -y -qq stress-ng >/dev/null 2>&1 || true
# Which binary: "keepalived-rs <git describe> (path relative to the repo), <linkage>".
describe_bin() {
  local bin=$1 rel link
  rel=${bin#"$root"/}
  if ldd "$bin" 2>&1 | grep -q 'not a dynamic\|statically linked'; then link="static"
  else link="dynamic, $(ldd "$bin" 2>/dev/null | grep -q musl && echo musl || echo glibc)"; fi
  echo "keepalived-rs $(cd "$root" && git describe --always --dirty 2>/dev/null) ($rel, $link)"
}
load1() { cut -d' ' -f1 /proc/loadavg; }

if [ -n "${BENCH_QUIET_LOAD:-}" ]; then
  waited=0
  while awk -v l="$(load1)" -v m="$BENCH_QUIET_LOAD" 'BEGIN{exit !(l >= m)}' &&
    [ "$waited" -lt "${BENCH_QUIET_WAIT:-1200}" ]; do
    echo "bench: load average $(load1) >= $BENCH_QUIET_LOAD, waiting (${waited} s so far)" >&2
    sleep 30; waited=$((waited + 30))
  done
fi
start=$(date +%s)
# Described before meta.txt is rewritten (git describe would call the tree dirty).
ours_desc=${BENCH_OURS_DESC:-$(describe_bin "$BIN")}
[ -z "${BENCH_MUSL_BIN:-}" ] || musl_desc=$(describe_bin "$(readlink -f "$BENCH_MUSL_BIN")")
if [ -n "${BENCH_QUICK:-}" ]; then mode=quick; window=10; runs=3; else mode=full; window=60; runs=5; fi
export WINDOW=${WINDOW:-$window} RUNS=${RUNS:-$runs} BENCH_RESULTS=$res SCALE_RUNS
{
  echo "mode $mode"
  echo "date $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "host $(nproc) CPUs ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), Linux $(uname -r)"
  echo "window $WINDOW"
  echo "runs $RUNS"
  echo "scale_runs ${SCALE_RUNS:=3}"
  echo "ours $ours_desc"
  [ -z "${BENCH_MUSL_BIN:-}" ] || echo "ours_musl $musl_desc"
  echo "rt_prio ${RT_PRIO:=50}"
  echo "load_start $(load1)"
} >"$res/meta.txt"
export RT_PRIO
# The musl figures belong to this run or to none.
case " $IMPLS " in *" ours "*) : >"$res/raw-ours-musl.txt" ;; esac

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
if [ -n "${BENCH_MUSL_BIN:-}" ]; then
  why=
  BENCH_MUSL_BIN=$(readlink -f "$BENCH_MUSL_BIN" 2>/dev/null || echo "$BENCH_MUSL_BIN")
  if [ -x "$BENCH_MUSL_BIN" ] && why=$("$here/smoke.sh" "$BENCH_MUSL_BIN" 2>/dev/null); then
    echo "bench: scale (static musl build) at +$(( $(date +%s) - start )) s" >&2
    NO_FAST=1 "$here/scale.sh" "$(readlink -f "$BENCH_MUSL_BIN")" "$res/raw-ours-musl.txt" 1 200 1000 \
      2>>"$res/run-ours-musl.log" || echo "bench: scale (musl) exited $?" >&2
  else
    echo "bench: $BENCH_MUSL_BIN cannot be benchmarked (${why:-not found}): no static musl figures" >&2
  fi
fi
echo "load_end $(load1)" >>"$res/meta.txt"
python3 "$here/lib/report.py" "$res" "$here/BENCHMARKS.generated.md" &&
  echo "bench: wrote bench/BENCHMARKS.generated.md in $(( $(date +%s) - start )) s" >&2
# ...and the same tables into BENCHMARKS.md, between its markers (the prose around them,
# the goals summary and the analysis of the misses, stays as written).
python3 "$here/lib/splice.py" "$root/BENCHMARKS.md" "$here/BENCHMARKS.generated.md" &&
  echo "bench: updated the generated section of BENCHMARKS.md" >&2
exit 0

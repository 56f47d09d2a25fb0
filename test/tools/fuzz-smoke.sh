#!/usr/bin/env bash
# The runs of `make fuzz-smoke` (see the Makefile), from fuzz/ after `cargo fuzz build`:
#   fuzz-smoke.sh BINDIR SEED RUNS RUNS_SLOW SECS TARGET...
# FUZZ_JOBS targets at a time (default 2, the CI's cores). A libFuzzer run is one thread
# doing a fixed number of mutations from a fixed seed, so running two at once changes only
# the wall time: one after the other, the second core sat idle for the whole phase.
# Each target's log is target/fuzz-smoke/TARGET.log; a failed target's tail is printed.
set -u
bin=$1 seed=$2 runs_fast=$3 runs_slow=$4 secs=$5
shift 5
jobs=${FUZZ_JOBS:-2}
out=../target/fuzz-smoke

run_one() {
  local t=$1 runs=$runs_fast rc
  case $t in config_parse | core_rx) runs=$runs_slow ;; esac
  rm -rf "$out/$t" "$out/$t.rc"
  mkdir -p "$out/$t" "artifacts/$t"
  "$bin/$t" -artifact_prefix="artifacts/$t/" -seed="$seed" -runs="$runs" \
    -max_total_time="$secs" -rss_limit_mb=2048 "$out/$t" "corpus/$t" >"$out/$t.log" 2>&1
  rc=$?
  echo "$rc" >"$out/$t.rc"
}

mkdir -p "$out"
for t in "$@"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  run_one "$t" &
done
wait

fail=0
for t in "$@"; do
  if [ "$(cat "$out/$t.rc" 2>/dev/null)" = 0 ]; then
    echo "fuzz $t: $(grep -E '^Done' "$out/$t.log")"
  else
    tail -n 60 "$out/$t.log"
    echo "fuzz $t: FAILED (reproduce: cd fuzz && cargo +nightly fuzz run $t artifacts/$t/<crash file>)"
    fail=1
  fi
done
exit "$fail"

#!/usr/bin/env bash
# Run a suite of test scripts against one binary: run-suite.sh NAME TIMEOUT BIN TEST...
# Each test's output is shown live and kept in target/suite-logs/NAME/; a failed test's last
# lines are printed again after the summary, because CI keeps only the tail of the output.
set -uo pipefail
suite=$1 limit=$2 bin=$3; shift 3
logs=target/suite-logs/$suite
mkdir -p "$logs"
pass=0 failed=()
# A test with the header line "# run-suite: background" waits on timers for nearly all of its
# run and uses next to no CPU (t-alloc-audit.sh: a 60 s steady state of two idle daemons): it
# starts first, in the background, and the others run one after the other meanwhile. Its log
# is shown after theirs.
bg=() fg=()
for t in "$@"; do
  if grep -q '^# run-suite: background' "$t"; then bg+=("$t"); else fg+=("$t"); fi
done
bgpids=()
for t in "${bg[@]}"; do
  name=$(basename "$t" .sh)
  echo "=== $name: started in the background (its log follows the others')"
  : >"$logs/$name.log"
  rm -f "$logs/$name.rc" "$logs/$name.end"
  ( timeout "$limit" "$t" "$bin" </dev/null >>"$logs/$name.log" 2>&1
    echo $? >"$logs/$name.rc"; date +%s >"$logs/$name.end" ) &
  bgpids+=("$!")
done
bgt0=$(date +%s)
for t in "${fg[@]}"; do
  name=$(basename "$t" .sh)
  echo "=== $name"
  t0=$(date +%s)
  # Into a file, not a pipe: a daemon a test leaves behind must not keep a reader waiting.
  # stdin on /dev/null: a test must not depend on how the harness started us (CI closes it).
  # The file exists before tail opens it (the background job may not have opened it yet).
  : >"$logs/$name.log"
  timeout "$limit" "$t" "$bin" </dev/null >>"$logs/$name.log" 2>&1 &
  pid=$!
  tail -n +1 -f --pid="$pid" "$logs/$name.log"
  wait "$pid"
  rc=$?
  if [ "$rc" -eq 0 ]; then r=PASS; pass=$((pass+1)); else r=FAIL; failed+=("$name"); fi
  echo "--- $r $name ($(($(date +%s) - t0)) s, exit $rc)"
done
for ((i = 0; i < ${#bg[@]}; i++)); do
  name=$(basename "${bg[i]}" .sh)
  wait "${bgpids[i]}"
  rc=$(cat "$logs/$name.rc" 2>/dev/null || echo 1)
  echo "=== $name (ran in the background)"
  cat "$logs/$name.log"
  if [ "$rc" -eq 0 ]; then r=PASS; pass=$((pass+1)); else r=FAIL; failed+=("$name"); fi
  echo "--- $r $name ($(($(cat "$logs/$name.end" 2>/dev/null || date +%s) - bgt0)) s, exit $rc)"
  rm -f "$logs/$name.rc" "$logs/$name.end"
done
for name in "${failed[@]}"; do
  echo "=== tail of FAILED $name ($logs/$name.log)"
  tail -n 25 "$logs/$name.log"
done
echo "$suite: $pass passed, ${#failed[@]} failed${failed[*]:+: ${failed[*]}}"
[ "${#failed[@]}" -eq 0 ]

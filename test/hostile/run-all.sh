#!/usr/bin/env bash
# Run every hostile-input/fault lab (test/hostile/t-*.sh); figures land in $HOSTILE_OUT.
set -uo pipefail
bin=${1:?usage: run-all.sh path/to/keepalived-rs}
here=$(cd "$(dirname "$0")" && pwd)
export HOSTILE_OUT=${HOSTILE_OUT:-$(dirname "$(readlink -f "$bin")")}
mkdir -p "$HOSTILE_OUT"
pass=0 fail=0
for t in "$here"/t-*.sh; do
  name=$(basename "$t" .sh)
  echo "=== $name"
  t0=$(date +%s)
  if timeout 300 "$t" "$bin"; then r=PASS; pass=$((pass+1)); else r=FAIL; fail=$((fail+1)); fi
  echo "--- $r $name ($(($(date +%s) - t0)) s)"
done
echo "hostile: $pass passed, $fail failed (figures in $HOSTILE_OUT/hostile-*.txt)"
[ "$fail" -eq 0 ]

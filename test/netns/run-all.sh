#!/usr/bin/env bash
# Run every network-namespace end-to-end test (test/netns/t-*.sh) against the given binary.
# Each test creates its own namespaces with a unique prefix and removes them on exit.
set -uo pipefail
bin=${1:?usage: run-all.sh path/to/keepalived-rs}
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
shopt -s nullglob
for t in "$here"/t-*.sh; do
  name=$(basename "$t" .sh)
  echo "=== $name"
  if timeout 600 "$t" "$bin"; then pass=$((pass+1)); echo "--- PASS $name"; else fail=$((fail+1)); echo "--- FAIL $name"; fi
done
echo "netns: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

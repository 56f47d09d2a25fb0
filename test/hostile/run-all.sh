#!/usr/bin/env bash
# Run every hostile-input/fault lab (test/hostile/t-*.sh); figures land in $HOSTILE_OUT.
set -uo pipefail
bin=${1:?usage: run-all.sh path/to/keepalived-rs}
here=$(cd "$(dirname "$0")" && pwd)
export HOSTILE_OUT=${HOSTILE_OUT:-$(dirname "$(readlink -f "$bin")")}
mkdir -p "$HOSTILE_OUT"
"$here/../tools/run-suite.sh" hostile 300 "$bin" "$here"/t-*.sh
rc=$?
echo "hostile figures: $HOSTILE_OUT/hostile-*.txt"
exit $rc

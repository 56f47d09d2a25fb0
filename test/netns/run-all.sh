#!/usr/bin/env bash
# Run every network-namespace end-to-end test (test/netns/t-*.sh) against the given binary.
# Each test creates its own namespaces with a unique prefix and removes them on exit.
set -uo pipefail
bin=${1:?usage: run-all.sh path/to/keepalived-rs}
here=$(cd "$(dirname "$0")" && pwd)
# t-alloc-audit.sh runs in the background while the others run (run-suite.sh): its binary
# is built here first, so no compiler competes with the labs for the CPU.
if [ -z "${ALLOC_AUDIT_BIN:-}" ]; then
  (cd "$here/../.." && cargo build --quiet --release --features alloc-audit --target-dir target/alloc-audit) ||
    { echo "cannot build the alloc-audit binary"; exit 1; }
  export ALLOC_AUDIT_BIN
  ALLOC_AUDIT_BIN=$(cd "$here/../.." && pwd)/target/alloc-audit/release/keepalived-rs
fi
exec "$here/../tools/run-suite.sh" netns 600 "$bin" "$here"/t-*.sh

#!/usr/bin/env bash
# Run every network-namespace end-to-end test (test/netns/t-*.sh) against the given binary.
# Each test creates its own namespaces with a unique prefix and removes them on exit.
set -uo pipefail
bin=${1:?usage: run-all.sh path/to/keepalived-rs}
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../tools/run-suite.sh" netns 600 "$bin" "$here"/t-*.sh

#!/usr/bin/env bash
# Can this implementation be benchmarked? One node, one instance: it must own the VIP within
# 10 s. Prints the reason and exits 1 when not (run.sh then marks it in the tables and skips).
#   bench/smoke.sh IMPL
here=$(cd "$(dirname "$0")" && pwd)
IMPL=${1:?usage: smoke.sh ka|BIN}
P=kbk$$
. "$here/lib/bench.sh"
trap lab_cleanup EXIT
if [ "$IMPL" != ka ] && [ ! -x "$IMPL" ]; then echo "binary $IMPL not found"; exit 1; fi
lab_up 1
gen_many "$LAB/a.conf" 1 150 1 2
run_daemon a "$IMPL" "$LAB/a.conf"
if wait_vip a 198.51.100.1 10 2>/dev/null || [ "$(count_vips a)" -ge 1 ]; then exit 0; fi
if kill -0 "$PID_a" 2>/dev/null; then
  echo "did not own the VIP within 10 s (1 instance); log: $(tail -3 "$LAB/a.log" | tr '\n' ' ' | cut -c1-300)"
else
  echo "exited at start-up; log: $(tail -3 "$LAB/a.log" | tr '\n' ' ' | cut -c1-300)"
fi
exit 1

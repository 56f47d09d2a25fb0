#!/usr/bin/env bash
# Can this implementation be benchmarked? One node, N instances (default 1; over several
# segments past 250, as in scale.sh): it must own all N VIPs within 10 s + N/40 s. Prints the
# reason and exits 1 when not (run.sh then marks it in the tables and skips). `make test`
# runs it with 1000 instances for keepalived-rs: a quick functional check of the largest
# benchmark case and of the harness itself.
#   bench/smoke.sh IMPL [N]
# SMOKE_MAX_ANON_KB: also fail when the daemon's RssAnon (heap, stacks) exceeds this once all
# VIPs are up (make test: 1000 instances within 2 MiB; the config loader's freed memory must
# have been handed back).
here=$(cd "$(dirname "$0")" && pwd)
IMPL=${1:?usage: smoke.sh ka|BIN [N]}
N=${2:-1}
P=kbk$$
. "$here/lib/bench.sh"
trap lab_cleanup EXIT
if [ "$IMPL" != ka ] && [ ! -x "$IMPL" ]; then echo "binary $IMPL not found"; exit 1; fi
lab_up 1
add_segments "$(segments_for "$N")" a
gen_many "$LAB/a.conf" "$N" 150 1 2
run_daemon a "$IMPL" "$LAB/a.conf"
limit=$((10 + N / 40)) c=0
for ((i = 0; i < limit * 10; i++)); do
  c=$(count_vips a)
  [ "$c" -ge "$N" ] && break
  kill -0 "$PID_a" 2>/dev/null || break
  sleep 0.1
done
if [ "$c" -ge "$N" ]; then
  # keepalived-rs's overflow warnings (a queue that dropped work at scale).
  if grep -q 'queue full' "$LAB/a.log"; then
    echo "owns all $N VIPs, but the log has: $(grep 'queue full' "$LAB/a.log" | head -3 | tr '\n' ' ' | cut -c1-300)"
    exit 1
  fi
  anon=
  if [ -n "${SMOKE_MAX_ANON_KB:-}" ]; then
    sleep 1
    set -- $(tree_mem "$PID_a")
    if [ "${4:-0}" -gt "$SMOKE_MAX_ANON_KB" ]; then
      echo "owns all $N VIPs, but RssAnon is $4 KiB (limit $SMOKE_MAX_ANON_KB KiB)"
      exit 1
    fi
    anon="; RssAnon $4 KiB (limit $SMOKE_MAX_ANON_KB KiB)"
  fi
  echo "smoke: owns all $N VIPs within $((i / 10)).$((i % 10)) s of the launch${anon}"
  exit 0
fi
if kill -0 "$PID_a" 2>/dev/null; then
  echo "owns $c of $N VIPs after $limit s; log: $(tail -3 "$LAB/a.log" | tr '\n' ' ' | cut -c1-300)"
else
  echo "exited at start-up with $c of $N VIPs; log: $(tail -3 "$LAB/a.log" | tr '\n' ' ' | cut -c1-300)"
fi
exit 1

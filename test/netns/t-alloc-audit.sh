#!/usr/bin/env bash
# Zero heap allocations after start-up, measured by the counting allocator (Cargo feature
# `alloc-audit`): two nodes elect a master, run a check script every second and a notify
# hook, fail over on SIGTERM; each daemon then reports its counter on SIGUSR2 and at exit.
#
# Usage: t-alloc-audit.sh path/to/keepalived-rs   (the argument is ignored unless it was
# built with --features alloc-audit; otherwise this script builds one into target/alloc-audit)
# run-suite: background (idle but for its timers: run-all.sh builds the binary first)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BIN=${ALLOC_AUDIT_BIN:-}
if [ -z "$BIN" ]; then
  (cd "$root" && cargo build --quiet --release --features alloc-audit --target-dir target/alloc-audit) ||
    { echo "cannot build the alloc-audit binary"; exit 1; }
  BIN=$root/target/alloc-audit/release/keepalived-rs
fi
. "$here/lib.sh"
lab_init audit
lab_node a 192.0.2.11/24
lab_node b 192.0.2.12/24
for n in a b; do
  cat >"$LAB_DIR/$n.conf" <<EOC
vrrp_script chk {
  script "true"
  interval 1
  weight 2
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 7
  priority $([ $n = a ] && echo 150 || echo 100)
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass secret
  }
  virtual_ipaddress {
    192.0.2.100
  }
  track_script {
    chk
  }
  notify "/bin/true"
}
EOC
done
mkdir -p "$LAB_DIR/tmp-a" "$LAB_DIR/tmp-b"
lab_run a "$LAB_DIR/a.log" env TMPDIR="$LAB_DIR/tmp-a" "$BIN" -n -l -D -G -f "$LAB_DIR/a.conf" -p "$LAB_DIR/a.pid" -r "$LAB_DIR/a2.pid"
A=$LAB_LAST_PID
lab_run b "$LAB_DIR/b.log" env TMPDIR="$LAB_DIR/tmp-b" "$BIN" -n -l -D -G -f "$LAB_DIR/b.conf" -p "$LAB_DIR/b.pid" -r "$LAB_DIR/b2.pid"
B=$LAB_LAST_PID
lab_wait 10 lab_has_addr a 192.0.2.100 >/dev/null || lab_fail "no master elected"
# Issue 5 asks for 0 allocations over a 60 s steady state (ALLOC_STEADY shortens it by hand).
STEADY=${ALLOC_STEADY:-60}
lab_log "master elected; letting adverts, scripts and notifies run for $STEADY s"
sleep "$STEADY"
kill -USR2 "$A" "$B"
kill -TERM "$A"
lab_wait 5 lab_has_addr b 192.0.2.100 >/dev/null || lab_fail "no failover after SIGTERM"
sleep 3
kill -USR2 "$B"
sleep 0.5
lines=$(grep -h 'alloc-audit:' "$LAB_DIR/a.log" "$LAB_DIR/b.log")
echo "$lines"
[ "$(echo "$lines" | grep -c 'alloc-audit:')" -ge 3 ] || lab_fail "counter not reported (built without alloc-audit?)"
echo "$lines" | grep -v -q 'alloc-audit: 0 allocations after start-up' && lab_fail "allocations after start-up"
lab_log "PASS: 0 allocations after start-up"

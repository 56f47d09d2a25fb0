#!/usr/bin/env bash
# Floods and faults against a running pair of our daemons (issue 11).
# A (MASTER 150) and B (BACKUP 100), VRID 51, PASS, advert_int 1, VIP 192.0.2.100.
#  1. flood_other_vrid / flood_invalid (bad TTL) from a stranger X at FLOOD_PPS for
#     FLOOD_SECS each: A's adverts, captured on X, stay on time (max deviation from 1 s
#     < 10 ms), no failover, each daemon's CPU below FLOOD_MAX_CPU % of a core, the rate the
#     sender reached logged.
#  2. B's eth0 down/up FLAPS times: B sees every down and enters FAULT exactly FLAPS times,
#     and ends in BACKUP, never stuck.
#  3. the VIP deleted by hand on A: A restores it (as keepalived 2.2.7 does on the netlink
#     event); kill -9 A and restart: B takes over, the restarted A deletes its stale VIP (seen
#     by `ip monitor address`) and preempts back, one holder.
# Usage: t-flood-faults.sh path/to/keepalived-rs
set -u
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../netns/lib.sh"
CRAFT="python3 $here/vrrpcraft.py"
FLOOD_PPS=${FLOOD_PPS:-50000}
FLOOD_SECS=${FLOOD_SECS:-5}
FLAPS=${FLAPS:-100}
# The sender (python, one frame re-sent) reached 30.3-49.4k pps of the 50k asked on the
# 2-core build machine at load average 3.7-8.5 (2026-12-07, 14 floods): 30k is all a loaded
# machine reliably gets, so the minimum stays there and each run logs the rate it reached.
FLOOD_MIN_PPS=${FLOOD_MIN_PPS:-30000}
# Each daemon's CPU while the flood arrives, in % of one core: measured 12-19 % at 32-49k pps
# here, at most 28 % in the runs in TESTING.md; 60 % is twice the worst, and a daemon that
# spent a syscall or a log line per packet would not pass it.
FLOOD_MAX_CPU=${FLOOD_MAX_CPU:-60}
VIP=192.0.2.100
# The flood frames are built with scapy (PyPI): no scapy is a failure, never a skip.
python3 -c 'import logging; logging.getLogger("scapy.runtime").setLevel(logging.ERROR); import scapy.layers.vrrp' ||
  lab_fail "scapy (PyPI) cannot be imported: run test/tools/install-deps.sh (python3 -m pip install scapy)"

lab_init flood
lab_node a 192.0.2.11/24
lab_node b 192.0.2.12/24
lab_node x 192.0.2.66/24
conf() {
  cat >"$LAB_DIR/$1.conf" <<EOC
vrrp_instance VI_1 {
    state $2
    interface eth0
    virtual_router_id 51
    priority $3
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass secret12
    }
    virtual_ipaddress {
        $VIP
    }
}
EOC
  mkdir -p "$LAB_DIR/tmp-$1"
}
conf a MASTER 150
conf b BACKUP 100
start() {
  lab_run "$1" "$LAB_DIR/$1.log.$(date +%s%N)" env TMPDIR="$LAB_DIR/tmp-$1" "$BIN" -n -l -D \
    -f "$LAB_DIR/$1.conf" -p "$LAB_DIR/$1.pid" -r "$LAB_DIR/$1_vrrp.pid"
  eval "PID_$1=$LAB_LAST_PID"
}
dump_logs() { for f in "$LAB_DIR"/[ab].log.*; do echo "--- $f"; tail -n 20 "$f"; done; }
trap 'rc=$?; [ $rc -ne 0 ] && dump_logs; lab_cleanup; exit $rc' EXIT
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
out=${HOSTILE_OUT:-/tmp}/hostile-figures.txt
: >"$out"

start a
start b
lab_wait 15 lab_has_addr a $VIP >/dev/null || lab_fail "A never became master"
sleep 2
trans() { cat "$LAB_DIR"/[ab].log.* | grep -c 'Entering'; }
t0=$(trans)

for case in flood_other_vrid flood_invalid; do
  # capture A's adverts on X while X floods (the capture does not see X's own frames)
  ip netns exec "$LAB-x" python3 - "$((FLOOD_SECS + 2))" >"$LAB_DIR/times.$case" <<'EOP' &
import socket, sys, time
r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
r.bind(("eth0", 0)); r.settimeout(0.2)
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    try:
        f, a = r.recvfrom(256)
    except socket.timeout:
        continue
    # outgoing frames are X's flood; keep VRID 51 adverts from A (192.0.2.11)
    if a[2] != socket.PACKET_OUTGOING and f[23] == 112 and f[26:30] == bytes([192, 0, 2, 11]):
        print("%.6f" % time.monotonic(), flush=True)
EOP
  cap=$!
  LAB_PIDS+=("$cap")
  sleep 1
  ca=$(cpu_ticks "$PID_a"); cb=$(cpu_ticks "$PID_b"); f0=$(date +%s%3N)
  rate=$(ip netns exec "$LAB-x" $CRAFT flood eth0 01:00:5e:00:00:12 "$case" "$FLOOD_SECS" "$FLOOD_PPS")
  ca=$(($(cpu_ticks "$PID_a") - ca)); cb=$(($(cpu_ticks "$PID_b") - cb)); fms=$(($(date +%s%3N) - f0))
  wait "$cap"
  jit=$(python3 -c '
import sys
t=[float(l) for l in open(sys.argv[1]) if l.strip()]
d=[b-a for a,b in zip(t,t[1:])]
print("%d %.1f" % (len(t), max(abs(x-1.0) for x in d)*1000 if d else 999))' "$LAB_DIR/times.$case")
  n=${jit% *}; j=${jit#* }
  hz=$(getconf CLK_TCK)
  # over the flood's real duration (the sender overruns FLOOD_SECS on a busy machine)
  pa=$((ca * 100000 / hz / fms)); pb=$((cb * 100000 / hz / fms))
  line="$case: $rate adverts_seen=$n max_jitter_ms=$j cpu_a=$pa% cpu_b=$pb%"
  lab_log "$line"; echo "$line" >>"$out"
  [ "$pa" -lt "$FLOOD_MAX_CPU" ] && [ "$pb" -lt "$FLOOD_MAX_CPU" ] ||
    lab_fail "$case: a daemon used ${pa}%/${pb}% of a core (A/B) under the flood (bound $FLOOD_MAX_CPU%)"
  pps=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["pps"])' "$rate")
  line="$case: the sender reached $pps pps, $((pps * 100 / FLOOD_PPS)) % of the $FLOOD_PPS asked (minimum $FLOOD_MIN_PPS)"
  lab_log "$line"; echo "$line" >>"$out"
  # The sender pays for the whole veth/bridge path; a busy machine gets less than asked.
  [ "$pps" -ge "$FLOOD_MIN_PPS" ] || lab_fail "$case: the flood reached only $pps pps (< $FLOOD_MIN_PPS)"
  [ "$n" -ge $((FLOOD_SECS)) ] || lab_fail "$case: only $n adverts from A during the flood"
  python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 10 else 1)' "$j" || lab_fail "$case: jitter ${j} ms"
  lab_has_addr a $VIP && ! lab_has_addr b $VIP || lab_fail "$case: failover during the flood"
  kill -0 "$PID_a" && kill -0 "$PID_b" || lab_fail "$case: a daemon died"
done
[ "$(trans)" = "$t0" ] || lab_fail "a state changed during the floods"

lab_log "flap B's eth0 $FLAPS times"
start_ms=$(date +%s%3N)
for i in $(seq 1 "$FLAPS"); do
  ip -n "$LAB-b" link set eth0 down
  sleep 0.05
  ip -n "$LAB-b" link set eth0 up
  sleep 0.05
done
lab_wait 10 grep -q "Entering BACKUP" <(tail -n 5 "$(ls "$LAB_DIR"/b.log.* | tail -n1)") >/dev/null ||
  true
sleep 4
lab_has_addr a $VIP && ! lab_has_addr b $VIP || lab_fail "after flapping: VIP not on A only"
nf=$(cat "$LAB_DIR"/b.log.* | grep -c 'Entering FAULT')
nd=$(cat "$LAB_DIR"/b.log.* | grep -c 'Netlink reports eth0 down')
kill -0 "$PID_b" || lab_fail "B died while flapping"
last=$(grep -E 'Entering (FAULT|BACKUP|MASTER)' "$LAB_DIR"/b.log.* | tail -n1)
case "$last" in *BACKUP*) ;; *) lab_fail "B stuck after flapping: $last" ;; esac
# One "Netlink reports eth0 down|up" line per change: a change is logged only against the
# previous state, so the same line twice in a row is a double log.
nl=$(grep -h 'Netlink reports eth0' "$LAB_DIR"/b.log.* | sed 's/^.*Netlink reports/Netlink reports/')
[ -n "$nl" ] || lab_fail "B logged no 'Netlink reports eth0' line while flapping"
dup=$(uniq -d <<<"$nl" | head -n 1)
[ -z "$dup" ] || lab_fail "B logged a link change twice in a row: $dup"
line="flap: $FLAPS down/up of B's eth0 in $(($(date +%s%3N) - start_ms)) ms, B saw $nd downs, entered FAULT $nf times, ended in BACKUP"
# Every down is its own netlink message, read in order even when the up follows before the
# daemon runs: measured 100 downs and 100 FAULTs of 100 in 5 of 5 runs (load average
# 3.7-5.3), so the count must be exact.
[ "$nd" -eq "$FLAPS" ] || lab_fail "B saw $nd of the $FLAPS link downs"
[ "$nf" -eq "$FLAPS" ] || lab_fail "B entered FAULT $nf times for $FLAPS link downs"
lab_log "$line"; echo "$line" >>"$out"

lab_log "delete the VIP by hand on A"
alog=$(ls "$LAB_DIR"/a.log.* | tail -n1)
nb=$(grep -c 'Entering BACKUP' "$alog"); nm=$(grep -c 'Entering MASTER' "$alog")
ip -n "$LAB-a" addr del $VIP/32 dev eth0
t=$(lab_wait 5 lab_has_addr a $VIP) || lab_fail "A did not restore a VIP deleted by hand"
# keepalived 2.2.7 (set_vrrp_backup): BACKUP with a Skew_Time down timer, then MASTER again.
[ "$(grep -c 'Entering BACKUP' "$alog")" -gt "$nb" ] && [ "$(grep -c 'Entering MASTER' "$alog")" -gt "$nm" ] ||
  lab_fail "VIP deleted: A did not go BACKUP and back to MASTER"
! lab_has_addr b $VIP || lab_fail "VIP deleted: B took the VIP"
line="vip_deleted: A went BACKUP and restored the VIP as MASTER after ${t} ms"; lab_log "$line"; echo "$line" >>"$out"

lab_log "kill -9 A, restart it"
kill -9 "$PID_a"
t=$(lab_wait 10 lab_has_addr b $VIP) || lab_fail "B did not take over after kill -9"
lab_has_addr a $VIP || lab_fail "(expected) A's VIP is stale after kill -9"
# Watch A's addresses across the restart: the stale VIP must be deleted before A takes it again.
ip -n "$LAB-a" monitor address >"$LAB_DIR/a-addr-events" 2>&1 &
LAB_PIDS+=("$!")
mon=$!
sleep 0.2
start a
lab_wait 15 bash -c "! ip -n $LAB-b -br addr | grep -qw $VIP" >/dev/null || lab_fail "B kept the VIP"
lab_wait 5 lab_has_addr a $VIP >/dev/null || lab_fail "A did not take the VIP back"
[ "$(lab_count_with $VIP a b)" = 1 ] || lab_fail "not exactly one VIP holder after restart"
sleep 0.3
kill "$mon" 2>/dev/null
grep -q "^Deleted.* $VIP/" "$LAB_DIR/a-addr-events" || lab_fail "A's stale VIP was never removed at restart"
line="kill9: B took over after ${t} ms; A restarted, deleted its stale VIP, preempted back (one holder)"
lab_log "$line"; echo "$line" >>"$out"
lab_log "PASS"

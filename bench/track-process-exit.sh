#!/usr/bin/env bash
# How fast a dead tracked process moves the VIP: one node, one instance whose
# vrrp_track_process (weight 0, the default: FAULT) counts one uniquely named sleeper.
# Per run: start the sleeper, wait until the node owns the VIP, SIGKILL the sleeper, and time
# kill -> the VIP's deletion (`ip -ts monitor address` in the node's namespace).
# keepalived is not measured: its proc connector refuses to work outside the initial
# network namespace, so it has no figure in a namespace lab.
#
#   bench/track-process-exit.sh BIN [RUNS]     (default 10 runs; ≈ 5 s each)
# Prints one line per run and "track-process-exit median/min/max" in ms.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../test/netns/lib.sh"
BIN=$(readlink -f "${1:?usage: $0 BIN [RUNS]}")
RUNS=${2:-10}
SLEEP=$(readlink -f "$(command -v sleep)")
lab_init tpx
lab_node a 192.0.2.11/24
VIP=192.0.2.100
NAME=krsX$$
ln -s "$SLEEP" "$LAB_DIR/$NAME"
cat >"$LAB_DIR/a.conf" <<EOC
vrrp_track_process svc {
    process $NAME
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 62
    priority 150
    advert_int 1
    virtual_ipaddress {
        $VIP
    }
    track_process {
        svc
    }
}
EOC
"$LAB_DIR/$NAME" 3600 </dev/null >/dev/null 2>&1 &
SVC=$!
LAB_PIDS+=("$SVC")
ip -n "$LAB-a" -ts monitor address >"$LAB_DIR/mon" 2>&1 &
LAB_PIDS+=("$!")
lab_run a "$LAB_DIR/a.log" "$BIN" -n -l -D -f "$LAB_DIR/a.conf"
has_vip() { lab_has_addr a "$VIP"; }
ms=()
for ((r = 1; r <= RUNS; r++)); do
  lab_wait 20 has_vip >/dev/null || lab_fail "run $r: no VIP on a"
  sleep 0.$((RANDOM % 900 + 100)) # a random phase against the daemon's 1 s rescan
  t0=$(date +%s.%N)
  kill -KILL "$SVC"
  wait "$SVC" 2>/dev/null
  lab_wait 5 bash -c "! ip -n $LAB-a -br addr | grep -qw $VIP" >/dev/null ||
    lab_fail "run $r: the VIP stayed after the tracked process died"
  t1=$(python3 "$here/lib/monitor.py" deleted "$LAB_DIR/mon" "$VIP" "$t0")
  [ "$t1" != nan ] || lab_fail "run $r: no deletion in the monitor"
  d=$(awk -v a="$t1" -v b="$t0" 'BEGIN{printf "%.1f", (a - b) * 1000}')
  echo "run $r: kill -> VIP deleted ${d} ms"
  ms+=("$d")
  "$LAB_DIR/$NAME" 3600 </dev/null >/dev/null 2>&1 &
  SVC=$!
  LAB_PIDS+=("$SVC")
done
printf '%s\n' "${ms[@]}" | sort -n | awk '{v[NR]=$1} END{printf "track-process-exit median %s ms, min %s, max %s (%d runs)\n", (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2), v[1], v[NR], NR}'

#!/usr/bin/env bash
# The seed guide's "courier" configuration (issue 6), unchanged apart from the script paths
# and the addresses (100.77.189.139/137 → 192.0.2.11/12): three vrrp_scripts with
# rise/fall/timeout 35/interval 5, unicast, PASS, notify_* with arguments, advert_int 5.
# A second node (BACKUP, priority 99) is the unicast peer.
#   - the hang is armed as soon as chk_courier_F's first run (at start) has succeeded, so its
#     second run (5 s later) hangs while A waits out its Master_Down_Interval (16 s at
#     advert_int 5): the test stays well under a minute despite the seed's 35 s timeout;
#   - node A becomes MASTER; its notify_master ran as "notify.sh courier MASTER";
#   - the hung run is killed at its 35 s timeout (the script's shell and its child are gone,
#     checked by PID), the log says "VRRP_Script(chk_courier_F) timed_out", and, weight 0,
#     A enters FAULT (notify_fault "courier FAULT") and B takes over;
#   - while it hangs, at most one copy of that check runs (sampled every 0.25 s) and no run
#     starts;
#   - the hang removed, two successes (rise 2) take A out of FAULT into BACKUP
#     (notify_backup "courier BACKUP"). (Preempting B would take another 16 s: the seed
#     failover tests cover preemption.)
# Usage: t-courier.sh path/to/keepalived-rs
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
lab_init courier
lab_node a 192.0.2.11/24
lab_node b 192.0.2.12/24
VIP=192.0.2.100

for n in a b; do
  d=$LAB_DIR/$n
  mkdir -p "$d"
  cat >"$d/check_script.sh" <<EOS
#!/bin/bash
# check_script.sh SERVICE STATE: healthy unless $d/hang-\$2 exists (then hang past the
# timeout); every start is recorded (epoch time, pid, state).
echo "\$(date +%s.%N) \$\$ \$2" >>"$d/runs"
if [ -e "$d/hang-\$2" ]; then
  echo \$\$ >"$d/hung.pid"
  sleep 100 &
  echo \$! >"$d/hung-child.pid"
  wait
fi
exit 0
EOS
  printf '#!/bin/sh\nexit 0\n' >"$d/check_network.sh"
  printf '#!/bin/sh\necho "$0 $*" >>%s/calls\n' "$d" >"$d/notify.sh"
  chmod 755 "$d"/*.sh
done

courier() { # courier NODE STATE PRIO SRC PEER
  local d=$LAB_DIR/$1
  cat >"$d/keepalived.conf" <<EOC
vrrp_script chk_courier_F {
       script "$d/check_script.sh  courier FAULT"
       timeout 35
       rise 2
       interval 5
}

vrrp_script chk_courier_B {
        script "$d/check_script.sh  courier  BACKUP"
        interval 5
        timeout 35
        rise 2
        weight  1
}
vrrp_script chk_network_F {
        script  "$d/check_network.sh"
        rise 2
        timeout 35
        fall 7
        interval 5
        }


vrrp_instance courier {
    state  $2
    interface eth0
    virtual_router_id 25
    advert_int 5
    priority  $3
    unicast_src_ip $4

    unicast_peer {

        $5

    }
    authentication {
        auth_type PASS
        auth_pass 1111
    }

     track_script {
        chk_courier_B
        chk_courier_F
        chk_network_F
        }


    notify_master "$d/notify.sh courier  MASTER"
    notify_backup "$d/notify.sh courier  BACKUP"
    notify_fault  "$d/notify.sh courier FAULT"
    virtual_ipaddress {
        $VIP
    }
}
EOC
}
courier a MASTER 100 192.0.2.11 192.0.2.12
courier b BACKUP 99 192.0.2.12 192.0.2.11
LA=$LAB_DIR/a.log LB=$LAB_DIR/b.log
trap 'rc=$?; [ $rc -ne 0 ] && { tail -n 30 "$LA" "$LB"; cat "$LAB_DIR"/?/calls; }; lab_cleanup; exit $rc' EXIT
for n in a b; do
  lab_run $n "$LAB_DIR/$n.log" "$BIN" -n -l -D -f "$LAB_DIR/$n/keepalived.conf" \
    -p "$LAB_DIR/$n.pid" -r "$LAB_DIR/$n.vpid"
done
has() { grep -qF -- "$2" "$1"; }
vip_on() { lab_has_addr "$1" $VIP; }
first_run() { grep -q ' FAULT$' "$LAB_DIR/a/runs" 2>/dev/null; }
lab_wait 5 first_run >/dev/null || lab_fail "chk_courier_F never ran on A"
touch "$LAB_DIR/a/hang-FAULT"
lab_wait 8 test -s "$LAB_DIR/a/hung-child.pid" >/dev/null || lab_fail "the check never started hanging"
# Only this run hangs: later runs find no hang file and succeed at once.
rm -f "$LAB_DIR/a/hang-FAULT"
t0=$(date +%s)
hung=$(cat "$LAB_DIR/a/hung.pid")
child=$(cat "$LAB_DIR/a/hung-child.pid")
t_hang=$(awk -v p="$hung" '$2 == p {print $1}' "$LAB_DIR/a/runs")
lab_log "chk_courier_F's second run hangs (pid $hung, child $child); waiting for its 35 s timeout"

max=0 master=0
timed_out() { grep -qF -- "VRRP_Script(chk_courier_F) timed_out" "$LA"; }
for _ in $(seq 200); do # ≤ 50 s
  c=$(pgrep -f -- "$LAB_DIR/a/check_script.sh courier FAULT" | wc -l)
  [ "$c" -gt "$max" ] && max=$c
  if [ "$master" = 0 ] && vip_on a; then
    master=1
    lab_log "A is MASTER while the check hangs"
  fi
  timed_out && break
  sleep 0.25
done
[ "$master" = 1 ] || lab_fail "A never became MASTER"
has "$LAB_DIR/a/calls" "$LAB_DIR/a/notify.sh courier MASTER" ||
  lab_fail "A's notify_master did not run with 'courier MASTER'"
grep -q 'unicast' "$LA" || lab_fail "A has no unicast socket"
lab_log "A was MASTER (unicast, PASS); notify_master ran as 'notify.sh courier MASTER'"
timed_out || lab_fail "no 'VRRP_Script(chk_courier_F) timed_out' within 50 s"
el=$(($(date +%s) - t0))
# Runs of chk_courier_F that started while the hung one was alive (before its 35 s timeout).
during=$(awk -v t="$t_hang" '$3 == "FAULT" && $1 > t + 0.001 && $1 < t + 34.9' "$LAB_DIR/a/runs" | wc -l)
lab_log "timed_out logged ${el} s after the hang began; copies seen at once: $max; runs started during the hang: $during"
[ "$max" -le 1 ] || lab_fail "$max copies of chk_courier_F ran at once"
[ "$during" -eq 0 ] || lab_fail "$during runs of chk_courier_F started while one was still running"
gone() { ! kill -0 "$hung" 2>/dev/null && ! kill -0 "$child" 2>/dev/null; }
lab_wait 3 gone >/dev/null || lab_fail "the timed-out script (pid $hung/$child) is still alive"
lab_wait 3 has "$LA" "(courier) Entering FAULT STATE" >/dev/null || lab_fail "A did not enter FAULT"
lab_wait 3 has "$LAB_DIR/a/calls" "$LAB_DIR/a/notify.sh courier FAULT" >/dev/null ||
  lab_fail "A's notify_fault did not run with 'courier FAULT'"
lab_wait 5 vip_on b >/dev/null || lab_fail "B did not take over"
vip_on a && lab_fail "A kept the VIP in FAULT"
lab_log "killed (pid gone), counted as failed: A in FAULT, B holds the VIP"

# (Its first "succeeded" came from the run at start.)
again() { [ "$(grep -cF "VRRP_Script(chk_courier_F) succeeded" "$LA")" -ge 2 ]; }
lab_wait 13 again >/dev/null || lab_fail "chk_courier_F never succeeded again"
# BACKUP after the FAULT (the start-up's "Entering BACKUP STATE (init)" and its notify are
# the first ones).
back() {
  awk '/\(courier\) Entering FAULT STATE/ { f = 1 } f && /\(courier\) Entering BACKUP STATE/ { ok = 1 } END { exit !ok }' "$LA" &&
    [ "$(grep -cxF "$LAB_DIR/a/notify.sh courier BACKUP" "$LAB_DIR/a/calls")" -ge 2 ]
}
lab_wait 3 back >/dev/null || lab_fail "A did not leave FAULT for BACKUP (with notify_backup 'courier BACKUP')"
vip_on b || lab_fail "B lost the VIP"
lab_log "PASS: courier config (timeout kill, one copy at a time, FAULT and back to BACKUP, notify arguments)"

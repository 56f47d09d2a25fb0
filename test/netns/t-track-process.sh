#!/usr/bin/env bash
# vrrp_track_process end to end: node a (priority 100) tracks two uniquely named sleepers
# (symlinks to sleep: the kernel names a process after the file it executes), found by the
# daemon's /proc scans (at start, every 1 s, and at once when a pidfd it holds for each
# matching process reports that process's exit); node b (priority 110) is the backup.
#   - "bonus" (weight 20) running → a at 120 is MASTER; killing it → "Quorum lost for tracked
#     process bonus", a back to 100 and b (110) takes the VIP; starting it again → a at 120
#     takes the VIP back (preempt);
#   - "main" (weight 0, the default) killed → a enters FAULT and b takes the VIP; started
#     again → a leaves FAULT and is MASTER again;
#   - a reload (SIGHUP) keeps the counts: no quorum change, a stays MASTER.
# Every wait is bounded with a generous margin (scan period 1 s + Master_Down_Interval
# ~3.6 s, on a loaded 2-core machine).
# Usage: t-track-process.sh path/to/keepalived-rs
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
SLEEP=$(readlink -f "$(command -v sleep)")
[ -x "$SLEEP" ] || { echo "no sleep binary"; exit 1; }
lab_init tproc
lab_node a 192.0.2.11/24
lab_node b 192.0.2.12/24
VIP=192.0.2.100
# Process names are at most 15 characters; $$ makes them unique on this machine.
MAIN=krsM$$
BONUS=krsB$$
ln -s "$SLEEP" "$LAB_DIR/$MAIN"
ln -s "$SLEEP" "$LAB_DIR/$BONUS"
"$LAB_DIR/$MAIN" 0 || lab_fail "sleep does not run under another name (a multi-call binary?)"

conf() { # conf NAME STATE PRIO TRACKERS
  cat >"$LAB_DIR/$1.conf" <<EOC
vrrp_track_process main {
    process $MAIN
}
vrrp_track_process bonus {
    process $BONUS
    weight 20
}
vrrp_instance VI_1 {
    state $2
    interface eth0
    virtual_router_id 61
    priority $3
    advert_int 1
    virtual_ipaddress {
        $VIP
    }
$4
}
EOC
}
conf a MASTER 100 "    track_process {
        main
        bonus
    }"
conf b BACKUP 110 ""

start_sleeper() { # start_sleeper NAME VAR: runs $LAB_DIR/NAME, its pid in VAR
  # (stdout/stderr away from the terminal: a background job must not hold a pipe open)
  "$LAB_DIR/$1" 3600 </dev/null >/dev/null 2>&1 &
  LAB_PIDS+=("$!")
  printf -v "$2" '%s' "$!"
}
stop_sleeper() { # stop_sleeper PID: only a sleeper this script started
  kill -TERM "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

LA=$LAB_DIR/a.log
LB=$LAB_DIR/b.log
trap 'rc=$?; [ $rc -ne 0 ] && { echo "--- a"; tail -n 40 "$LA"; echo "--- b"; tail -n 20 "$LB"; }; lab_cleanup; exit $rc' EXIT
PID_MAIN=""
PID_BONUS=""
start_sleeper "$MAIN" PID_MAIN
start_sleeper "$BONUS" PID_BONUS
lab_run a "$LA" "$BIN" -n -l -D -f "$LAB_DIR/a.conf" -p "$LAB_DIR/a.pid" -r "$LAB_DIR/a2.pid"
lab_run b "$LB" "$BIN" -n -l -D -f "$LAB_DIR/b.conf" -p "$LAB_DIR/b.pid" -r "$LAB_DIR/b2.pid"
has() { grep -qF -- "$1" "$2"; }
count() { grep -cF -- "$1" "$2"; }
vip_on() { lab_has_addr "$1" $VIP && ! lab_has_addr "$2" $VIP; }

lab_wait 15 vip_on a b >/dev/null || lab_fail "a (120 with bonus) is not the only master"
# keepalived 2.2.7 logs a start-up tracker value that moves the priority off the base once,
# before "Entering BACKUP STATE (init)".
[ "$(grep -c 'Changing effective priority' "$LA")" = 1 ] &&
  grep -A2 -F '(VI_1) Changing effective priority from 100 to 120' "$LA" | grep -qF 'Entering BACKUP STATE (init)' ||
  lab_fail "start-up: not one 100 -> 120 line before 'Entering BACKUP STATE (init)'"
lab_log "start: a MASTER at 120 (both sleepers found at start-up)"
# The daemon watches each matching process with a pidfd (fdinfo names the process).
DA=$(cat "$LAB_DIR/a.pid") || lab_fail "no pid file for a"
watched() { grep -qsE "^Pid:[[:space:]]+$1\$" /proc/"$DA"/fdinfo/*; }
watched "$PID_MAIN" && watched "$PID_BONUS" || lab_fail "a holds no pidfd for the sleepers"

stop_sleeper "$PID_BONUS"
lab_wait 5 has "Quorum lost for tracked process bonus" "$LA" >/dev/null || lab_fail "bonus exit not seen"
lab_wait 3 has "(VI_1) Changing effective priority from 120 to 100" "$LA" >/dev/null ||
  lab_fail "no 120 -> 100 after the bonus sleeper exited"
lab_wait 15 vip_on b a >/dev/null || lab_fail "b (110) did not take the VIP from a at 100"
! watched "$PID_BONUS" || lab_fail "the pidfd of the dead bonus sleeper is still open"
lab_log "bonus killed: a 120 -> 100, b MASTER (its pidfd closed)"

start_sleeper "$BONUS" PID_BONUS
lab_wait 5 has "Quorum gained for tracked process bonus" "$LA" >/dev/null || lab_fail "bonus start not seen"
lab_wait 15 vip_on a b >/dev/null || lab_fail "a (120 again) did not take the VIP back"
lab_log "bonus started again: a 100 -> 120, MASTER again"

stop_sleeper "$PID_MAIN"
lab_wait 5 has "Quorum lost for tracked process main" "$LA" >/dev/null || lab_fail "main exit not seen"
lab_wait 3 has "(VI_1) Entering FAULT STATE" "$LA" >/dev/null || lab_fail "weight 0: no FAULT"
lab_wait 15 vip_on b a >/dev/null || lab_fail "b did not take the VIP from a in FAULT"
lab_log "main killed: a FAULT, b MASTER"

n=$(count "(VI_1) Entering MASTER STATE" "$LA")
start_sleeper "$MAIN" PID_MAIN
lab_wait 5 has "Quorum gained for tracked process main" "$LA" >/dev/null || lab_fail "main start not seen"
lab_wait 15 vip_on a b >/dev/null || lab_fail "a did not leave FAULT and take the VIP back"
[ "$(count "(VI_1) Entering MASTER STATE" "$LA")" -gt "$n" ] || lab_fail "a not MASTER again"
# A reload (SIGHUP) keeps the counts: no quorum change, a stays MASTER.
lost=$(count "Quorum lost" "$LA")
kill -HUP "$(cat "$LAB_DIR/a.pid")" || lab_fail "no pid file for a"
lab_wait 5 has "Reload complete" "$LA" >/dev/null || lab_fail "no 'Reload complete'"
sleep 2.5
[ "$(count "Quorum lost" "$LA")" = "$lost" ] || lab_fail "a reload lost a quorum"
vip_on a b || lab_fail "a not MASTER after the reload"
lab_log "reload: counts kept, a still MASTER"
lab_log "PASS: track_process (weight 20 priority, weight 0 FAULT, both ways, reload, pidfd exits)"

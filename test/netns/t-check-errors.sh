#!/usr/bin/env bash
# Check scripts that cannot run (issue 6): each is logged, counted as a failure, and the
# daemon goes on advertising.
#   - fork fails with EAGAIN: the daemon runs as user nobody (with only CAP_NET_RAW and
#     CAP_NET_ADMIN, ambient) under a soft RLIMIT_NPROC of 1, so every fork fails: keepalived's
#     "Failed fork process", "VRRP_Script(chk_true) failed (failed to start)",
#     the priority drops by the weights, it still becomes MASTER (its notify_master cannot
#     start either); the limit lifted (prlimit on the running daemon), the scripts succeed
#     and the priority is back to 150;
#   - a check that crashes (SIGSEGV): "VRRP_Script(chk_crash) failed (due to signal 11)",
#     150 -> 130;
#   - a check whose file is deleted after start: exec fails in the child (status 127):
#     "Script `chk_gone` now returning 127", "... failed (exited with status 127)", 130 -> 100;
#   - a loop that wakes up late (SIGSTOP for 2.5 s while chk_slow's 0.3 s run is under way,
#     its 1 s timeout passing meanwhile) reaps the run that ended in time before looking at
#     the deadlines: no "timed_out";
#   - the daemon is still MASTER and its adverts carry priority 100.
# The checks have `timeout 5` (interval 1): on a loaded CI box a slow run must not time out.
# Usage: t-check-errors.sh path/to/keepalived-rs
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
lab_init chkerr
lab_node a 192.0.2.11/24
VIP=192.0.2.100
chmod 755 "$LAB_DIR"
R=$LAB_DIR/run # pid files, writable by nobody
mkdir -m 1777 "$R"
cat >"$LAB_DIR/crash.sh" <<EOS
#!/bin/sh
[ -e $R/crash ] && kill -SEGV \$\$
exit 0
EOS
printf '#!/bin/sh\nexit 0\n' >"$LAB_DIR/gone.sh"
printf '#!/bin/sh\necho run >>%s/slow-runs\nsleep 0.3\n' "$R" >"$LAB_DIR/slow.sh"
printf '#!/bin/sh\necho "$*" >>%s/calls\n' "$R" >"$LAB_DIR/notify.sh"
chmod 755 "$LAB_DIR"/*.sh
cat >"$LAB_DIR/a.conf" <<EOC
vrrp_script chk_true {
    script "/bin/true"
    interval 1
    timeout 5
    weight -10
}
vrrp_script chk_crash {
    script "$LAB_DIR/crash.sh"
    interval 1
    timeout 5
    weight -20
}
vrrp_script chk_gone {
    script "$LAB_DIR/gone.sh"
    interval 1
    timeout 5
    weight -30
}
vrrp_script chk_slow {
    script "$LAB_DIR/slow.sh"
    interval 1
    timeout 1
    weight -1
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 31
    priority 150
    advert_int 1
    virtual_ipaddress {
        $VIP
    }
    track_script {
        chk_true
        chk_crash
        chk_gone
        chk_slow
    }
    notify_master "$LAB_DIR/notify.sh master"
}
EOC
chmod 644 "$LAB_DIR/a.conf"
L=$LAB_DIR/a.log
trap 'rc=$?; [ $rc -ne 0 ] && tail -n 40 "$L"; lab_cleanup; exit $rc' EXIT
HARD=$(ulimit -Hu) # kept: raising a hard limit needs CAP_SYS_RESOURCE
# ip netns exec, setpriv and prlimit all exec: the daemon keeps this pid.
lab_run a "$L" setpriv --reuid=nobody --regid=nogroup --clear-groups \
  --inh-caps +net_raw,+net_admin --ambient-caps +net_raw,+net_admin \
  prlimit --nproc="1:$HARD" "$BIN" -n -l -D -f "$LAB_DIR/a.conf" -p "$R/a.pid" -r "$R/a2.pid"
PID=$LAB_LAST_PID
has() { grep -qF -- "$1" "$L"; }
prio_to() { grep -qE "\(VI_1\) Changing effective priority from [0-9]+ to $1\$" "$L"; }

lab_wait 10 lab_has_addr a $VIP >/dev/null || lab_fail "never MASTER while forks fail"
has "VRRP_Script(chk_true) failed (failed to start)" || lab_fail "no 'failed (failed to start)' line"
has "Failed fork process" || lab_fail "the fork failure was not logged (keepalived: 'Failed fork process')"
prio_to 89 || lab_fail "the priority did not drop to 89 (150 - 10 - 20 - 30 - 1)"
[ -e "$R/calls" ] && lab_fail "notify_master ran although forks fail"
lab_log "fork fails (EAGAIN): logged, counted as failures (priority 89), MASTER anyway"

# As nobody: raising a soft limit of one's own user needs no capability (this shell may lack
# CAP_SYS_RESOURCE).
setpriv --reuid=nobody --regid=nogroup --clear-groups prlimit --pid "$PID" --nproc="$HARD" ||
  lab_fail "cannot lift the limit"
lab_wait 5 prio_to 150 >/dev/null || lab_fail "the priority did not come back to 150"
has "VRRP_Script(chk_true) succeeded" || lab_fail "chk_true never succeeded"
lab_log "limit lifted: the checks succeed, priority 150"

touch "$R/crash"
lab_wait 4 has "VRRP_Script(chk_crash) failed (due to signal 11)" >/dev/null || lab_fail "the crash was not logged"
lab_wait 2 has "(VI_1) Changing effective priority from 150 to 130" >/dev/null || lab_fail "no 150 -> 130"
lab_log "a crashing check: failed (due to signal 11), 150 -> 130"

rm -f "$LAB_DIR/gone.sh"
lab_wait 4 has 'Script `chk_gone` now returning 127' >/dev/null || lab_fail "no 'now returning 127'"
has "VRRP_Script(chk_gone) failed (exited with status 127)" || lab_fail "no 'failed (exited with status 127)'"
lab_wait 2 has "(VI_1) Changing effective priority from 130 to 100" >/dev/null || lab_fail "no 130 -> 100"
lab_log "a deleted check: exit 127, 130 -> 100"

runs() { wc -l <"$R/slow-runs" 2>/dev/null || echo 0; }
n0=$(runs)
more() { [ "$(runs)" -gt "$n0" ]; }
lab_wait 3 more >/dev/null || lab_fail "chk_slow does not run"
kill -STOP "$PID"
sleep 2.5
kill -CONT "$PID"
sleep 1.5
grep -q "timed_out" "$L" && lab_fail "a run that ended in time was counted as timed out after a late wake-up"
lab_log "a late wake-up (SIGSTOP 2.5 s during a 0.3 s run, timeout 1 s): no timed_out"

kill -0 "$PID" 2>/dev/null || lab_fail "the daemon died"
lab_has_addr a $VIP || lab_fail "the VIP went away"
n=$(ip netns exec "$LAB-br" timeout 3 tcpdump -i br0 -c 2 -n -v 'ip proto 112' 2>/dev/null | grep -c 'prio 100')
[ "$n" -ge 2 ] || lab_fail "no adverts at priority 100 (got $n)"
lab_log "PASS: EAGAIN, crash and a deleted script are logged and counted as failures; the master advertises on at 100"

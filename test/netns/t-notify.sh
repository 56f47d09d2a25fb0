#!/usr/bin/env bash
# Notifications end to end (issue 6, keepalived-behaviour.md §B.5, §C.6).
#   notify_master/backup/fault/stop run with exactly their configured arguments; the generic
#   `notify` gets four more: INSTANCE VI_1 <STATE> <effective priority>
#   (e.g. "/path/notify.sh A INSTANCE VI_1 MASTER 104"); each call appends its argv as one
#   line to a file (calls are concurrent, so the file is compared as a multiset);
#   notify_fifo gets keepalived's lines in order:
#     INSTANCE "VI_1" BACKUP 100   (start: the weight-4 check has not reported yet)
#     INSTANCE "VI_1" MASTER 104
#     INSTANCE "VI_1" FAULT 104    (track_interface trk0 down, weight 0)
#     INSTANCE "VI_1" BACKUP 104   (trk0 up again)
#     INSTANCE "VI_1" MASTER 104
#     INSTANCE "VI_1" STOP 104     (SIGTERM)
#   the STOP notifies finish before the daemon exits (notify_stop sleeps 0.5 s first: without
#   the shutdown wait it would die of PR_SET_PDEATHSIG half-way);
#   vrrp_notify_fifo (missing: created by the daemon, owned by its `nobody nogroup`) with
#   vrrp_notify_fifo_script: the script
#   is started with its own argument and then the FIFO path last, reads the same lines, gets
#   SIGTERM at a reload (and a new one starts) and when the daemon stops, and the FIFO the
#   daemon created is removed.
#   Children get a clean environment: a check script and a notify hook see only
#   PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin (plus the PWD their
#   shell sets), not a variable exported into the daemon's environment, and their
#   stdin/stdout/stderr are /dev/null.
# Usage: t-notify.sh path/to/keepalived-rs
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
lab_init notify
lab_node a 192.0.2.11/24
VIP=192.0.2.100
# A second interface to track: one end of a veth pair inside the node.
ip -n "$LAB-a" link add trk0 type veth peer name trk1
ip -n "$LAB-a" link set trk1 up
ip -n "$LAB-a" link set trk0 up

N=$LAB_DIR/notify.sh
cat >"$N" <<EOS
#!/bin/sh
[ "\$1" = S ] && sleep 0.5
[ "\$1" = M ] && $LAB_DIR/env.sh notify
echo "\$0 \$*" >>$LAB_DIR/calls
EOS
# What a child sees: its environment (less the PWD sh sets) and where its fds 0-2 point.
cat >"$LAB_DIR/env.sh" <<EOS
#!/bin/sh
fds=\$(for f in 0 1 2; do readlink /proc/\$\$/fd/\$f; done)
env | grep -v '^PWD=' | sort >$LAB_DIR/env.\$1.new
echo "\$fds" >>$LAB_DIR/env.\$1.new
mv $LAB_DIR/env.\$1.new $LAB_DIR/env.\$1
EOS
FS=$LAB_DIR/fifo-script.sh
cat >"$FS" <<EOS
#!/bin/sh
for a; do last=\$a; done
echo \$\$ >$LAB_DIR/fs.pid.new && mv $LAB_DIR/fs.pid.new $LAB_DIR/fs.pid
echo "\$0 \$*" >>$LAB_DIR/fs.args
exec cat "\$last" >>$LAB_DIR/fs.out
EOS
chmod 755 "$N" "$FS" "$LAB_DIR/env.sh"
: >"$LAB_DIR/calls"
F=$LAB_DIR/fifo
F2=$LAB_DIR/vrrp-fifo
cat >"$LAB_DIR/a.conf" <<EOC
global_defs {
    notify_fifo $F
    vrrp_notify_fifo $F2 nobody nogroup
    vrrp_notify_fifo_script "$FS fs-arg"
}
vrrp_script chk_ok {
    script "$LAB_DIR/env.sh check"
    interval 1
    weight 4
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 21
    priority 100
    advert_int 1
    virtual_ipaddress {
        $VIP
    }
    track_script {
        chk_ok
    }
    track_interface {
        trk0
    }
    notify_master "$N M master"
    notify_backup "$N B"
    notify_fault "$N F fault"
    notify_stop "$N S"
    notify "$N A"
}
EOC
mkfifo -m 600 "$F"
# The reader reopens the FIFO whenever the daemon closes it (a reload does); timeout puts
# the loop in its own process group and signals all of it at cleanup.
timeout 120 sh -c 'while :; do cat "$1"; done' sh "$F" >"$LAB_DIR/fifo.out" &
LAB_PIDS+=("$!")
L=$LAB_DIR/a.log
trap 'rc=$?; if [ $rc -ne 0 ]; then tail -n 30 "$L"; echo "--- calls"; cat "$LAB_DIR/calls"; echo "--- fifo"; cat "$LAB_DIR/fifo.out"; fi; lab_cleanup; exit $rc' EXIT
lab_run a "$L" env KRS_ENV_MARKER=leaked "$BIN" -n -l -D -f "$LAB_DIR/a.conf" -p "$LAB_DIR/a.pid" -r "$LAB_DIR/a2.pid"
PID=$LAB_LAST_PID

lines() { grep -c . "$1" 2>/dev/null || echo 0; }
nlines() { [ "$(lines "$1")" -ge "$2" ]; }

lab_wait 10 lab_has_addr a $VIP >/dev/null || lab_fail "never MASTER"
lab_wait 3 nlines "$LAB_DIR/fifo.out" 2 >/dev/null || lab_fail "FIFO: no BACKUP and MASTER lines"
lab_wait 3 nlines "$LAB_DIR/calls" 4 >/dev/null || lab_fail "notify scripts: not 4 calls"
lab_log "BACKUP then MASTER"
[ -p "$F2" ] || lab_fail "vrrp_notify_fifo $F2 was not created"
owner=$(stat -c %U:%G "$F2")
[ "$owner" = nobody:nogroup ] || lab_fail "vrrp_notify_fifo $F2 is owned by $owner, not nobody:nogroup"
lab_wait 3 test -s "$LAB_DIR/fs.args" >/dev/null
[ "$(cat "$LAB_DIR/fs.args" 2>/dev/null)" = "$FS fs-arg $F2" ] ||
  lab_fail "vrrp_notify_fifo_script argv: '$(cat "$LAB_DIR/fs.args" 2>/dev/null)'"
FSPID=$(cat "$LAB_DIR/fs.pid")
lab_log "vrrp_notify_fifo created; its script runs as '$FS fs-arg $F2'"

want_env='PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
/dev/null
/dev/null
/dev/null'
for who in check notify; do
  lab_wait 3 test -s "$LAB_DIR/env.$who" >/dev/null || lab_fail "$who: env.sh did not run"
  got=$(cat "$LAB_DIR/env.$who")
  [ "$got" = "$want_env" ] || { printf 'want:\n%s\ngot:\n%s\n' "$want_env" "$got"; lab_fail "$who: environment or fds 0-2 differ"; }
done
lab_log "check script and notify hook: only PATH in their environment, fds 0-2 on /dev/null"

ip -n "$LAB-a" link set trk0 down
lab_wait 3 grep -q "(VI_1) Entering FAULT STATE" "$L" >/dev/null || lab_fail "trk0 down: no FAULT"
grep -q "Netlink reports trk0 down" "$L" || lab_fail "no 'Netlink reports trk0 down'"
lab_wait 3 bash -c "! ip -n $LAB-a -br addr | grep -qw $VIP" >/dev/null || lab_fail "VIP kept in FAULT"
lab_wait 3 nlines "$LAB_DIR/fifo.out" 3 >/dev/null || lab_fail "FIFO: no FAULT line"
lab_wait 3 nlines "$LAB_DIR/calls" 6 >/dev/null || lab_fail "notify scripts: no FAULT calls"
lab_log "trk0 down: FAULT"

ip -n "$LAB-a" link set trk0 up
lab_wait 10 lab_has_addr a $VIP >/dev/null || lab_fail "trk0 up: not MASTER again"
lab_wait 3 nlines "$LAB_DIR/fifo.out" 5 >/dev/null || lab_fail "FIFO: no BACKUP+MASTER after FAULT"
lab_wait 3 nlines "$LAB_DIR/calls" 10 >/dev/null || lab_fail "notify scripts: not 10 calls"
lab_log "trk0 up: BACKUP then MASTER"

# A reload closes the FIFOs: the old FIFO script gets SIGTERM, a new one starts.
kill -HUP "$PID"
lab_wait 5 grep -q "Reload complete" "$L" >/dev/null || lab_fail "no 'Reload complete'"
lab_wait 3 nlines "$LAB_DIR/fs.args" 2 >/dev/null || lab_fail "reload: the FIFO script was not started again"
running() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
old_gone() { ! running "$FSPID"; }
lab_wait 3 old_gone >/dev/null || lab_fail "reload: the old FIFO script still runs"
grep -q "fifo script terminated" "$L" && lab_fail "a FIFO script we stopped was reported as terminated"
lab_wait 3 test -s "$LAB_DIR/fs.pid" >/dev/null
FSPID=$(cat "$LAB_DIR/fs.pid")
lab_log "reload: FIFO script restarted"

kill -TERM "$PID"
t0=$(date +%s%3N)
for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$PID" 2>/dev/null && lab_fail "daemon did not stop"
lab_log "stopped $(($(date +%s%3N) - t0)) ms after SIGTERM"
# The daemon is gone: the STOP notifies have already written their lines (it waited).
[ "$(lines "$LAB_DIR/calls")" -eq 12 ] || lab_fail "notify scripts: STOP calls missing at exit"
lab_wait 3 nlines "$LAB_DIR/fifo.out" 6 >/dev/null || lab_fail "FIFO: no STOP line"
# (Orphaned by the daemon's exit, it may stay a zombie until init reaps it: not running.)
fs_gone() { ! running "$FSPID"; }
lab_wait 3 fs_gone >/dev/null || lab_fail "the FIFO script outlived the daemon"
[ -e "$F2" ] && lab_fail "the FIFO the daemon created is still there"
sleep 0.3

want_fifo='INSTANCE "VI_1" BACKUP 100
INSTANCE "VI_1" MASTER 104
INSTANCE "VI_1" FAULT 104
INSTANCE "VI_1" BACKUP 104
INSTANCE "VI_1" MASTER 104
INSTANCE "VI_1" STOP 104'
got_fifo=$(cat "$LAB_DIR/fifo.out")
[ "$got_fifo" = "$want_fifo" ] || { printf 'want:\n%s\ngot:\n%s\n' "$want_fifo" "$got_fifo"; lab_fail "FIFO lines differ"; }
lab_log "FIFO lines as keepalived's, in order"
# The FIFO script read the same lines (the STOP line may race its SIGTERM, as in keepalived).
want5=$(head -n 5 <<<"$want_fifo")
[ "$(head -n 5 "$LAB_DIR/fs.out")" = "$want5" ] ||
  { printf 'want:\n%s\ngot:\n%s\n' "$want5" "$(cat "$LAB_DIR/fs.out")"; lab_fail "FIFO script lines differ"; }
lab_log "the vrrp_notify_fifo_script read them too"

want_calls=$(sort <<EOW
$N B
$N A INSTANCE VI_1 BACKUP 100
$N M master
$N A INSTANCE VI_1 MASTER 104
$N F fault
$N A INSTANCE VI_1 FAULT 104
$N B
$N A INSTANCE VI_1 BACKUP 104
$N M master
$N A INSTANCE VI_1 MASTER 104
$N S
$N A INSTANCE VI_1 STOP 104
EOW
)
got_calls=$(sort "$LAB_DIR/calls")
[ "$got_calls" = "$want_calls" ] || { printf 'want:\n%s\ngot:\n%s\n' "$want_calls" "$got_calls"; lab_fail "notify argv differ"; }
lab_log "PASS: notify_* and generic notify argv, STOP notifies awaited, notify_fifo lines in order, vrrp_notify_fifo_script, track_interface FAULT"

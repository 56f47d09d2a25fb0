#!/usr/bin/env bash
# track_file (issue 6): inotify-watched integers change the priority or put the instance in
# FAULT, as keepalived 2.2.7 does.
#   - init_file 0 creates the file at start; the value read at start counts before the first
#     election (one "Changing effective priority from 100 to 103" line at start, as keepalived
#     2.2.7 logs it);
#   - writing 5 (weight 10) → +50; deleting the file → value 0; `mv` of a new file into place
#     → re-read;
#   - a weight-0 file: non-zero → FAULT (the VIP goes), 0 → MASTER again;
#   - a value outside the 32-bit range is logged and ignored.
# Usage: t-track-file.sh path/to/keepalived-rs
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
lab_init tfile
lab_node a 192.0.2.11/24
VIP=192.0.2.100
D=$LAB_DIR/files
mkdir -p "$D"
echo 3 >"$D/start"
cat >"$LAB_DIR/a.conf" <<EOC
track_file tf_prio {
    file "$D/prio"
    weight 10
    init_file 0
}
track_file tf_start {
    file "$D/start"
    weight 1
}
vrrp_track_file tf_fault {
    file "$D/fault"
    weight 0
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 9
    priority 100
    advert_int 1
    virtual_ipaddress {
        $VIP
    }
    track_file {
        tf_prio
        tf_start
        tf_fault
    }
}
EOC
L=$LAB_DIR/a.log
trap 'rc=$?; [ $rc -ne 0 ] && tail -n 40 "$L"; lab_cleanup; exit $rc' EXIT
lab_run a "$L" "$BIN" -n -l -D -f "$LAB_DIR/a.conf" -p "$LAB_DIR/a.pid" -r "$LAB_DIR/a2.pid"
lab_wait 10 lab_has_addr a $VIP >/dev/null || lab_fail "no master"
[ "$(cat "$D/prio" 2>/dev/null)" = 0 ] || lab_fail "init_file did not create $D/prio with 0"
# keepalived 2.2.7 logs the start-up values' change once, before "Entering BACKUP STATE (init)".
[ "$(grep -c 'Changing effective priority' "$L")" = 1 ] &&
  grep -A2 -F '(VI_1) Changing effective priority from 100 to 103' "$L" | grep -qF 'Entering BACKUP STATE (init)' ||
  lab_fail "start-up: not one 100 -> 103 line before 'Entering BACKUP STATE (init)'"
has() { grep -qF -- "$1" "$L"; }
vip_gone() { ! lab_has_addr a $VIP; }
echo 5 >"$D/prio"
lab_wait 3 has "(VI_1) Changing effective priority from 103 to 153" >/dev/null ||
  lab_fail "no 103 -> 153 after writing 5 (weight 10; tf_start adds 3)"
lab_log "write 5: 103 -> 153"
rm -f "$D/prio"
lab_wait 3 has "(VI_1) Changing effective priority from 153 to 103" >/dev/null ||
  lab_fail "no 153 -> 103 after deleting the file"
lab_log "delete: 153 -> 103"
echo 2 >"$D/prio.new" && mv "$D/prio.new" "$D/prio"
lab_wait 3 has "(VI_1) Changing effective priority from 103 to 123" >/dev/null ||
  lab_fail "no 103 -> 123 after mv of a new file"
lab_log "mv: 103 -> 123"
echo 1 >"$D/fault"
lab_wait 3 has "(VI_1) Entering FAULT STATE" >/dev/null || lab_fail "weight-0 file non-zero: no FAULT"
lab_wait 3 vip_gone >/dev/null || lab_fail "VIP kept in FAULT"
lab_log "weight-0 file = 1: FAULT, VIP removed"
echo 0 >"$D/fault"
lab_wait 8 lab_has_addr a $VIP >/dev/null || lab_fail "not MASTER again after the fault file went to 0"
lab_log "weight-0 file = 0: MASTER again"
echo 99999999999 >"$D/prio"
lab_wait 3 has "Invalid number 99999999999 read from $D/prio - ignoring" >/dev/null ||
  lab_fail "out-of-range value not reported"
lab_log "PASS: track_file (init_file, write, delete, mv, weight 0 FAULT, invalid number)"

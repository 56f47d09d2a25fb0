#!/usr/bin/env bash
# A check script still running when a SIGHUP reload renumbers the scripts (issue 8, reload;
# issue 6): its result goes to the script of the same name, and the result of a script the
# reload removed is ignored.
#   before: chk_slow chk_fast chk_drop   (chk_slow and chk_drop take 2 s a run)
#   after:  chk_fast chk_slow chk_new
# The reload is sent while chk_slow's and chk_drop's runs are under way; those runs then
# exit 1. Expected: "VRRP_Script(chk_slow) failed", and neither chk_fast (chk_slow's old
# index) nor chk_new (chk_drop's old index) ever fails.
# Usage: t-check-reload.sh path/to/keepalived-rs
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
lab_init chkrel
lab_node a 192.0.2.11/24
S=$LAB_DIR/slow.sh
cat >"$S" <<EOS
#!/bin/sh
touch $LAB_DIR/\$1.running
sleep 2
rm -f $LAB_DIR/\$1.running
[ -e $LAB_DIR/fail ] && exit 1
exit 0
EOS
chmod 755 "$S"
script() { printf 'vrrp_script %s {\n    script "%s"\n    interval 1\n    timeout 10\n    weight %s\n}\n' "$@"; }
conf() {
  for s in "$@"; do
    case $s in
      chk_slow) script chk_slow "$S chk_slow" -10 ;;
      chk_drop) script chk_drop "$S chk_drop" -30 ;;
      chk_fast) script chk_fast /bin/true -20 ;;
      chk_new) script chk_new /bin/true -40 ;;
    esac
  done
  printf 'vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 31\n    priority 200\n'
  printf '    advert_int 1\n    virtual_ipaddress {\n        192.0.2.100\n    }\n    track_script {\n'
  printf '        %s\n' "$@"
  printf '    }\n}\n'
}
conf chk_slow chk_fast chk_drop >"$LAB_DIR/a.conf"
L=$LAB_DIR/a.log
trap 'rc=$?; [ $rc -ne 0 ] && tail -n 30 "$L"; lab_cleanup; exit $rc' EXIT
lab_run a "$L" "$BIN" -n -l -D -f "$LAB_DIR/a.conf" -p "$LAB_DIR/a.pid" -r "$LAB_DIR/a2.pid"
PID=$LAB_LAST_PID
lab_wait 10 lab_has_addr a 192.0.2.100 >/dev/null || lab_fail "never MASTER"
both_running() { [ -e "$LAB_DIR/chk_slow.running" ] && [ -e "$LAB_DIR/chk_drop.running" ]; }
# Start of a fresh pair of runs (not the tail of one about to end).
lab_wait 10 bash -c "! [ -e $LAB_DIR/chk_slow.running ]" >/dev/null || lab_fail "chk_slow never ends"
lab_wait 10 both_running >/dev/null || lab_fail "chk_slow and chk_drop never run together"
touch "$LAB_DIR/fail"
conf chk_fast chk_slow chk_new >"$LAB_DIR/a.conf"
kill -HUP "$PID"
lab_wait 5 grep -q "Reload complete" "$L" >/dev/null || lab_fail "no 'Reload complete'"
both_running || lab_fail "the runs ended before the reload was done (machine too slow?)"
lab_log "reloaded while chk_slow and chk_drop ran"
t=$(lab_wait 8 grep -q 'VRRP_Script(chk_slow) failed' "$L") || lab_fail "chk_slow's failure was not reported"
lab_log "chk_slow's failure reported $t ms after the reload"
sleep 1.5
grep -E 'chk_fast|chk_new' "$L" | grep -E 'failed|now returning' &&
  lab_fail "another script was credited with a running script's result"
kill -0 "$PID" || lab_fail "the daemon died"
lab_log "PASS: a running check script's result follows its name over a reload; a removed one's is ignored"

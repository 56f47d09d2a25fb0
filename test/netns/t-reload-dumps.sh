#!/usr/bin/env bash
# SIGHUP reload without VIP churn (adding a VIP adds only that VIP; the running one is not
# touched), a broken file is refused, and the SIGUSR1 / SIGUSR2 / SIGRTMIN+2 dumps
# (keepalived.data, .stats, .json in $TMPDIR); with --json-auth the JSON dump carries the
# PASS password in auth_data, as keepalived's does.
# Usage: t-reload-dumps.sh path/to/keepalived-rs
set -u
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_init reload
lab_node a 192.0.2.11/24
mk() {
  cat >"$LAB_DIR/a.conf" <<EOC
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 7
  priority 150
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass s3cret
  }
  virtual_ipaddress {
    192.0.2.100/32 brd 192.0.2.255 dev eth0 label eth0:0
$1
  }
}
EOC
}
mk ""
lab_run a "$LAB_DIR/a.log" env TMPDIR="$LAB_DIR" "$BIN" -n -l -D -G --json-auth -f "$LAB_DIR/a.conf" \
  -p "$LAB_DIR/a.pid" -r "$LAB_DIR/a2.pid"
A=$LAB_LAST_PID
trap 'rc=$?; [ $rc -ne 0 ] && tail -30 "$LAB_DIR/a.log"; lab_cleanup; exit $rc' EXIT
lab_wait 10 lab_has_addr a 192.0.2.100 >/dev/null || lab_fail "no master"
ip -n "$LAB-a" monitor address >"$LAB_DIR/mon.log" 2>&1 &
LAB_PIDS+=($!)
sleep 0.3
mk "    192.0.2.101"
kill -HUP "$A"
t=$(lab_wait 5 lab_has_addr a 192.0.2.101) || lab_fail "new VIP not added on reload"
sleep 0.5
lab_log "reload added 192.0.2.101 in $t ms"
grep -q 'Deleted.*192.0.2.100' "$LAB_DIR/mon.log" && lab_fail "the running VIP was removed on reload"
grep -q '192.0.2.101' "$LAB_DIR/mon.log" || lab_fail "no address event for the new VIP"
echo "vrrp_instance {" >"$LAB_DIR/a.conf"
kill -HUP "$A"
sleep 0.5
lab_has_addr a 192.0.2.100 && lab_has_addr a 192.0.2.101 || lab_fail "a broken reload dropped VIPs"
grep -q 'Reload refused' "$LAB_DIR/a.log" || lab_fail "broken reload not reported"
lab_log "broken file refused, VIPs kept"

kill -USR1 "$A"
kill -USR2 "$A"
kill -$(($(kill -l RTMIN) + 2)) "$A"
lab_wait 3 test -s "$LAB_DIR/keepalived.json" >/dev/null || lab_fail "no JSON dump"
lab_wait 3 test -s "$LAB_DIR/keepalived.stats" >/dev/null || lab_fail "no stats dump"
lab_wait 3 test -s "$LAB_DIR/keepalived.data" >/dev/null || lab_fail "no data dump"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d[0]["data"]; assert e["iname"]=="VI_1" and e["state"]==2 and e["auth_type"]==1 and e["auth_data"]=="s3cret", d' \
  "$LAB_DIR/keepalived.json" || lab_fail "JSON dump content"
grep -q 'VRRP Instance: VI_1' "$LAB_DIR/keepalived.stats" || lab_fail "stats dump content"
grep -q 'State = MASTER' "$LAB_DIR/keepalived.data" || lab_fail "data dump content"
lab_log "PASS: reload without churn, broken reload refused, data/stats/json dumps"

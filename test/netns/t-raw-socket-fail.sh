#!/usr/bin/env bash
# Raw sockets that cannot be opened, compared with keepalived 2.2.7 (measured 2026-12-08):
#   1. no CAP_NET_RAW (dropped with setpriv): keepalived's VRRP process cannot open its
#      gratuitous ARP "shared channel" and stops: "Error 1 while registering gratuitous ARP
#      shared channel", "... exited with permanent error missing permission. Terminating",
#      exit 4, no VIP ever set;
#   2. the multicast join refused on eth0 (net.ipv4.igmp_max_memberships=0 inside the node's
#      own namespace): "(eth0) cant do IP_ADD_MEMBERSHIP 224.0.0.18 errno=No buffer space
#      available (105)"; the instance has no socket and stays BACKUP for good (keepalived
#      services an instance's timers from its socket's read thread): it never becomes MASTER
#      unheard. Checked for 2 x Master_Down_Interval.
# Usage: t-raw-socket-fail.sh path/to/keepalived-rs   (KA_COMPARE=0 skips keepalived)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
command -v setpriv >/dev/null || lab_fail "setpriv (util-linux) is needed"
lab_init rawfail
lab_node a 192.0.2.11/24
VIP=192.0.2.100
cat >"$LAB_DIR/a.conf" <<EOC
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 9
    priority 100
    advert_int 1
    virtual_ipaddress {
        $VIP
    }
}
EOC
KA=""
[ "${KA_COMPARE:-1}" != 0 ] && KA=$(command -v keepalived || true)
[ -n "$KA" ] || lab_log "keepalived 2.2.7 not run (KA_COMPARE=0 or not installed): ours only"
L=""
trap 'rc=$?; [ $rc -ne 0 ] && [ -n "$L" ] && tail -n 30 "$L"; lab_cleanup; exit $rc' EXIT
has() { grep -qF -- "$2" "$1"; }

# 1. no CAP_NET_RAW: stop at start with "missing permission" (exit 4).
for who in keepalived ours; do
  [ "$who" = keepalived ] && [ -z "$KA" ] && continue
  exe=$BIN
  [ "$who" = keepalived ] && exe=$KA
  L=$LAB_DIR/$who-nocap.log
  timeout 20 ip netns exec "$LAB-a" setpriv --inh-caps=-net_raw --bounding-set=-net_raw \
    "$exe" -n -l -D -f "$LAB_DIR/a.conf" -p "$LAB_DIR/$who.pid" -r "$LAB_DIR/$who-v.pid" >"$L" 2>&1
  rc=$?
  [ "$rc" = 4 ] || lab_fail "$who without CAP_NET_RAW: exit $rc, expected 4 (missing permission)"
  has "$L" "Error 1 while registering gratuitous ARP shared channel" ||
    lab_fail "$who: no 'Error 1 while registering gratuitous ARP shared channel'"
  has "$L" "exited with permanent error missing permission. Terminating" ||
    lab_fail "$who: no 'exited with permanent error missing permission. Terminating'"
  ! has "$L" "Entering MASTER STATE" || lab_fail "$who: MASTER without CAP_NET_RAW"
  ! lab_has_addr a $VIP || lab_fail "$who: the VIP was set without CAP_NET_RAW"
  lab_log "$who without CAP_NET_RAW: exit 4, 'missing permission'"
done

# 2. multicast join refused: the instance stays BACKUP, no VIP, no advert.
ip netns exec "$LAB-a" sysctl -qw net.ipv4.igmp_max_memberships=0 ||
  lab_fail "cannot set igmp_max_memberships in the node's namespace"
for who in keepalived ours; do
  [ "$who" = keepalived ] && [ -z "$KA" ] && continue
  exe=$BIN
  [ "$who" = keepalived ] && exe=$KA
  L=$LAB_DIR/$who-join.log
  ip netns exec "$LAB-a" tcpdump -n -l -i eth0 -c 1 ip proto 112 >"$LAB_DIR/$who-cap.txt" 2>/dev/null &
  cap=$!
  LAB_PIDS+=("$cap")
  lab_run a "$L" "$exe" -n -l -D -f "$LAB_DIR/a.conf" -p "$LAB_DIR/$who.pid" -r "$LAB_DIR/$who-v.pid"
  pid=$LAB_LAST_PID
  lab_wait 5 has "$L" "(eth0) cant do IP_ADD_MEMBERSHIP 224.0.0.18 errno=No buffer space available (105)" >/dev/null ||
    lab_fail "$who: no 'cant do IP_ADD_MEMBERSHIP' line"
  lab_wait 5 has "$L" "(VI_1) Entering BACKUP STATE (init)" >/dev/null || lab_fail "$who: no BACKUP (init)"
  # Master_Down_Interval is 3.6 s: twice that, and the instance must still be BACKUP.
  sleep 7.2
  ! has "$L" "Entering MASTER STATE" || lab_fail "$who: MASTER without a socket"
  ! lab_has_addr a $VIP || lab_fail "$who: the VIP was set without a socket"
  kill -0 "$pid" 2>/dev/null || lab_fail "$who: the daemon stopped"
  kill -TERM "$pid"
  lab_wait 10 eval "! kill -0 $pid 2>/dev/null" >/dev/null || lab_fail "$who: did not stop"
  kill "$cap" 2>/dev/null
  wait "$cap" 2>/dev/null
  ! grep -q VRRP "$LAB_DIR/$who-cap.txt" || lab_fail "$who sent an advert without a socket"
  lab_log "$who with the join refused: BACKUP for 7.2 s, no VIP, no advert"
done
lab_log "PASS"

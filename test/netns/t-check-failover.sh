#!/usr/bin/env bash
# The seed scenario with a real check script (issue 6): WEB1 (priority 100) and WEB2 (98)
# each run `vrrp_script chk_web { script "kill -0 <pid of its own web server>" interval 2
# weight 4 }`, so WEB1 runs at 104 and WEB2 at 102.
#
#   stop WEB1's web server → "(VI_1) Changing effective priority from 104 to 100" on WEB1;
#     WEB2 (102) ignores WEB1's lower-priority adverts (they no longer reset its timer), so
#     its Master_Down timer runs out and it owns the VIP; the client gets WEB2's page.
#     Bound, measured from the web server's stop (wall clock, and on the capture):
#       interval × fall (2 s × 1: the next check run sees the failure)
#       + Master_Down_Interval of WEB2 (3 × 1 + (256 − 102)/256 = 3.602 s)
#       + 100 ms  = 5.702 s.
#   start it again → WEB1 back to 104 and takes the VIP back (preempt).
# Usage: t-check-failover.sh path/to/keepalived-rs
set -u
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

lab_init chkfo
VIP=192.0.2.100
lab_node web1 192.0.2.11/24
lab_node web2 192.0.2.12/24
lab_node client 192.0.2.50/24
BOUND_MS=5702

web_start() { # web_start NAME TEXT: busybox httpd, its pid in $LAB_DIR/NAME.httpd.pid
  lab_web "$1" "$2"
  echo "$LAB_LAST_PID" >"$LAB_DIR/$1.httpd.pid"
}

conf() { # conf NAME STATE PRIO
  cat >"$LAB_DIR/$1.conf" <<EOC
vrrp_script chk_web {
    script "/bin/sh -c 'kill -0 \$(cat $LAB_DIR/$1.httpd.pid)'"
    interval 2
    weight 4
}
vrrp_instance VI_1 {
    state $2
    interface eth0
    virtual_router_id 50
    priority $3
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 12345678
    }
    virtual_ipaddress {
        $VIP
    }
    track_script {
        chk_web
    }
}
EOC
}
conf web1 MASTER 100
conf web2 BACKUP 98
web_start web1 WEB1
web_start web2 WEB2

# Capture on the bridge (inside the bridge namespace).
ip netns exec "$LAB-br" tcpdump -i br0 -U -n -w "$LAB_DIR/cap.pcap" 'ip proto 112 or arp' \
  >/dev/null 2>"$LAB_DIR/tcpdump.err" &
CAP=$!
LAB_PIDS+=("$CAP")
sleep 0.5

lab_run web1 "$LAB_DIR/web1.log" "$BIN" -n -l -D -f "$LAB_DIR/web1.conf" -p "$LAB_DIR/w1.pid" -r "$LAB_DIR/w1v.pid"
lab_run web2 "$LAB_DIR/web2.log" "$BIN" -n -l -D -f "$LAB_DIR/web2.conf" -p "$LAB_DIR/w2.pid" -r "$LAB_DIR/w2v.pid"
trap 'rc=$?; [ $rc -ne 0 ] && tail -n 30 "$LAB_DIR"/web?.log; lab_cleanup; exit $rc' EXIT

vip_on() { lab_has_addr "$1" "$VIP"; }
page_is() { [ "$(lab_curl client "http://$VIP/")" = "$1" ]; }
has() { grep -qF -- "$2" "$LAB_DIR/$1.log"; }

lab_wait 15 vip_on web1 >/dev/null || lab_fail "WEB1 never took the VIP"
lab_wait 10 page_is WEB1 >/dev/null || lab_fail "client does not get WEB1"
# Both scripts have reported (WEB2's priority 102 shows in its adverts only as a backup).
lab_wait 6 has web1 "VRRP_Script(chk_web) succeeded" >/dev/null || lab_fail "WEB1's check never succeeded"
lab_wait 6 has web2 "VRRP_Script(chk_web) succeeded" >/dev/null || lab_fail "WEB2's check never succeeded"
sleep 1
lab_log "WEB1 (104) holds $VIP; the client gets WEB1"

lab_log "stop WEB1's web server"
t_stop_ms=$(date +%s%3N)
t_stop=$(date +%s.%N)
kill -TERM "$(cat "$LAB_DIR/web1.httpd.pid")"
t=$(lab_wait 10 vip_on web2) || lab_fail "WEB2 did not take the VIP after WEB1's web server stopped"
lab_log "WEB2 holds the VIP ${t} ms after the stop (bound ${BOUND_MS} ms)"
has web1 "(VI_1) Changing effective priority from 104 to 100" || lab_fail "no 104 -> 100 line on WEB1"
has web1 "VRRP_Script(chk_web) failed" || lab_fail "no 'VRRP_Script(chk_web) failed' on WEB1"
[ "$t" -le "$BOUND_MS" ] || lab_fail "takeover took ${t} ms > ${BOUND_MS} ms"
lab_wait 5 page_is WEB2 >/dev/null || lab_fail "client did not get WEB2"
lab_log "client gets WEB2"
wall_ms=$t

lab_log "start WEB1's web server again"
n_master=$(grep -c 'Entering MASTER STATE' "$LAB_DIR/web1.log")
web_start web1 WEB1
back() { vip_on web1 && ! vip_on web2 && [ "$(grep -c 'Entering MASTER STATE' "$LAB_DIR/web1.log")" -gt "$n_master" ]; }
t=$(lab_wait 10 back) || lab_fail "WEB1 did not take the VIP back"
has web1 "(VI_1) Changing effective priority from 100 to 104" || lab_fail "no 100 -> 104 on WEB1"
lab_wait 5 page_is WEB1 >/dev/null || lab_fail "client did not get WEB1 back"
lab_log "WEB1 took the VIP back after ${t} ms; client gets WEB1"

sleep 0.5
kill -INT "$CAP" 2>/dev/null
wait "$CAP" 2>/dev/null
# On the wire: WEB2's first GARP for the VIP after the stop.
mac2=$(ip -n "$LAB-web2" -o link show eth0 | sed -E 's/.*link\/ether ([0-9a-f:]+).*/\1/')
g=$(tshark -r "$LAB_DIR/cap.pcap" -Y "arp.src.proto_ipv4==$VIP && eth.src==$mac2 && frame.time_epoch > $t_stop" \
  -T fields -e frame.time_epoch 2>/dev/null | head -1)
[ -n "$g" ] || lab_fail "no GARP from WEB2 in the capture"
cap_ms=$(awk -v g="$g" -v s="$t_stop" 'BEGIN{printf "%d", (g - s) * 1000}')
lab_log "capture: WEB2's first GARP ${cap_ms} ms after the stop (bound ${BOUND_MS} ms)"
[ "$cap_ms" -le "$BOUND_MS" ] || lab_fail "capture: takeover ${cap_ms} ms > ${BOUND_MS} ms"
lab_log "PASS: check-script failover ${wall_ms} ms (VIP seen), ${cap_ms} ms (GARP on the wire); bound ${BOUND_MS} ms"

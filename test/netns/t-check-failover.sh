#!/usr/bin/env bash
# The seed scenario with a real check script (issue 6): WEB1 (priority 100) and WEB2 (98)
# each run `vrrp_script chk_web { script "kill -0 <pid of its own web server>" interval 2
# weight 4 }`, so WEB1 runs at 104 and WEB2 at 102.
#
#   stop WEB1's web server → "(VI_1) Changing effective priority from 104 to 100" on WEB1;
#     WEB2 (102) ignores WEB1's lower-priority adverts (they no longer reset its timer), so
#     its Master_Down timer runs out and it owns the VIP; the client gets WEB2's page.
#     Bound, measured on a capture of the bridge from the web server's stop to WEB2's first
#     advert:
#       interval × fall (2 s × 1: the next check run sees the failure)
#       + Master_Down_Interval of WEB2 (3 × 1 + (256 − 102)/256 = 3.602 s)
#       + 100 ms  = 5.702 s;
#     and each part on its own: stop → WEB1's last advert at 104 (the check has failed by the
#     next advert) ≤ 2.1 s, that advert → WEB2's first advert ≤ 3.702 s. (The VIP seen by polling is logged, not asserted: the
#     polling adds its own delay.)
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
lab_log "WEB2 holds the VIP (seen by polling ${t} ms after the stop)"
has web1 "(VI_1) Changing effective priority from 104 to 100" || lab_fail "no 104 -> 100 line on WEB1"
has web1 "VRRP_Script(chk_web) failed (exited with status 1)" || lab_fail "no 'VRRP_Script(chk_web) failed (exited with status 1)' on WEB1"
has web1 'Script `chk_web` now returning 1' || lab_fail "no 'Script \`chk_web\` now returning 1' on WEB1"
lab_wait 5 has web1 "(VI_1) Entering BACKUP STATE" >/dev/null || lab_fail "WEB1 did not go back to BACKUP"
[ "$(lab_count_with "$VIP" web1 web2)" = 1 ] || lab_fail "VIP not on exactly one node"
lab_wait 5 page_is WEB2 >/dev/null || lab_fail "client did not get WEB2"
lab_log "client gets WEB2"

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
# On the wire (epoch seconds, same clock as t_stop): WEB2's first advert (it is master) and
# first GARP after the stop, WEB1's last advert at 104 before that (WEB2's down timer has
# run from it), and WEB1's first advert at 100.
first() { tshark -r "$LAB_DIR/cap.pcap" -Y "$1 && frame.time_epoch > $t_stop" -T fields -e frame.time_epoch 2>/dev/null | head -1; }
mac2=$(ip -n "$LAB-web2" -o link show eth0 | sed -E 's/.*link\/ether ([0-9a-f:]+).*/\1/')
m=$(first "vrrp && ip.src==192.0.2.12")
g=$(first "arp.src.proto_ipv4==$VIP && eth.src==$mac2")
d=$(first "vrrp && ip.src==192.0.2.11 && vrrp.prio==100")
[ -n "$m" ] || lab_fail "no advert from WEB2 in the capture"
l=$(tshark -r "$LAB_DIR/cap.pcap" -Y "vrrp && ip.src==192.0.2.11 && vrrp.prio==104 && frame.time_epoch < $m" \
  -T fields -e frame.time_epoch 2>/dev/null | tail -1)
[ -n "$l" ] || lab_fail "no advert at 104 from WEB1 in the capture"
[ -n "$d" ] || lab_fail "no priority-100 advert from WEB1 in the capture"
[ -n "$m" ] || lab_fail "no advert from WEB2 in the capture"
[ -n "$g" ] || lab_fail "no GARP from WEB2 in the capture"
ms() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%d", (b - a) * 1000}'; }
last_ms=$(ms "$t_stop" "$l") down_ms=$(ms "$l" "$m") cap_ms=$(ms "$t_stop" "$m") garp_ms=$(ms "$t_stop" "$g")
lab_log "capture: stop -> WEB1's last advert at 104: ${last_ms} ms (bound 2100), first at 100: $(ms "$t_stop" "$d") ms"
lab_log "capture: WEB1's last 104 -> WEB2's first advert: ${down_ms} ms (bound 3702); stop -> WEB2's first advert ${cap_ms} ms, first GARP ${garp_ms} ms (bound ${BOUND_MS} ms)"
[ "$last_ms" -le 2100 ] || lab_fail "WEB1 still advertised 104 ${last_ms} ms after the stop"
[ "$down_ms" -le 3702 ] || lab_fail "WEB2 took ${down_ms} ms from WEB1's last advert at 104"
[ "$cap_ms" -le "$BOUND_MS" ] || lab_fail "capture: takeover ${cap_ms} ms > ${BOUND_MS} ms"
lab_log "PASS: check-script failover in ${cap_ms} ms on the wire (bound ${BOUND_MS} ms); WEB1 took the VIP back"

#!/usr/bin/env bash
# The seed guide's lab: WEB1 (MASTER, priority 100) and WEB2 (BACKUP, 98) share VIP
# 192.0.2.100; each serves a page naming itself; a client fetches the page through the VIP.
# Multicast + PASS (VARIANT=pass, default), AH (VARIANT=ah) or unicast with three labelled
# VIPs (VARIANT=unicast, the HAPROXY_VIPS shape).
#
#   kill -9 WEB1's daemon  → WEB2 takes the VIP (≈ 3 × advert_int + skew) and serves the client
#   restart WEB1           → it preempts and takes the VIP back
#   SIGTERM WEB1           → priority-0 advert: WEB2 takes over within the skew time (< 1 s)
#
# On the wire (WEB2's bridge port, every variant): WEB2's first advert comes within
# Master_Down_Interval + 50 ms of WEB1's last advert after kill -9, and within Skew_Time +
# 50 ms of WEB1's priority-0 advert after SIGTERM (WEB2 at 98 + 4: 3.6016 s and 0.6016 s).
#
# Usage: t-seed-failover.sh path/to/keepalived-rs
set -u
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
VARIANT=${VARIANT:-pass}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

lab_init "seed-$VARIANT"
VIP=192.0.2.100
lab_node web1 192.0.2.11/24
lab_node web2 192.0.2.12/24
lab_node client 192.0.2.50/24

conf() { # conf NAME STATE PRIO SRC PEER
  local name=$1 state=$2 prio=$3 src=$4 peer=$5 auth=PASS vips="        $VIP" uni=""
  [ "$VARIANT" = ah ] && auth=AH
  if [ "$VARIANT" = unicast ]; then
    uni="    unicast_src_ip $src
    unicast_peer {
        $peer
    }"
    vips="        192.0.2.100/32 brd 192.0.2.255 dev eth0 label eth0:0
        192.0.2.101/32 brd 192.0.2.255 dev eth0 label eth0:1
        192.0.2.102/32 brd 192.0.2.255 dev eth0 label eth0:2"
  else
    uni="    mcast_src_ip $src"
  fi
  cat >"$LAB_DIR/$name.conf" <<EOC
global_defs {
    notification_email {
        admin@example.com
    }
    notification_email_from keepalived@example.com
    smtp_server 192.0.2.250
    smtp_connect_timeout 30
}

vrrp_script chk_web {
    script "test -f $LAB_DIR/$name.ok"
    interval 2
    weight 4
}

vrrp_instance VI_1 {
    state $state
    interface eth0
$uni
    virtual_router_id 50
    priority $prio
    advert_int 1
    authentication {
        auth_type $auth
        auth_pass 12345678
    }
    virtual_ipaddress {
$vips
    }
    track_script
    {
        chk_web
    }
}
EOC
  touch "$LAB_DIR/$name.ok"
}

conf web1 MASTER 100 192.0.2.11 192.0.2.12
conf web2 BACKUP 98 192.0.2.12 192.0.2.11
lab_web web1 WEB1
lab_web web2 WEB2

start() { # start NAME → sets PID_<NAME>
  lab_run "$1" "$LAB_DIR/$1.log.$(date +%s%N)" "$BIN" -n -l -D -G -f "$LAB_DIR/$1.conf" \
    -p "$LAB_DIR/$1.pid" -r "$LAB_DIR/$1_vrrp.pid"
  eval "PID_$1=$LAB_LAST_PID"
}
vip_on() { lab_has_addr "$1" "$VIP"; }
vip_off() { ! lab_has_addr "$1" "$VIP"; }
page_is() { [ "$(lab_curl client "http://$VIP/")" = "$1" ]; }
# DEMO=1 (test/netns/demo.sh): show the addresses and the page at each step.
show() {
  [ -n "${DEMO:-}" ] || return 0
  local n
  for n in web1 web2; do
    printf '        %-5s %s\n' "$n" "$(ip -n "$LAB-$n" -br -4 addr show dev eth0 | awk '{$1=$2=""; print}')"
  done
  printf '        client: curl http://%s/ -> %s\n' "$VIP" "$(lab_curl client "http://$VIP/")"
}
dump_logs() { for f in "$LAB_DIR"/web*.log.*; do echo "--- $f"; tail -n 40 "$f"; done; }
trap 'rc=$?; [ $rc -ne 0 ] && dump_logs; lab_cleanup; exit $rc' EXIT

lab_log "variant $VARIANT: starting WEB1 (MASTER 100+4) and WEB2 (BACKUP 98+4)"
start web1
start web2
t=$(lab_wait 15 vip_on web1) || lab_fail "WEB1 never took the VIP"
lab_log "WEB1 holds $VIP after ${t} ms"
lab_wait 3 vip_off web2 >/dev/null || lab_fail "WEB2 also holds the VIP (split brain)"
[ "$(lab_count_with $VIP web1 web2)" = 1 ] || lab_fail "not exactly one master"
if [ "$VARIANT" = unicast ]; then
  for a in 192.0.2.101 192.0.2.102; do lab_has_addr web1 $a || lab_fail "WEB1 lacks $a"; done
  ip -n "$LAB-web1" -o addr show dev eth0 | grep -q 'eth0:2' || lab_fail "label eth0:2 missing"
  ip -n "$LAB-web1" -o addr show dev eth0 | grep -q 'brd 192.0.2.255' || lab_fail "brd missing"
fi
t=$(lab_wait 5 page_is WEB1) || lab_fail "client did not get WEB1 through the VIP"
lab_log "client gets WEB1 through the VIP"
show

# WEB2's port: every advert between the two nodes passes it (multicast, AH and unicast).
lab_run br "$LAB_DIR/cap.out" tcpdump -ni p-web2 -U -w "$LAB_DIR/vrrp.pcap" 'ip proto 112 or ip proto 51'
CAP=$LAB_LAST_PID
lab_wait 5 grep -q 'listening on' "$LAB_DIR/cap.out" >/dev/null || lab_fail "tcpdump did not start"
sleep 1.2 # at least one of WEB1's adverts before the crash
lab_log "kill -9 WEB1's daemon (no priority 0: WEB2 waits for the master-down timer)"
t_crash=$(date +%s.%N)
kill -9 "$PID_web1"
t=$(lab_wait 10 vip_on web2) || lab_fail "WEB2 did not take the VIP after kill -9"
lab_log "WEB2 holds the VIP ${t} ms after kill -9 (expect ≈ 3 × 1 s + skew)"
t2=$(lab_wait 5 page_is WEB2) || lab_fail "client did not get WEB2"
lab_log "client gets WEB2 (GARP moved the client's ARP entry)"
show
echo "failover_kill9_ms=$t" >>"$LAB_DIR/figures"

lab_log "restart WEB1: it removes its stale VIP, then preempts (104 > 102)"
t_restart=$(date +%s.%N)
start web1
t=$(lab_wait 15 vip_off web2) || lab_fail "WEB2 kept the VIP after WEB1 came back"
lab_wait 5 vip_on web1 >/dev/null || lab_fail "WEB1 did not take the VIP back"
lab_log "WEB1 took the VIP back after ${t} ms"
lab_wait 5 page_is WEB1 >/dev/null || lab_fail "client did not get WEB1 again"
lab_log "client gets WEB1 again"
show

lab_log "SIGTERM WEB1: priority 0 advert, WEB2 takes over after its skew time"
t_stop=$(date +%s.%N)
kill -TERM "$PID_web1"
t=$(lab_wait 5 vip_on web2) || lab_fail "WEB2 did not take the VIP after SIGTERM"
lab_log "WEB2 holds the VIP ${t} ms after SIGTERM"
echo "failover_sigterm_ms=$t" >>"$LAB_DIR/figures"
lab_wait 3 vip_off web1 >/dev/null || lab_fail "WEB1 kept the VIP after SIGTERM"
[ -e "$LAB_DIR/web1.pid" ] && lab_fail "WEB1 left its pid file"
lab_wait 5 page_is WEB2 >/dev/null || lab_fail "client did not get WEB2 after SIGTERM"
[ "$t" -lt 2000 ] || lab_fail "SIGTERM failover took ${t} ms (want < 2000)"
show

sleep 0.5
kill -INT "$CAP"
lab_wait 3 bash -c "! kill -0 $CAP 2>/dev/null" >/dev/null || lab_fail "tcpdump did not stop"
# adverts FROM [AFTER [BEFORE]]: epoch times of the adverts from FROM in that window.
adverts() {
  tcpdump -tt -nr "$LAB_DIR/vrrp.pcap" "src host $1" 2>/dev/null |
    awk -v a="${2:-0}" -v b="${3:-9e9}" '$1 > a && $1 < b {print $1}'
}
gap_ok() { awk -v g="$1" -v b="$2" 'BEGIN{exit !(g != "" && g > 0 && g <= b)}'; }
last1=$(adverts 192.0.2.11 0 "$t_crash" | tail -n 1)
first2=$(adverts 192.0.2.12 "${last1:-9e9}" "$t_restart" | head -n 1)
gap=$(awk -v a="$first2" -v b="$last1" 'BEGIN{if (a != "" && b != "") printf "%.4f", a - b}')
lab_log "kill -9: WEB2's first advert ${gap:-?} s after WEB1's last (bound 3.6016 + 0.05)"
gap_ok "$gap" 3.6516 || lab_fail "kill -9 failover ${gap:-?} s, not within Master_Down_Interval + 50 ms"
zero=$(adverts 192.0.2.11 "$t_stop" | tail -n 1)
first2=$(adverts 192.0.2.12 "${zero:-9e9}" | head -n 1)
gap2=$(awk -v a="$first2" -v b="$zero" 'BEGIN{if (a != "" && b != "") printf "%.4f", a - b}')
lab_log "SIGTERM: WEB2's first advert ${gap2:-?} s after WEB1's priority-0 advert (bound 0.6016 + 0.05)"
gap_ok "$gap2" 0.6516 || lab_fail "SIGTERM failover ${gap2:-?} s, not within Skew_Time + 50 ms"
echo "wire_kill9_s=$gap wire_sigterm_s=$gap2" >>"$LAB_DIR/figures"
lab_log "PASS ($(tr '\n' ' ' <"$LAB_DIR/figures"))"

#!/usr/bin/env bash
# Issue 5: a switch that drops multicast makes both nodes VRRP master for the same VIP (split
# brain); the adverts never arrive but the masters' ARPs (broadcast) do, and each daemon must
# say so in its log.
#
#   seed config (multicast, PASS), WEB1 (100+4) MASTER, WEB2 (98+4) BACKUP
#   block multicast on every bridge port (mcast_flood off: VRRP adverts stop, ARP passes)
#                → WEB2 becomes master too; WEB1 logs "split brain: <VIP> is also claimed by
#                  <WEB2's MAC>" (WEB2's gratuitous ARPs); WEB1 then talks from the VIP (a
#                  ping sourced from it: an ARP request naming the VIP) → WEB2 logs the line
#   lift the block → WEB2 hears WEB1's adverts and yields: one master again
#   unicast config (unicast_src_ip/unicast_peer) with the same block → adverts still pass:
#                  exactly one master and no split-brain line
#
# Usage: t-split-brain.sh path/to/keepalived-rs
set -u
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

lab_init splitbrain
VIP=192.0.2.100
LINE="split brain: $VIP is also claimed by"
lab_node web1 192.0.2.11/24
lab_node web2 192.0.2.12/24

conf() { # conf NAME STATE PRIO SRC PEER unicast|multicast
  local name=$1 state=$2 prio=$3 src=$4 peer=$5 mode=$6 uni
  if [ "$mode" = unicast ]; then
    uni="    unicast_src_ip $src
    unicast_peer {
        $peer
    }"
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
        auth_type PASS
        auth_pass 12345678
    }
    virtual_ipaddress {
        $VIP
    }
    track_script
    {
        chk_web
    }
}
EOC
  touch "$LAB_DIR/$name.ok"
}

start() { # start NAME PHASE → PID_<NAME>, LOG_<NAME>
  local logf="$LAB_DIR/$1.$2.log"
  lab_run "$1" "$logf" "$BIN" -n -l -D -f "$LAB_DIR/$1.conf" \
    -p "$LAB_DIR/$1.pid" -r "$LAB_DIR/$1_vrrp.pid"
  eval "PID_$1=$LAB_LAST_PID LOG_$1=$logf"
}
stop() { # stop NAME: SIGTERM, bounded wait
  local pid
  eval "pid=\$PID_$1"
  kill -TERM "$pid" 2>/dev/null
  lab_wait 5 gone "$pid" >/dev/null || lab_fail "$1 did not stop"
}
gone() { ! kill -0 "$1" 2>/dev/null; }
vip_on() { lab_has_addr "$1" "$VIP"; }
vip_off() { ! lab_has_addr "$1" "$VIP"; }
both_masters() { vip_on web1 && vip_on web2; }
logged() { local f; eval "f=\$LOG_$1"; grep -q "$LINE" "$f"; }
mac_of() { ip -n "$LAB-$1" -o link show dev eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
mcast() { # mcast on|off: multicast flooding on every bridge port
  local p
  for p in p-web1 p-web2; do
    bridge -n "$LAB-br" link set dev "$p" mcast_flood "$1" || lab_fail "bridge mcast_flood $1"
  done
}
# WEB1 sends from the VIP to an unused address: its kernel broadcasts an ARP request whose
# sender is the VIP at WEB1's MAC (what any service answering on the VIP does).
talk_from_vip() { ip netns exec "$LAB-web1" ping -n -q -c 1 -W 1 -I "$VIP" 192.0.2.77 >/dev/null 2>&1; true; }
claimed_by_web1() { talk_from_vip; logged web2; }
dump_logs() { for f in "$LAB_DIR"/web*.log; do echo "--- $f"; tail -n 30 "$f"; done; }
trap 'rc=$?; [ $rc -ne 0 ] && dump_logs; lab_cleanup; exit $rc' EXIT

command -v bridge >/dev/null || lab_fail "needs iproute2's bridge tool"

# ---- multicast seed config -------------------------------------------------------------
conf web1 MASTER 100 192.0.2.11 192.0.2.12 multicast
conf web2 BACKUP 98 192.0.2.12 192.0.2.11 multicast
# WEB1 first, WEB2 once WEB1 is master: started together, their master-down intervals differ
# by only 8 ms (priorities 104 and 102), so start-up jitter can make both master for a moment,
# a real (and legitimate) split brain that each would rightly report.
start web1 mc
lab_wait 15 vip_on web1 >/dev/null || lab_fail "WEB1 never took the VIP"
start web2 mc
lab_wait 5 vip_off web2 >/dev/null || lab_fail "WEB2 also holds the VIP with multicast passing"
sleep 1
[ "$(lab_count_with $VIP web1 web2)" = 1 ] || lab_fail "not exactly one master"
logged web1 && lab_fail "WEB1 reported a split brain with adverts passing"
logged web2 && lab_fail "WEB2 reported a split brain with adverts passing"
lab_log "multicast passes: WEB1 is the only master"

lab_log "block multicast on the bridge (mcast_flood off on every port)"
mcast off
t=$(lab_wait 10 both_masters) || lab_fail "WEB2 did not become master while adverts were blocked"
lab_log "both nodes are master ${t} ms after the block (split brain)"
t=$(lab_wait 10 logged web1) || lab_fail "WEB1 did not report the split brain"
grep "$LINE" "$LOG_web1" | head -n 1 | grep -q "$(mac_of web2)" || lab_fail "WEB1's line does not name WEB2's MAC"
lab_log "WEB1 logged: $(grep -o "(VI_1) $LINE.*" "$LOG_web1" | head -n 1)"
t=$(lab_wait 10 claimed_by_web1) || lab_fail "WEB2 did not report the split brain"
grep "$LINE" "$LOG_web2" | head -n 1 | grep -q "$(mac_of web1)" || lab_fail "WEB2's line does not name WEB1's MAC"
lab_log "WEB2 logged: $(grep -o "(VI_1) $LINE.*" "$LOG_web2" | head -n 1)"
grep "$LINE" "$LOG_web1" | grep -q "$(mac_of web1)" && lab_fail "WEB1 reported its own MAC"
grep "$LINE" "$LOG_web2" | grep -q "$(mac_of web2)" && lab_fail "WEB2 reported its own MAC"
for n in web1 web2; do
  eval "f=\$LOG_$n"
  lab_log "$n: $(grep -c "$LINE" "$f") split-brain line(s)"
done

lab_log "lift the block (mcast_flood on)"
mcast on
t=$(lab_wait 10 vip_off web2) || lab_fail "WEB2 kept the VIP after multicast came back"
lab_wait 3 vip_on web1 >/dev/null || lab_fail "WEB1 lost the VIP"
[ "$(lab_count_with $VIP web1 web2)" = 1 ] || lab_fail "not exactly one master after the block"
lab_log "one master again (WEB2 yielded ${t} ms after the block was lifted)"
stop web1
stop web2

# ---- unicast config --------------------------------------------------------------------
conf web1 MASTER 100 192.0.2.11 192.0.2.12 unicast
conf web2 BACKUP 98 192.0.2.12 192.0.2.11 unicast
start web1 uc
lab_wait 15 vip_on web1 >/dev/null || lab_fail "unicast: WEB1 never took the VIP"
start web2 uc
lab_wait 5 vip_off web2 >/dev/null || lab_fail "unicast: WEB2 also holds the VIP"
lab_log "unicast: block multicast on the bridge"
mcast off
# Three master-down intervals and WEB1's GARPs going nowhere: still one master, no report.
for _ in $(seq 1 16); do
  [ "$(lab_count_with $VIP web1 web2)" = 1 ] || lab_fail "unicast: not exactly one master under the block"
  sleep 0.5
done
talk_from_vip
sleep 1
vip_on web1 || lab_fail "unicast: WEB1 lost the VIP"
logged web1 && lab_fail "unicast: WEB1 reported a split brain"
logged web2 && lab_fail "unicast: WEB2 reported a split brain"
mcast on
lab_log "unicast: exactly one master and no split-brain line under the block"
lab_log "PASS"

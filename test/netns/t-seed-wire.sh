#!/usr/bin/env bash
# The seed lab seen on the wire: our WEB1/WEB2 pair (PASS, VRID 50, priorities 100 and 98)
# captured on the bridge and read with tshark's VRRP dissector.
#   - adverts: TTL 255, to 224.0.0.18, VRID 50, priority 100, PASS with the password, good
#     checksum, one a second;
#   - gratuitous ARPs: 5 at takeover and 5 more garp_master_delay (5 s) later;
#   - kill -9 of WEB1: WEB2's first advert within Master_Down_Interval + 50 ms of WEB1's last,
#     and its first GARP (the VIP is set) within the same bound;
#   - SIGTERM of WEB1: WEB2's first advert within Skew_Time + 50 ms of the priority-0 advert.
here=$(cd "$(dirname "$0")" && pwd)
BIN=$(readlink -f "${1:?usage: t-seed-wire.sh path/to/keepalived-rs}")
. "$here/../interop/lib.sh"
trap lab_cleanup EXIT
fail=0
check() { if eval "$2"; then log "ok: $1"; else log "FAIL: $1"; fail=1; fi; }
within() { awk -v v="$1" -v b="$2" 'BEGIN{exit !(v != "" && v >= 0 && v <= b)}'; }
VIP=192.0.2.100

seed_conf() { # seed_conf NODE STATE PRIO
  cat >"$LAB/$1.conf" <<EOF
vrrp_instance VI_1 {
    state $2
    interface eth0
    mcast_src_ip $(node_ip "$1")
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
}
EOF
}

lab_up 2
seed_conf a MASTER 100
seed_conf b BACKUP 98
mac_a=$(ip -n "$P-a" -o link show eth0 | sed -E 's/.*link\/ether ([0-9a-f:]+).*/\1/')
mac_b=$(ip -n "$P-b" -o link show eth0 | sed -E 's/.*link\/ether ([0-9a-f:]+).*/\1/')
capture_start "$LAB/seed.pcap"
run_daemon a "$BIN" "$LAB/a.conf"
run_daemon b "$BIN" "$LAB/b.conf"
wait_master a "$VIP" 0 12 || die "WEB1 never became master"
sleep 7 # the second GARP burst comes garp_master_delay (5 s) after the first
n0=$(master_count b)
crash_daemon a
t_crash=$(date +%s.%N)
wait_master b "$VIP" "$n0" 10 || log "WEB2 did not take over"
sleep 1
m0=$(master_count a)
run_daemon a "$BIN" "$LAB/a.conf"
wait_master a "$VIP" "$m0" 12 || log "WEB1 did not preempt back"
sleep 2
t_stop=$(date +%s.%N)
n0=$(master_count b)
stop_daemon a
wait_master b "$VIP" "$n0" 5 || log "WEB2 did not take over after SIGTERM"
sleep 1
capture_stop
cap="$LAB/seed.pcap"
ts() { tshark -r "$cap" -Y "$1" -T fields -e frame.time_epoch 2>/dev/null; }

# Adverts from WEB1 while master, before the crash.
all=$(ts "vrrp && ip.src==192.0.2.11 && vrrp.prio > 0 && frame.time_epoch < $t_crash" | wc -l)
good=$(ts "vrrp && ip.src==192.0.2.11 && frame.time_epoch < $t_crash && ip.ttl==255 && ip.dst==224.0.0.18 && vrrp.virt_rtr_id==50 && vrrp.prio==100 && vrrp.auth_type==1 && vrrp.auth_string==\"12345678\" && vrrp.checksum.status==1 && vrrp.ip_addr==$VIP && vrrp.adver_int==1" | wc -l)
log "WEB1 adverts before the crash: $all, of which as expected: $good"
check "WEB1's adverts are well formed (TTL, group, VRID, priority, PASS, checksum)" "[ $all -ge 8 ] && [ $good -eq $all ]"
if out=$(tshark -r "$cap" -Y 'vrrp && (_ws.expert.severity >= warning || _ws.malformed)' 2>/dev/null); then
  warn=$(printf '%s' "$out" | grep -c .)
else
  warn=tshark-failed
fi
check "no tshark expert warning on any VRRP packet" "[ '$warn' = 0 ]"

# Gratuitous ARPs from WEB1 at its first takeover: 5, then 5 more about 5 s later.
mapfile -t garps < <(ts "arp.opcode==1 && arp.src.proto_ipv4==$VIP && arp.dst.proto_ipv4==$VIP && eth.src==$mac_a && eth.dst==ff:ff:ff:ff:ff:ff && frame.time_epoch < $t_crash")
first=${garps[0]:-0}
burst1=0 burst2=0
for g in "${garps[@]}"; do
  d=$(awk -v g="$g" -v f="$first" 'BEGIN{print g - f}')
  if awk -v d="$d" 'BEGIN{exit !(d < 1)}'; then burst1=$((burst1 + 1));
  elif awk -v d="$d" 'BEGIN{exit !(d >= 4.9 && d < 6)}'; then burst2=$((burst2 + 1)); fi
done
log "GARPs at takeover: $burst1, about 5 s later: $burst2 (total ${#garps[@]})"
check "5 gratuitous ARPs at takeover and 5 more after 5 s" "[ $burst1 -eq 5 ] && [ $burst2 -eq 5 ] && [ ${#garps[@]} -eq 10 ]"

# Crash: WEB2 (priority 98): Master_Down_Interval = 3 + (256-98)/256 = 3.6172 s.
last_a=$(ts "vrrp && ip.src==192.0.2.11 && frame.time_epoch < $t_crash" | tail -1)
first_b=$(ts "vrrp && ip.src==192.0.2.12 && frame.time_epoch > $last_a" | head -1)
garp_b=$(ts "arp.src.proto_ipv4==$VIP && eth.src==$mac_b && frame.time_epoch > $last_a" | head -1)
gap=$(awk -v a="$first_b" -v b="$last_a" 'BEGIN{printf "%.4f", a - b}')
gap_vip=$(awk -v a="$garp_b" -v b="$last_a" 'BEGIN{printf "%.4f", a - b}')
log "after kill -9: WEB2's first advert ${gap}s, first GARP ${gap_vip}s after WEB1's last advert (bound 3.6172 + 0.05)"
check "failover after kill -9 within Master_Down_Interval + 50 ms" "within $gap 3.6672 && within $gap_vip 3.6672"

# SIGTERM: priority 0 → WEB2 after Skew_Time = (256-98)/256 = 0.6172 s.
zero=$(ts "vrrp && ip.src==192.0.2.11 && vrrp.prio==0 && frame.time_epoch > $t_stop" | head -1)
first_b=$(ts "vrrp && ip.src==192.0.2.12 && frame.time_epoch > ${zero:-0}" | head -1)
gap=$(awk -v a="$first_b" -v b="$zero" 'BEGIN{printf "%.4f", a - b}')
log "after SIGTERM: WEB2's first advert ${gap}s after WEB1's priority-0 advert (bound 0.6172 + 0.05)"
check "failover after SIGTERM within Skew_Time + 50 ms" "[ -n '$zero' ] && within $gap 0.6672"

[ "$fail" -eq 0 ] && echo "seed-wire: passed" || echo "seed-wire: FAILED"
exit "$fail"

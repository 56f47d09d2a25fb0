#!/usr/bin/env bash
# Capture golden packets from the REAL keepalived (2.2.7 on Debian) for the wire tests.
#
# Builds its own two network namespaces (unique prefix krsw-$$-), a veth pair created inside
# them, documentation addresses only (192.0.2.0/24, 2001:db8::/32, link-locals), runs one
# keepalived per namespace with its own config/pid files under a mktemp dir, captures with
# tcpdump inside namespace B, then splits the capture into small per-case pcaps in
# test/wire/. Every namespace and process it started is removed on exit (trap), even on
# failure. The host namespace is never touched: no host addresses, links, routes, sysctls.
#
# Usage: test/wire/capture.sh [OUTDIR]   (root; default OUTDIR = the directory of this script)
set -euo pipefail

OUT=${1:-$(cd "$(dirname "$0")" && pwd)}
KA=${KEEPALIVED:-/usr/sbin/keepalived}
for tool in ip tcpdump tshark editcap "$KA"; do
  command -v "$tool" >/dev/null || { echo "capture: missing $tool" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "capture: needs root (network namespaces)" >&2; exit 1; }

P="krsw-$$"
NSA="$P-a"
NSB="$P-b"
TMP=$(mktemp -d /tmp/krsw-capture.XXXXXX)
PIDS=()

cleanup() {
  set +e
  # Stop only what we started, by PID.
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.3; done
    kill -9 "$pid" 2>/dev/null
  done
  ip netns del "$NSA" 2>/dev/null
  ip netns del "$NSB" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

ip netns add "$NSA"
ip netns add "$NSB"
for ns in "$NSA" "$NSB"; do
  # Namespace-local sysctls only (a fresh namespace has its own copy): no DAD delay.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
  ip -n "$ns" link set lo up
done
# The veth pair is created inside namespace A and one end moved to B: nothing in the host.
ip -n "$NSA" link add vA address 02:00:00:00:00:0a type veth peer name vB address 02:00:00:00:00:0b
ip -n "$NSA" link set vB netns "$NSB"
ip -n "$NSA" addr add 192.0.2.1/24 dev vA
ip -n "$NSB" addr add 192.0.2.2/24 dev vB
ip -n "$NSA" link set vA up
ip -n "$NSB" link set vB up

# One config per side; A has the higher priority and becomes master of every instance.
write_conf() { # $1 = file, $2 = interface, $3 = priority, $4 = own addr, $5 = peer addr
  local f=$1 ifn=$2 prio=$3 me=$4 peer=$5
  cat >"$f" <<EOF
global_defs {
  router_id krsw
  vrrp_garp_master_delay 0
  vrrp_garp_master_repeat 1
}
vrrp_instance V2NONE {
  state BACKUP
  interface $ifn
  virtual_router_id 10
  priority $prio
  advert_int 1
  virtual_ipaddress {
    192.0.2.100/32
    192.0.2.101/32
  }
}
vrrp_instance V2PASS {
  state BACKUP
  interface $ifn
  virtual_router_id 11
  priority $prio
  advert_int 1
  authentication { auth_type PASS
                   auth_pass 1111 }
  virtual_ipaddress { 192.0.2.111/32 }
}
vrrp_instance V2AH {
  state BACKUP
  interface $ifn
  virtual_router_id 12
  priority $prio
  advert_int 1
  authentication { auth_type AH
                   auth_pass 12345678 }
  virtual_ipaddress { 192.0.2.112/32 }
}
vrrp_instance V3V4 {
  version 3
  state BACKUP
  interface $ifn
  virtual_router_id 13
  priority $prio
  advert_int 0.5
  virtual_ipaddress { 192.0.2.113/32 }
}
vrrp_instance V3V6 {
  version 3
  state BACKUP
  interface $ifn
  virtual_router_id 14
  priority $prio
  advert_int 1
  virtual_ipaddress {
    fe80::50/64
    2001:db8::50/64
  }
}
vrrp_instance V2UNI {
  state BACKUP
  interface $ifn
  virtual_router_id 15
  priority $prio
  advert_int 1
  unicast_src_ip $me
  unicast_peer { $peer }
  virtual_ipaddress { 192.0.2.115/32 }
}
vrrp_instance V3UNI {
  version 3
  state BACKUP
  interface $ifn
  virtual_router_id 16
  priority $prio
  advert_int 1
  unicast_ttl 64
  unicast_src_ip $me
  unicast_peer { $peer }
  virtual_ipaddress { 192.0.2.116/32 }
}
vrrp_instance V2UNIAH {
  state BACKUP
  interface $ifn
  virtual_router_id 17
  priority $prio
  advert_int 1
  unicast_ttl 77
  unicast_src_ip $me
  unicast_peer { $peer }
  authentication { auth_type AH
                   auth_pass secret }
  virtual_ipaddress { 192.0.2.117/32 }
}
EOF
}
write_conf "$TMP/a.conf" vA 200 192.0.2.1 192.0.2.2
write_conf "$TMP/b.conf" vB 100 192.0.2.2 192.0.2.1

ip netns exec "$NSB" tcpdump -q -n -U -s 2048 -i vB -w "$TMP/all.pcap" 2>"$TMP/tcpdump.log" &
PIDS+=($!)
sleep 1
start_ka() { # $1 = ns, $2 = tag
  ip netns exec "$1" "$KA" -n -l -D -P -f "$TMP/$2.conf" -p "$TMP/$2.pid" -r "$TMP/$2-vrrp.pid" \
    >"$TMP/$2.log" 2>&1 &
  PIDS+=($!)
}
start_ka "$NSB" b
start_ka "$NSA" a
# A waits one master-down interval (~3.2 s at priority 200), then advertises.
sleep 8
# Stop keepalived A (by PID) first: its priority-0 adverts are captured too.
kill "${PIDS[2]}"
sleep 2

if [ ! -s "$TMP/all.pcap" ]; then
  echo "capture: nothing captured" >&2
  cat "$TMP"/*.log >&2
  exit 1
fi

# keep FILTER NAME [N]: the first N (default 3) packets matching a display filter.
keep() {
  local filter=$1 name=$2 n=${3:-3}
  tshark -r "$TMP/all.pcap" -Y "$filter" -w "$TMP/$name.tmp" 2>/dev/null
  editcap -r -F pcap "$TMP/$name.tmp" "$OUT/$name.pcap" "1-$n" >/dev/null
  local got
  got=$(tshark -r "$OUT/$name.pcap" 2>/dev/null | wc -l)
  [ "$got" -ge 1 ] || { echo "capture: no packet for $name ($filter)" >&2; exit 1; }
  echo "capture: $name.pcap: $got packet(s)"
}
A4='ip.src == 192.0.2.1'
keep "$A4 && vrrp.virt_rtr_id == 10 && vrrp.prio != 0" v2-none
keep "$A4 && vrrp.virt_rtr_id == 11 && vrrp.prio != 0" v2-pass
keep "$A4 && ah && vrrp.virt_rtr_id == 12 && vrrp.prio != 0" v2-ah
keep "$A4 && vrrp.virt_rtr_id == 13 && vrrp.prio != 0" v3-ipv4
keep "ipv6 && vrrp.virt_rtr_id == 14 && vrrp.prio != 0 && eth.src == 02:00:00:00:00:0a" v3-ipv6
keep "$A4 && vrrp.virt_rtr_id == 15 && vrrp.prio != 0" v2-unicast
keep "$A4 && vrrp.virt_rtr_id == 16 && vrrp.prio != 0" v3-unicast
keep "$A4 && ah && vrrp.virt_rtr_id == 17 && vrrp.prio != 0" v2-unicast-ah
keep "$A4 && vrrp.prio == 0" prio0 8
keep "arp && eth.src == 02:00:00:00:00:0a && arp.src.proto_ipv4 == 192.0.2.100" garp 1
keep "icmpv6.type == 136 && eth.src == 02:00:00:00:00:0a" na 2

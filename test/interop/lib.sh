# Shared helpers for mixed clusters: keepalived-rs and Debian's keepalived 2.2.7 side by side.
# Sourced by test/interop/t-*.sh and bench/*.sh.
#
# Topology: a switch namespace "$P-sw" holding bridge br0; one namespace per node
# ("$P-a", "$P-b", ...) joined to it by a veth pair. Addresses: 192.0.2.11, .12, .13 /24 and
# 2001:db8::11, ... /64; the VIP is 192.0.2.100 (2001:db8::100 for IPv6).
# Everything is created under the unique prefix $P and removed by lab_cleanup (trap EXIT).
# Nothing is done in the host namespace. Processes are killed by PID only.

set -uo pipefail

P=${P:-kri$$}
# Not under /tmp: keepalived runs with a private /tmp (its dump files have fixed names).
LAB=$(mktemp -d "/var/tmp/$P.XXXX")
KEEPALIVED=${KEEPALIVED:-/usr/sbin/keepalived}
declare -a LAB_NS=() LAB_PIDS=()

log() { printf '%s %s\n' "$(date +%T.%3N)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

lab_cleanup() {
  local pid ns
  for pid in "${LAB_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  sleep 0.3
  for pid in "${LAB_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  for ns in "${LAB_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  if [ -n "${KEEP_LAB:-}" ]; then log "lab files kept in $LAB"; else rm -rf "$LAB"; fi
}

# lab_up N: switch + N nodes (a, b, c...). Sets NODES=(a b ...).
lab_up() {
  local n=$1 i name
  ip netns add "$P-sw" || die "ip netns add"
  LAB_NS+=("$P-sw")
  ip -n "$P-sw" link add br0 type bridge
  ip -n "$P-sw" link set br0 up
  # Multicast snooping would hide 224.0.0.18 from ports that never sent an IGMP join.
  echo 0 | ip netns exec "$P-sw" tee /sys/class/net/br0/bridge/multicast_snooping >/dev/null
  NODES=()
  for ((i = 0; i < n; i++)); do
    name=$(printf "\\x$(printf %x $((97 + i)))")
    NODES+=("$name")
    ip netns add "$P-$name"
    LAB_NS+=("$P-$name")
    ip -n "$P-sw" link add "p$name" type veth peer name eth0 netns "$P-$name"
    ip -n "$P-sw" link set "p$name" master br0 up
    ip -n "$P-$name" link set lo up
    ip -n "$P-$name" addr add "192.0.2.$((11 + i))/24" dev eth0
    ip -n "$P-$name" addr add "2001:db8::$((11 + i))/64" dev eth0 nodad
    ip -n "$P-$name" link set eth0 up
  done
  # A client on the same segment.
  ip netns add "$P-cl"
  LAB_NS+=("$P-cl")
  ip -n "$P-sw" link add pcl type veth peer name eth0 netns "$P-cl"
  ip -n "$P-sw" link set pcl master br0 up
  ip -n "$P-cl" link set lo up
  ip -n "$P-cl" addr add 192.0.2.50/24 dev eth0
  ip -n "$P-cl" link set eth0 up
}

node_ip() { local i; i=$(($(printf '%d' "'$1") - 97)); echo "192.0.2.$((11 + i))"; }
node_ip6() { local i; i=$(($(printf '%d' "'$1") - 97)); echo "2001:db8::$((11 + i))"; }

# Start a capture on the bridge: everything VRRP/AH/ARP/IGMP and IPv6, with timestamps. Sets
# CAP_PID. Returns once tcpdump says it is listening (bounded, 3 s). Immediate mode: each
# packet reaches the file when it is seen, not when libpcap's 1 s buffer timeout expires, so a
# caller can wait for a packet in the file and stop the capture right after it.
capture_start() {
  local file=$1 n c i
  n=$(grep -c 'listening on' "$LAB/tcpdump.err" 2>/dev/null)
  ip netns exec "$P-sw" tcpdump -i br0 --immediate-mode -U -n -w "$file" \
    'ip proto 112 or ip proto 51 or igmp or arp or ip6' >/dev/null 2>>"$LAB/tcpdump.err" &
  CAP_PID=$!
  LAB_PIDS+=("$CAP_PID")
  for ((i = 0; i < 150; i++)); do
    c=$(grep -c 'listening on' "$LAB/tcpdump.err" 2>/dev/null)
    [ "${c:-0}" -gt "${n:-0}" ] && break
    sleep 0.02
  done
}
capture_stop() { kill -INT "$CAP_PID" 2>/dev/null; wait "$CAP_PID" 2>/dev/null; }

# run_daemon NODE IMPL CONF: IMPL is "ka" (keepalived) or a path to keepalived-rs.
# keepalived gets its own mount namespace with a private /tmp so its dumps don't collide.
# Sets PID_<node> (the process to signal) and writes the log to $LAB/<node>.log.
run_daemon() {
  local node=$1 impl=$2 conf=$3 pid
  local logf="$LAB/$node.log" pidf="$LAB/$node.pid" vpidf="$LAB/$node.vrrp.pid"
  rm -f "$pidf" "$vpidf"
  if [ "$impl" = ka ]; then
    ip netns exec "$P-$node" unshare -m sh -c \
      "mount -t tmpfs tmpfs /tmp && exec $KEEPALIVED -n -l -D -P -f $conf -p $pidf -r $vpidf" \
      >>"$logf" 2>&1 &
  else
    mkdir -p "$LAB/$node.tmp"
    ip netns exec "$P-$node" env TMPDIR="$LAB/$node.tmp" "$impl" -n -l -D -f "$conf" -p "$pidf" -r "$vpidf" \
      >>"$logf" 2>&1 &
  fi
  pid=$!
  LAB_PIDS+=("$pid")
  printf -v "PID_$node" '%s' "$pid"
  printf -v "IMPL_$node" '%s' "$impl"
}

daemon_pid() { local v="PID_$1"; echo "${!v}"; }

# Wait (bounded) until NODE owns ADDR. Returns 0 when it does.
wait_vip() {
  local node=$1 addr=$2 secs=${3:-15} i
  for ((i = 0; i < secs * 20; i++)); do
    has_vip "$node" "$addr" && return 0
    sleep 0.05
  done
  return 1
}

# How many times NODE's log says it entered MASTER (same text from both implementations).
master_count() { grep -c 'Entering MASTER STATE' "$LAB/$1.log" 2>/dev/null || true; }

# Wait (bounded) until NODE has entered MASTER more than N0 times and owns ADDR.
wait_master() {
  local node=$1 addr=$2 n0=$3 secs=${4:-15} i
  for ((i = 0; i < secs * 20; i++)); do
    if [ "$(master_count "$node")" -gt "$n0" ] && has_vip "$node" "$addr"; then return 0; fi
    sleep 0.05
  done
  return 1
}

# Wait (bounded) until NODE no longer owns ADDR (a restarted daemon removes stale VIPs).
wait_no_vip() {
  local node=$1 addr=$2 secs=${3:-5} i
  for ((i = 0; i < secs * 20; i++)); do
    has_vip "$node" "$addr" || return 0
    sleep 0.05
  done
  return 1
}

# (Output captured first: with pipefail, `ip | grep -q` fails when grep exits on the first
# match and ip then dies of SIGPIPE writing the rest, which happens once there are several
# addresses.)
has_vip() { local a; a=$(ip -n "$P-$1" -o addr show dev eth0) && [[ $a == *" $2/"* ]]; }

# Exactly one of the running nodes owns ADDR; print it.
vip_owner() {
  local addr=$1 n owners=()
  for n in "${NODES[@]}"; do has_vip "$n" "$addr" && owners+=("$n"); done
  [ ${#owners[@]} -eq 1 ] || { echo "${owners[*]:-none}"; return 1; }
  echo "${owners[0]}"
}

# keepalived's stats file (SIGUSR2 to the parent; the VRRP child writes /tmp/keepalived.stats,
# which is the node's private /tmp: see run_daemon). The old file is removed first and the new
# one waited for (bounded), so a stale dump is never read.
ka_stats() {
  local node=$1 pid i; pid=$(daemon_pid "$node")
  nsenter -t "$pid" -m rm -f /tmp/keepalived.stats 2>/dev/null
  kill -USR2 "$pid" 2>/dev/null || return 1
  for ((i = 0; i < 40; i++)); do
    sleep 0.05
    nsenter -t "$pid" -m test -s /tmp/keepalived.stats 2>/dev/null && break
  done
  sleep 0.1
  nsenter -t "$pid" -m cat /tmp/keepalived.stats 2>/dev/null
}

# The lines keepalived 2.2.7 logs when it rejects a received advert (keepalived/vrrp/vrrp.c
# vrrp_check_packet, vrrp_in_chk_ipsecah, vrrp_packet and the receive path; B.4 of the
# reference doc). Each one is an extended regex that must match a format string in
# `strings $KEEPALIVED` (ka_bad_selfcheck), so a pattern for a text 2.2.7 does not have
# cannot hide in the list.
KA_BAD_LIST=(
  'Received AH header but auth type not AH'           # AH on one side only
  'No AH header but auth type is AH'
  'IPSEC-AH : invalid IPSEC HMAC-MD5 value'           # AH ICV (key or mutable fields)
  'IPSEC AH : invalid IPSEC SPI value'                # AH SPI is not the source address
  'sequence number .* already processed'              # AH sequence did not increase
  'packet too (long|short)'                           # "vrrp packet too long|short", "IPv4 VRRP packet too short"
  'ip_tot_len mismatch'                               # IPv4 total length vs received length
  'invalid TTL/HL'                                    # TTL/hop limit not 255 (multicast)
  'TTL/HL .* not in range'                            # unicast peer min_ttl/max_ttl
  'wrong version'                                     # VRRP version
  'Invalid auth type'                                 # v2 auth type not 0, 1 or 2
  'received a .* auth, expecting'                     # v2 auth type differs from ours
  'invalid passwd'                                    # v2 PASS
  'advertisement interval mismatch'                   # v2 advert_int differs
  'Invalid packet type'                               # type is not ADVERTISEMENT
  'unexpected ip number count'                        # naddr differs from our VIP count
  'expected .* VIPs but received'                     # same, in the VIP comparison
  'not present in MASTER advert'                      # a VIP of ours missing from the advert
  'Invalid VRRPv[23] checksum'                        # bad checksum (2.2.7 has no "invalid checksum" text)
  'Expected .*icast packet but received'              # multicast vs unicast mode
  'not a unicast peer'                                # unicast source not in unicast_peer
  'equal priority advert received from remote host'   # a peer sends with our own address
)
KA_BAD=$(IFS='|'; echo "${KA_BAD_LIST[*]}")

# Every pattern of KA_BAD_LIST matches a string of the keepalived binary under test.
ka_bad_selfcheck() {
  local s p rc=0
  s=$(strings "$KEEPALIVED") || die "strings $KEEPALIVED"
  for p in "${KA_BAD_LIST[@]}"; do
    grep -qE -- "$p" <<<"$s" || { log "KA_BAD pattern '$p' matches nothing in $KEEPALIVED"; rc=1; }
  done
  return $rc
}

# Check keepalived's log has none of those lines.
ka_log_clean() {
  local node=$1
  if grep -E "$KA_BAD" "$LAB/$node.log"; then return 1; fi
  return 0
}

# Non-zero error counters in a keepalived .stats text (Received/Sent/Became/Released are fine).
stats_errors() {
  awk '/Packet Errors:|Authentication Errors:/{e=1;next} /Priority Zero:/{e=0} e && $NF+0>0 {print}'
}

# Times (epoch seconds) of adverts in a capture from SRC, for VRID.
advert_times() {
  local file=$1 src=$2
  tshark -r "$file" -Y "vrrp && ip.src==$src" -T fields -e frame.time_epoch 2>/dev/null
}

# Generate a VRRP instance config. Variables: STATE PRIO VRID AUTH(none|PASS|AH) VERSION
# UNICAST("" or "src peer1 peer2") NOPREEMPT(0|1) FAMILY(4|6) INT (advert_int).
gen_conf() {
  local node=$1 out=$2
  local state=${STATE:-BACKUP} prio=${PRIO:-100} vrid=${VRID:-50} auth=${AUTH:-none}
  local version=${VERSION:-2} int=${INT:-1} fam=${FAMILY:-4}
  {
    echo "global_defs {"
    echo "    router_id $node"
    echo "    vrrp_version $version"
    [ "$fam" = 6 ] && echo "    vrrp_version 3"
    echo "}"
    echo "vrrp_instance VI_1 {"
    echo "    state $state"
    echo "    interface eth0"
    echo "    virtual_router_id $vrid"
    echo "    priority $prio"
    echo "    advert_int $int"
    [ "${NOPREEMPT:-0}" = 1 ] && echo "    nopreempt"
    if [ -n "${UNICAST:-}" ]; then
      set -- $UNICAST
      echo "    unicast_src_ip $1"; shift
      echo "    unicast_peer {"
      for p in "$@"; do echo "        $p"; done
      echo "    }"
    fi
    if [ "$auth" != none ]; then
      echo "    authentication {"
      echo "        auth_type $auth"
      echo "        auth_pass s3cret42"
      echo "    }"
    fi
    echo "    virtual_ipaddress {"
    if [ "$fam" = 6 ]; then echo "        2001:db8::100/64"; else echo "        192.0.2.100/32"; fi
    echo "    }"
    echo "}"
  } >"$out"
}

# Crash a node's daemon: SIGKILL to every process of it (keepalived's VRRP child first: it
# would otherwise see its parent die and stop gracefully, sending priority 0).
crash_daemon() {
  local node=$1 pid child
  pid=$(daemon_pid "$node")
  child=$(cat "$LAB/$node.vrrp.pid" 2>/dev/null)
  [ -n "$child" ] && [ "$child" != "$pid" ] && kill -KILL "$child" 2>/dev/null
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

# Stop a node's daemon gracefully (SIGTERM) and wait for it, bounded.
stop_daemon() {
  local node=$1 pid i
  pid=$(daemon_pid "$node")
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  wait "$pid" 2>/dev/null
  return 0
}

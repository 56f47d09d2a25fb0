#!/usr/bin/env bash
# Crafted VRRP packets against a running pair of our daemons (issue 11).
# A (MASTER 150) and B (BACKUP 100) run three instances on eth0: VI_PASS (VRID 51, PASS),
# VI_AH (VRID 52, AH) and VI_UNI (VRID 53, unicast with vrrp_check_unicast_src). A stranger X
# (192.0.2.66, no keys) sends each case of test/hostile/vrrpcraft.py N times to B; then
# B's SIGUSR2 stats must show the expected counter +N (or nothing for kernel-dropped cases),
# A keeps every VIP, B none, no state change is logged, and the drop log lines are rate
# limited (≤ 1 per second per reason). The frames are built with scapy; `vrrpcraft.py selftest`
# checks them first. Usage: t-crafted.sh path/to/keepalived-rs
set -u
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../netns/lib.sh"
CRAFT="python3 $here/vrrpcraft.py"
N=${N:-20}

# The frames are built with scapy (PyPI): no scapy is a failure, never a skip.
python3 -c 'import logging; logging.getLogger("scapy.runtime").setLevel(logging.ERROR); import scapy.layers.vrrp, scapy.layers.ipsec' ||
  lab_fail "scapy (PyPI) cannot be imported: run test/tools/install-deps.sh (python3 -m pip install scapy)"
# Each case's scapy-built frame read back field by field: the port cannot drift silently.
$CRAFT selftest || lab_fail "vrrpcraft.py selftest: the crafted frames are not what the cases need"

lab_init crafted
lab_node a 192.0.2.11/24
lab_node b 192.0.2.12/24
lab_node x 192.0.2.66/24

conf() { # conf NAME STATE PRIO SRC PEER
  cat >"$LAB_DIR/$1.conf" <<EOC
global_defs {
    vrrp_check_unicast_src
}
vrrp_instance VI_PASS {
    state $2
    interface eth0
    virtual_router_id 51
    priority $3
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass secret12
    }
    virtual_ipaddress {
        192.0.2.100
    }
}
vrrp_instance VI_AH {
    state $2
    interface eth0
    virtual_router_id 52
    priority $3
    advert_int 1
    authentication {
        auth_type AH
        auth_pass ahsecret
    }
    virtual_ipaddress {
        192.0.2.101
    }
}
vrrp_instance VI_UNI {
    state $2
    interface eth0
    virtual_router_id 53
    priority $3
    advert_int 1
    unicast_src_ip $4
    unicast_peer {
        $5
    }
    virtual_ipaddress {
        192.0.2.102
    }
}
EOC
  mkdir -p "$LAB_DIR/tmp-$1"
}
conf a MASTER 150 192.0.2.11 192.0.2.12
conf b BACKUP 100 192.0.2.12 192.0.2.11
start() {
  lab_run "$1" "$LAB_DIR/$1.log" env TMPDIR="$LAB_DIR/tmp-$1" "$BIN" -n -l -D \
    -f "$LAB_DIR/$1.conf" -p "$LAB_DIR/$1.pid" -r "$LAB_DIR/$1_vrrp.pid"
  eval "PID_$1=$LAB_LAST_PID"
}
dump_logs() { for f in "$LAB_DIR"/[ab].log; do echo "--- $f"; tail -n 30 "$f"; done; }
trap 'rc=$?; [ $rc -ne 0 ] && dump_logs; lab_cleanup; exit $rc' EXIT

all_on_a() { lab_has_addr a 192.0.2.100 && lab_has_addr a 192.0.2.101 && lab_has_addr a 192.0.2.102; }
none_on_b() { ! lab_has_addr b 192.0.2.100 && ! lab_has_addr b 192.0.2.101 && ! lab_has_addr b 192.0.2.102; }
SIG_JSON=$(($(kill -l RTMIN) + 2))
stats() { # stats NAME → JSON on stdout: .stats keys, plus the JSON dump's as "json/<key>"
  rm -f "$LAB_DIR/tmp-$1/keepalived.stats" "$LAB_DIR/tmp-$1/keepalived.json"
  eval "kill -USR2 \$PID_$1; kill -$SIG_JSON \$PID_$1"
  lab_wait 3 test -s "$LAB_DIR/tmp-$1/keepalived.stats" >/dev/null || lab_fail "no stats from $1"
  lab_wait 3 test -s "$LAB_DIR/tmp-$1/keepalived.json" >/dev/null || lab_fail "no JSON from $1"
  sleep 0.1
  python3 -c '
import json, sys
st = json.loads(sys.argv[1])
for e in json.load(open(sys.argv[2])):
    for k, v in e["stats"].items():
        st.setdefault(e["data"]["iname"], {})["json/" + k] = v
print(json.dumps(st))' "$($CRAFT stats "$LAB_DIR/tmp-$1/keepalived.stats")" "$LAB_DIR/tmp-$1/keepalived.json"
}
# delta BEFORE AFTER INST KEY → after-before
delta() { python3 -c 'import json,sys; b=json.loads(sys.argv[1]); a=json.loads(sys.argv[2]); print(a[sys.argv[3]][sys.argv[4]]-b[sys.argv[3]][sys.argv[4]])' "$@"; }

start a
start b
lab_wait 15 all_on_a >/dev/null || lab_fail "A never became master of the three instances"
lab_wait 5 none_on_b >/dev/null || lab_fail "B holds a VIP"
sleep 2
MAC_B=$(cat "/sys/class/net/eth0/address" 2>/dev/null; ip netns exec "$LAB-b" cat /sys/class/net/eth0/address)
MAC_B=$(echo "$MAC_B" | tail -n1)
MCAST=01:00:5e:00:00:12
trans_a0=$(grep -c 'Entering' "$LAB_DIR/a.log")
trans_b0=$(grep -c 'Entering' "$LAB_DIR/b.log")
lines_b0=$(wc -l <"$LAB_DIR/b.log")
: >"$LAB_DIR/table"

# case INSTANCE KEY(or -) [DST_MAC] : send N of CASE, check B's counter and the state.
check_case() {
  local case=$1 inst=$2 key=$3 dmac=${4:-$MCAST} maxlog=${5:-4} want_line=${6:-} before after d l0 l1
  before=$(stats b)
  l0=$(wc -l <"$LAB_DIR/b.log")
  if [ "$case" = ah_replay ]; then
    ip netns exec "$LAB-x" $CRAFT replay eth0 "$N" 3 >/dev/null || lab_fail "$case: no AH advert to replay"
  else
    ip netns exec "$LAB-x" $CRAFT send eth0 "$dmac" "$case" "$N" || lab_fail "$case: send failed"
  fi
  sleep 0.3
  after=$(stats b)
  l1=$(wc -l <"$LAB_DIR/b.log")
  all_on_a || lab_fail "$case: A lost a VIP"
  none_on_b || lab_fail "$case: B took a VIP"
  kill -0 "$PID_a" && kill -0 "$PID_b" || lab_fail "$case: a daemon died"
  d=0
  if [ "$key" != - ]; then
    d=$(delta "$before" "$after" "$inst" "$key")
    # ipopts: a valid advert; A answers each with its own advert (B counts those too).
    if [ "$case" = ipopts ]; then [ "$d" -ge "$N" ]; else [ "$d" = "$N" ]; fi ||
      lab_fail "$case: $inst $key +$d, want +$N"
  fi
  local logs=$((l1 - l0)) sample
  sample=$(sed -n "$((l0 + 1)),\$p" "$LAB_DIR/b.log" | grep -v -e 'stats' -e 'Printing' -e 'Writing' -e 'json' | head -n1 | cut -c1-110)
  if [ -n "$want_line" ]; then
    case $sample in *"$want_line"*) ;; *) lab_fail "$case: no '$want_line' line (got: ${sample:-none})" ;; esac
  fi
  [ "$logs" -le "$maxlog" ] || lab_fail "$case: $logs log lines for $N packets (not rate limited)"
  lab_log "$case: sent $N, $inst ${key} +$d, log lines +$logs: ${sample:-(none)}"
  printf '%s|%s|%s|+%s|%s|%s\n' "$case" "$N" "$inst" "$d" "$logs" "${sample:-(none)}" >>"$LAB_DIR/table"
}

# case INSTANCE COUNTER [DST_MAC MAX_LOG_LINES EXPECTED_LINE]
check_case ttl VI_PASS 'Packet Errors/TTL' $MCAST 4 'invalid TTL/HL. Received 64 and expect 255'
check_case cksum VI_PASS 'json/checksum_err' $MCAST 4 'Invalid VRRPv2 checksum'
check_case version VI_PASS 'Packet Errors/Length' $MCAST 4 'vrrp packet too long, length 40 and expect 32'
check_case type VI_PASS 'Packet Errors/Invalid Type' $MCAST 4 'Invalid packet type. 2 and expect 1'
check_case trunc VI_PASS -
check_case naddr VI_PASS 'Packet Errors/Length' $MCAST 4 'vrrp packet too short, length 40 and expect 116'
check_case vrid VI_PASS -
check_case pass VI_PASS 'Authentication Errors/Failure' $MCAST 4 'received an invalid passwd!'
check_case ah_icv VI_AH 'Authentication Errors/Failure' $MCAST 4 'IPSEC-AH : invalid IPSEC HMAC-MD5 value'
check_case ah_replay VI_AH 'Authentication Errors/Failure' $MCAST 4 'already processed. Packet dropped.'
check_case interval VI_PASS 'Packet Errors/Advertisement Interval' $MCAST 4 "advertisement interval mismatch mine=1 sec rcv'd=2 sec"
sleep 1.1 # the same reasons (auth failure) as 'pass' and 'ah_icv' again: let the rate-limit window pass
check_case spoof255_pass VI_PASS 'Authentication Errors/Failure' $MCAST 4 'received an invalid passwd!'
check_case spoof255_ah VI_AH 'Authentication Errors/Failure' $MCAST 4 'IPSEC-AH : invalid IPSEC HMAC-MD5 value'
check_case unicast_src VI_UNI 'json/unicast_src_err' "$MAC_B" 4 'unicast source address 192.0.2.66 not a unicast peer'
check_case frag VI_PASS -
check_case ipopts VI_PASS 'Advertisements/Received' $MCAST 99 # a valid advert (as keepalived): counted, ignored

# The same stranger packets at A (the master): it must stay master.
ip netns exec "$LAB-x" $CRAFT send eth0 $MCAST spoof255_pass "$N"
ip netns exec "$LAB-x" $CRAFT send eth0 $MCAST spoof255_ah "$N"
sleep 1
all_on_a || lab_fail "A lost a VIP to a keyless priority-255 spoof"
[ "$(grep -c 'Entering' "$LAB_DIR/a.log")" = "$trans_a0" ] || lab_fail "A changed state"
[ "$(grep -c 'Entering' "$LAB_DIR/b.log")" = "$trans_b0" ] || lab_fail "B changed state"
# No secret in the logs (the -D detail level included) nor in any dump (.data, .stats, .json).
kill -USR1 "$PID_a"; kill -USR1 "$PID_b"; kill -$SIG_JSON "$PID_a"
lab_wait 3 test -s "$LAB_DIR/tmp-a/keepalived.data" >/dev/null || lab_fail "no .data dump from A"
lab_wait 3 test -s "$LAB_DIR/tmp-b/keepalived.data" >/dev/null || lab_fail "no .data dump from B"
sleep 0.2
grep -rl -e secret12 -e ahsecret "$LAB_DIR"/[ab].log "$LAB_DIR"/tmp-a "$LAB_DIR"/tmp-b &&
  lab_fail "a key appears in a log or a dump"
cp "$LAB_DIR/table" "${HOSTILE_OUT:-/tmp}/hostile-crafted-table.txt" 2>/dev/null
lab_log "PASS: $(wc -l <"$LAB_DIR/table") crafted cases dropped/ignored, no state change, log lines rate limited"

#!/usr/bin/env bash
# Interface faults (issue 11): the interface's own address removed and the interface deleted
# and recreated, first under keepalived 2.2.7 (when installed) and then under ours; A's state
# transitions must be the same sequence for both.
#
# A is the node under test (VRID 51, priority 100, BACKUP); B is our daemon as the witness
# (priority 150, MASTER). Phases, each bounded:
#   addr_backup   A's 192.0.2.x/24 removed → A FAULT; put back → A BACKUP, and stays BACKUP
#                 4.5 s (it still hears B: a deaf A would take over after ~3.6 s)
#   link_backup   A's eth0 deleted → A FAULT; a new eth0 (new ifindex) with the address → A
#                 BACKUP and stays BACKUP 4.5 s (it hears B on the new interface)
#   stop_b        B stopped (priority 0) → A MASTER with the VIP
#   addr_master   A's address removed → A FAULT and the VIP leaves; put back → A MASTER again
#                 with the VIP, and its adverts reach B's namespace
#   link_master   A's eth0 deleted → FAULT; recreated → MASTER with the VIP on the new eth0,
#                 adverts on the wire
#   second_addr   A gets a second address in the same /24 (promote_secondaries on, so the
#                 kernel keeps it when the first goes); A's first address removed → no FAULT
#                 (keepalived takes the interface's other address), A stays MASTER with the
#                 VIP, and its adverts now come from the second address, none from the first
#   vip_deleted   B back as a priority-50 BACKUP; A's VIP deleted by hand (`ip addr del`) → A
#                 BACKUP and MASTER again with the VIP (keepalived's set_vrrp_backup: down
#                 timer Skew_Time); B stays BACKUP. A's log lines from the deletion on and the
#                 number of priority-0 adverts B heard must be the same as under keepalived
# Usage: t-iface-faults.sh path/to/keepalived-rs   (KA_COMPARE=0 skips keepalived)
set -u
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../netns/lib.sh"
CRAFT="python3 $here/vrrpcraft.py"
KEEPALIVED=${KEEPALIVED:-/usr/sbin/keepalived}
lab_init iface
dump_logs() { for f in "$LAB_DIR"/*.log; do echo "--- $f"; tail -n 25 "$f"; done; }
trap 'rc=$?; [ $rc -ne 0 ] && dump_logs; lab_cleanup; exit $rc' EXIT
out=${HOSTILE_OUT:-/tmp}/hostile-iface.txt
: >"$out"

conf() { # conf FILE STATE PRIO VRID VIP
  cat >"$1" <<EOC
vrrp_instance VI_1 {
    state $2
    interface eth0
    virtual_router_id $4
    priority $3
    advert_int 1
    virtual_ipaddress {
        $5/32
    }
}
EOC
}

# link_new NODE ADDR: a fresh veth pair to the bridge (the node's end is eth0), addressed, up.
link_new() {
  local port="p-$1"
  ip -n "$LAB-br" link add "$port" type veth peer name eth0 netns "$LAB-$1" || lab_fail "veth for $1"
  ip -n "$LAB-br" link set "$port" master br0 up
  ip -n "$LAB-$1" addr add "$2" dev eth0
  ip -n "$LAB-$1" link set eth0 up
}

# run_seq IMPL A B A_ADDR B_ADDR VRID VIP: the whole sequence; A's transitions → seq.IMPL
run_seq() {
  local impl=$1 a=$2 b=$3 aaddr=$4 baddr=$5 vrid=$6 vip=$7 alog pa pb t n
  lab_node "$a" "$aaddr/24"
  lab_node "$b" "$baddr/24"
  conf "$LAB_DIR/$a.conf" BACKUP 100 "$vrid" "$vip"
  conf "$LAB_DIR/$b.conf" MASTER 150 "$vrid" "$vip"
  alog="$LAB_DIR/$a.log"
  mkdir -p "$LAB_DIR/tmp-$a" "$LAB_DIR/tmp-$b"
  if [ "$impl" = ka ]; then
    lab_run "$a" "$alog" "$KEEPALIVED" -n -l -D -P -f "$LAB_DIR/$a.conf" \
      -p "$LAB_DIR/$a.pid" -r "$LAB_DIR/$a.vrrp.pid"
  else
    lab_run "$a" "$alog" env TMPDIR="$LAB_DIR/tmp-$a" "$BIN" -n -l -D -f "$LAB_DIR/$a.conf" \
      -p "$LAB_DIR/$a.pid" -r "$LAB_DIR/$a.vrrp.pid"
  fi
  pa=$LAB_LAST_PID
  lab_run "$b" "$LAB_DIR/$b.log" env TMPDIR="$LAB_DIR/tmp-$b" "$BIN" -n -l -D -f "$LAB_DIR/$b.conf" \
    -p "$LAB_DIR/$b.pid" -r "$LAB_DIR/$b.vrrp.pid"
  pb=$LAB_LAST_PID
  lab_wait 10 lab_has_addr "$b" "$vip" >/dev/null || lab_fail "$impl: B never became master"
  lab_wait 10 grep -q 'Entering BACKUP' "$alog" >/dev/null || lab_fail "$impl: A never became backup"
  entered() { grep -c "Entering $1 STATE" "$alog"; }
  # wait_state STATE N SECS: A entered STATE more than N times
  wait_state() { lab_wait "$3" bash -c "[ \$(grep -c 'Entering $1 STATE' '$alog') -gt $2 ]"; }
  alive() { kill -0 "$pa" 2>/dev/null || lab_fail "$impl: A died ($1)"; }
  note() { lab_log "$impl: $*"; echo "$impl: $*" >>"$out"; }

  # 1. own address removed while BACKUP
  n=$(entered FAULT)
  ip -n "$LAB-$a" addr del "$aaddr/24" dev eth0
  t=$(wait_state FAULT "$n" 5) || lab_fail "$impl: no FAULT after the address was removed"
  n=$(entered BACKUP)
  ip -n "$LAB-$a" addr add "$aaddr/24" dev eth0
  t2=$(wait_state BACKUP "$n" 5) || lab_fail "$impl: not BACKUP after the address came back"
  sleep 4.5
  lab_has_addr "$a" "$vip" && lab_fail "$impl: A took the VIP (deaf after the address came back)"
  lab_has_addr "$b" "$vip" || lab_fail "$impl: B lost the VIP"
  alive addr_backup
  note "addr_backup: FAULT after ${t} ms, BACKUP ${t2} ms after the address came back, stayed BACKUP"

  # 2. interface deleted and recreated while BACKUP
  n=$(entered FAULT)
  ip -n "$LAB-$a" link del eth0
  t=$(wait_state FAULT "$n" 5) || lab_fail "$impl: no FAULT after eth0 was deleted"
  sleep 1
  n=$(entered BACKUP)
  link_new "$a" "$aaddr/24"
  t2=$(wait_state BACKUP "$n" 8) || lab_fail "$impl: not BACKUP after eth0 was recreated"
  sleep 4.5
  lab_has_addr "$a" "$vip" && lab_fail "$impl: A took the VIP (deaf on the new eth0)"
  lab_has_addr "$b" "$vip" || lab_fail "$impl: B lost the VIP"
  alive link_backup
  note "link_backup: FAULT after ${t} ms, BACKUP ${t2} ms after the new eth0, stayed BACKUP"

  # 3. B stops: A takes over
  kill -TERM "$pb"
  t=$(lab_wait 8 lab_has_addr "$a" "$vip") || lab_fail "$impl: A did not take over from a stopped B"
  note "stop_b: A MASTER with the VIP after ${t} ms"

  # 4. own address removed while MASTER
  n=$(entered FAULT)
  ip -n "$LAB-$a" addr del "$aaddr/24" dev eth0
  t=$(wait_state FAULT "$n" 5) || lab_fail "$impl: MASTER: no FAULT after the address was removed"
  lab_wait 3 bash -c "! ip -n $LAB-$a -br addr | grep -qw $vip" >/dev/null ||
    lab_fail "$impl: the VIP stayed in FAULT"
  n=$(entered MASTER)
  ip -n "$LAB-$a" addr add "$aaddr/24" dev eth0
  t2=$(wait_state MASTER "$n" 8) || lab_fail "$impl: not MASTER again after the address came back"
  lab_wait 3 lab_has_addr "$a" "$vip" >/dev/null || lab_fail "$impl: no VIP after the address came back"
  c=$(ip netns exec "$LAB-$b" $CRAFT count eth0 "$aaddr" 2.5)
  [ "${c%% *}" -ge 2 ] || lab_fail "$impl: A's adverts do not reach the wire ($c)"
  alive addr_master
  note "addr_master: FAULT after ${t} ms (VIP removed), MASTER ${t2} ms after the address came back; adverts seen in 2.5 s: ${c%% *}"

  # 5. interface deleted and recreated while MASTER
  n=$(entered FAULT)
  ip -n "$LAB-$a" link del eth0
  t=$(wait_state FAULT "$n" 5) || lab_fail "$impl: MASTER: no FAULT after eth0 was deleted"
  sleep 1
  n=$(entered MASTER)
  link_new "$a" "$aaddr/24"
  t2=$(wait_state MASTER "$n" 10) || lab_fail "$impl: not MASTER again on the new eth0"
  lab_wait 3 lab_has_addr "$a" "$vip" >/dev/null || lab_fail "$impl: no VIP on the new eth0"
  c=$(ip netns exec "$LAB-$b" $CRAFT count eth0 "$aaddr" 2.5)
  [ "${c%% *}" -ge 2 ] || lab_fail "$impl: A's adverts do not reach the wire from the new eth0 ($c)"
  alive link_master
  note "link_master: FAULT after ${t} ms, MASTER ${t2} ms after the new eth0; adverts seen in 2.5 s: ${c%% *}"

  # 6. the first address removed while another remains
  a2="${aaddr%.*}.$((${aaddr##*.} + 20))"
  ip netns exec "$LAB-$a" sysctl -qw net.ipv4.conf.eth0.promote_secondaries=1
  ip -n "$LAB-$a" addr add "$a2/24" dev eth0
  n=$(entered FAULT)
  ip -n "$LAB-$a" addr del "$aaddr/24" dev eth0
  ip -n "$LAB-$a" -br addr show dev eth0 | grep -qw "$a2" || lab_fail "$impl: the kernel dropped $a2 too"
  sleep 2
  [ "$(entered FAULT)" -eq "$n" ] || lab_fail "$impl: FAULT although $a2 remains"
  lab_has_addr "$a" "$vip" || lab_fail "$impl: the VIP left with the first address"
  c=$(ip netns exec "$LAB-$b" $CRAFT count eth0 "$a2" 2.5)
  [ "${c%% *}" -ge 2 ] || lab_fail "$impl: no adverts from the remaining address $a2 ($c)"
  c1=$(ip netns exec "$LAB-$b" $CRAFT count eth0 "$aaddr" 1.5)
  [ "${c1%% *}" -eq 0 ] || lab_fail "$impl: adverts still from the removed $aaddr ($c1)"
  alive second_addr
  note "second_addr: no FAULT, adverts from $a2 in 2.5 s: ${c%% *}, from $aaddr: ${c1%% *}"

  # 7. the VIP deleted by hand while MASTER, with B back as a lower-priority peer
  conf "$LAB_DIR/$b-low.conf" BACKUP 50 "$vrid" "$vip"
  blog="$LAB_DIR/$b-low.log"
  lab_run "$b" "$blog" env TMPDIR="$LAB_DIR/tmp-$b" "$BIN" -n -l -D -f "$LAB_DIR/$b-low.conf" \
    -p "$LAB_DIR/$b.pid" -r "$LAB_DIR/$b.vrrp.pid"
  pb=$LAB_LAST_PID
  lab_wait 5 grep -q 'Entering BACKUP' "$blog" >/dev/null || lab_fail "$impl: B (priority 50) never became backup"
  sleep 1.2 # B hears at least one advert from A
  nb=$(entered BACKUP)
  nm=$(entered MASTER)
  l0=$(wc -l <"$alog")
  ip -n "$LAB-$a" addr del "$vip/32" dev eth0 || lab_fail "$impl: could not delete the VIP"
  t=$(lab_wait 6 lab_has_addr "$a" "$vip") || lab_fail "$impl: the VIP deleted by hand never came back"
  sleep 2 # settle: A stays MASTER, B stays BACKUP
  lab_has_addr "$a" "$vip" || lab_fail "$impl: the VIP left again"
  lab_has_addr "$b" "$vip" && lab_fail "$impl: B took the VIP while A's was deleted"
  grep -q 'Entering MASTER' "$blog" && lab_fail "$impl: B became MASTER while A's VIP was deleted"
  alive vip_deleted
  nb=$(($(entered BACKUP) - nb))
  nm=$(($(entered MASTER) - nm))
  # A's log lines from the deletion on, without timestamps, the VIP as "VIP" and the per-GARP
  # lines (their count follows garp_master_repeat timing): compared with keepalived's below.
  tail -n +"$((l0 + 1))" "$alog" | grep -v 'gratuitous ARP on' |
    sed -E 's/^([A-Z][a-z]{2} [A-Z][a-z]{2} +[0-9]+ )?[0-9:.]{8,} ([0-9]{4}: )?//' |
    sed "s/$vip/VIP/g" >"$LAB_DIR/vipdel.$impl"
  sed "s/^/$impl: vip_deleted: A: /" "$LAB_DIR/vipdel.$impl" >>"$out"
  p0=$(grep -c 'Backup received priority 0 advertisement' "$blog")
  echo "$p0" >"$LAB_DIR/p0.$impl"
  note "vip_deleted: VIP back after ${t} ms; A entered BACKUP ${nb}x, MASTER ${nm}x; B stayed BACKUP and heard ${p0} priority-0 advert(s)"
  kill -TERM "$pb"
  lab_wait 5 bash -c "! kill -0 $pb 2>/dev/null" >/dev/null || lab_fail "$impl: B did not stop"

  grep -o 'Entering [A-Z]* STATE' "$alog" | awk '{print $2}' | tr '\n' ' ' >"$LAB_DIR/seq.$impl"
  kill -TERM "$pa"
  lab_wait 5 bash -c "! kill -0 $pa 2>/dev/null" >/dev/null || lab_fail "$impl: A did not stop"
  note "transitions of A: $(cat "$LAB_DIR/seq.$impl")"
}

impls=()
if [ "${KA_COMPARE:-1}" != 0 ] && [ -x "$KEEPALIVED" ]; then impls+=(ka); fi
impls+=(rs)
for impl in "${impls[@]}"; do
  if [ "$impl" = ka ]; then
    run_seq ka ka-a ka-b 192.0.2.11 192.0.2.12 51 192.0.2.100
  else
    run_seq rs rs-a rs-b 192.0.2.21 192.0.2.22 52 192.0.2.101
  fi
done
if [ -f "$LAB_DIR/seq.ka" ]; then
  [ "$(cat "$LAB_DIR/seq.ka")" = "$(cat "$LAB_DIR/seq.rs")" ] ||
    lab_fail "transitions differ: keepalived: $(cat "$LAB_DIR/seq.ka") / ours: $(cat "$LAB_DIR/seq.rs")"
  diff "$LAB_DIR/vipdel.ka" "$LAB_DIR/vipdel.rs" >"$LAB_DIR/vipdel.diff" ||
    lab_fail "vip_deleted: A's log differs from keepalived's (< keepalived, > ours): $(cat "$LAB_DIR/vipdel.diff")"
  [ "$(cat "$LAB_DIR/p0.ka")" = "$(cat "$LAB_DIR/p0.rs")" ] ||
    lab_fail "vip_deleted: B heard $(cat "$LAB_DIR/p0.ka") priority-0 advert(s) from keepalived, $(cat "$LAB_DIR/p0.rs") from ours"
  lab_log "PASS: same transitions as keepalived 2.2.7: $(cat "$LAB_DIR/seq.rs")"
else
  lab_log "PASS (no comparison: keepalived not run)"
fi

#!/usr/bin/env bash
# Netlink overrun (issue 11): notifications lost to ENOBUFS on the monitor socket must not
# leave the daemon with a wrong view of its interface. keepalived 2.2.7 only logs the overrun
# (keepalived_netlink.c, netlink_parse_info); we re-read links and addresses and feed what
# changed to the notification handler. Ours only: keepalived would not pass.
#
# A (our daemon, MASTER with VIP 192.0.2.110, on eth0 with 192.0.2.31/24) is stopped with
# SIGSTOP; 2 x N address changes on a veth of its namespace (no dummy module needed) fill its monitor
# socket's buffer; then, their notifications lost, A's VIP is deleted by someone else and
# A's address is replaced by 192.0.2.51/24. After SIGCONT A must log the overrun and the
# re-read, leave MASTER for the deleted VIP and take it back (as on a real notification),
# and send its adverts from 192.0.2.51 (seen from B's namespace).
#
# ENOBUFS is provoked, not assumed: when the flood did not overrun the buffer (the log says
# so), the test reports SKIP for the overrun part instead of failing, and still checks that
# the view is right (the notifications then arrived).
# Given a binary built with --features alloc-audit, it also checks that nothing was allocated
# after start-up.
# Usage: t-netlink-overrun.sh path/to/keepalived-rs   (N=5000 pairs of changes by default)
set -u
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../netns/lib.sh"
CRAFT="python3 $here/vrrpcraft.py"
N=${N:-5000}
lab_init nlovr
dump_logs() { for f in "$LAB_DIR"/*.log; do echo "--- $f"; tail -n 30 "$f"; done; }
trap 'rc=$?; [ $rc -ne 0 ] && dump_logs; lab_cleanup; exit $rc' EXIT

a=a b=b aaddr=192.0.2.31 a2=192.0.2.51 vip=192.0.2.110
lab_node "$a" "$aaddr/24"
lab_node "$b" 192.0.2.32/24
ip -n "$LAB-$a" link add fl0 type veth peer name fl1
ip -n "$LAB-$a" link set fl0 up
ip netns exec "$LAB-$a" sysctl -qw net.ipv4.conf.eth0.promote_secondaries=1
cat >"$LAB_DIR/a.conf" <<EOC
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 54
    priority 150
    advert_int 1
    virtual_ipaddress {
        $vip/32
    }
}
EOC
alog="$LAB_DIR/a.log"
mkdir -p "$LAB_DIR/tmp-a"
lab_run "$a" "$alog" env TMPDIR="$LAB_DIR/tmp-a" "$BIN" -n -l -D -f "$LAB_DIR/a.conf" \
  -p "$LAB_DIR/a.pid" -r "$LAB_DIR/a.vrrp.pid"
pa=$LAB_LAST_PID
lab_wait 10 lab_has_addr "$a" "$vip" >/dev/null || lab_fail "A never became master"
sleep 1
# The daemon is the child of `ip netns exec` (exec'd: same pid).
kill -0 "$pa" || lab_fail "A died"

batch="$LAB_DIR/flood.batch"
for ((i = 0; i < N; i++)); do
  echo "address add 198.51.100.1/32 dev fl0"
  echo "address del 198.51.100.1/32 dev fl0"
done >"$batch"

kill -STOP "$pa"
t0=$(date +%s%3N)
ip -n "$LAB-$a" -batch "$batch" || { kill -CONT "$pa"; lab_fail "ip -batch"; }
# Now the changes whose notifications are to be lost.
ip -n "$LAB-$a" addr del "$vip/32" dev eth0
ip -n "$LAB-$a" addr add "$a2/24" dev eth0
ip -n "$LAB-$a" addr del "$aaddr/24" dev eth0
lab_log "flood of $((2 * N)) changes and the three that matter in $(($(date +%s%3N) - t0)) ms"
backups=$(grep -c 'Entering BACKUP STATE' "$alog")
kill -CONT "$pa"

if lab_wait 5 grep -q 'Receive buffer overrun on monitor socket' "$alog" >/dev/null; then
  lab_wait 5 grep -q 're-read after the overrun' "$alog" >/dev/null || lab_fail "overrun but no re-read"
  overrun=1
  lab_log "$(grep -m1 're-read after the overrun' "$alog" | sed 's/.*Netlink: //')"
else
  overrun=0
  lab_log "SKIP: the flood did not overrun the monitor socket (no ENOBUFS); checking the view only"
fi

# The deleted VIP: MASTER left (keepalived: set_vrrp_backup), then back with the VIP.
lab_wait 5 bash -c "[ \$(grep -c 'Entering BACKUP STATE' '$alog') -gt $backups ]" >/dev/null ||
  lab_fail "the deleted VIP went unnoticed (no BACKUP)"
lab_wait 8 lab_has_addr "$a" "$vip" >/dev/null || lab_fail "the VIP did not come back"
grep -q 'Entering FAULT' "$alog" && lab_fail "FAULT although $a2 remains"
c=$(ip netns exec "$LAB-$b" $CRAFT count eth0 "$a2" 2.5)
[ "${c%% *}" -ge 2 ] || lab_fail "no adverts from the remaining address $a2 ($c)"
c1=$(ip netns exec "$LAB-$b" $CRAFT count eth0 "$aaddr" 1.5)
[ "${c1%% *}" -eq 0 ] || lab_fail "adverts still from the removed $aaddr ($c1)"
kill -0 "$pa" || lab_fail "A died"
# Built with --features alloc-audit (target/alloc-audit, see t-alloc-audit.sh), the daemon
# reports its allocations at stop: the re-read must not allocate.
kill -TERM "$pa"
lab_wait 5 bash -c "! kill -0 $pa 2>/dev/null" >/dev/null || lab_fail "A did not stop"
if grep -q 'alloc-audit:' "$alog"; then
  grep -q 'alloc-audit: 0 allocations after start-up' "$alog" ||
    lab_fail "allocations after start-up: $(grep 'alloc-audit:' "$alog")"
  lab_log "no allocation after start-up"
fi
if [ "$overrun" = 1 ]; then
  lab_log "PASS: overrun seen, view re-read: VIP deletion noticed, adverts from $a2 (${c%% *} in 2.5 s)"
else
  lab_log "PASS (overrun not provoked): VIP deletion noticed, adverts from $a2"
fi

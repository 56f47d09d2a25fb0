#!/usr/bin/env bash
# The daemon as a process (issue 5), one node with two interfaces:
#   a. virtual_routes: on the master, gone at stop; with -V (dont-release-vrrp) VIPs and routes
#      are kept at stop;
#   b. the seed's HAPROXY_VIPS shape: `interface eth1` with VIPs `dev eth0` (brd, label) and a
#      VIP with `scope link`: each lands on its dev with its scope, brd and label;
#   c. the pid file: a second daemon with the same -p/-r files logs "daemon is already running"
#      and exits 0, the first keeps running and its pid file; the pid files go at stop;
#   d. syslog without -l: ident Keepalived_vrrp[PID], facility from -S 3 (local3: <158> for an
#      info line), received by a python unix-datagram listener bound over /dev/log inside the
#      daemon's private mount namespace (unshare -m); the host's /dev/log is never touched;
#   e. every descriptor of the running daemon except 0-2 has O_CLOEXEC (/proc/PID/fdinfo).
# Usage: t-daemon-process.sh path/to/keepalived-rs
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
lab_init dproc
lab_node a 192.0.2.1/24
# eth1: the VRRP network (the seed's 198.51.100.0/24), a port on a second bridge (two L2
# segments, so a frame seen on one port left by that interface).
ip -n "$LAB-br" link add br1 type bridge
ip -n "$LAB-br" link set br1 up
ip -n "$LAB-br" link add p-a1 type veth peer name eth1 netns "$LAB-a"
ip -n "$LAB-br" link set p-a1 master br1 up
ip -n "$LAB-a" addr add 198.51.100.1/24 dev eth1
ip -n "$LAB-a" link set eth1 up
cat >"$LAB_DIR/a.conf" <<EOC
vrrp_instance HAPROXY_VIPS {
    state MASTER
    interface eth1
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        192.0.2.10/32 brd 192.0.2.255 dev eth0 label eth0:0
        192.0.2.11/32 brd 192.0.2.255 dev eth0 label eth0:1
        192.0.2.20/32 dev eth0 scope link label eth0:2
        198.51.100.100/24
    }
    virtual_routes {
        203.0.113.0/25 via 198.51.100.254 dev eth1
        203.0.113.128/26 dev eth0 scope link
        blackhole 203.0.113.192/26
    }
}
EOC
A=a
OUT=$LAB_DIR/a.log
trap 'rc=$?; [ $rc -ne 0 ] && tail -n 30 "$OUT"; lab_cleanup; exit $rc' EXIT
addrs() { ip -n "$LAB-a" -o -4 addr show; }
routes() { ip -n "$LAB-a" -4 route show table main; }
has_route() { routes | grep -q "^$1"; }
all_set() { lab_has_addr a 192.0.2.20 && lab_has_addr a 198.51.100.100 && has_route 'blackhole 203.0.113.192/26'; }
dead() { ! kill -0 "$1" 2>/dev/null; }
# stop PID: SIGTERM, wait (5 s); the exit code in STOP_RC.
stop() {
  kill -TERM "$1"
  lab_wait 5 dead "$1" >/dev/null || lab_fail "pid $1 did not stop on SIGTERM"
  wait "$1"
  STOP_RC=$?
}
# cloexec PID: every fd above 2 carries O_CLOEXEC (02000000 in fdinfo's octal flags).
cloexec() {
  local f fd fl n=0
  for f in /proc/"$1"/fdinfo/*; do
    fd=${f##*/}
    [ "$fd" -le 2 ] && continue
    fl=$(awk '/^flags:/{print $2}' "$f" 2>/dev/null) || continue
    [ -n "$fl" ] || continue
    n=$((n + 1))
    [ "$(readlink /proc/"$1"/fd/"$fd")" = "$LAB_DIR/a.conf" ] && INHERITED=1
    if [ $((8#$fl & 8#2000000)) = 0 ]; then
      lab_log "fd $fd -> $(readlink /proc/"$1"/fd/"$fd") flags $fl: no O_CLOEXEC"
      return 1
    fi
  done
  lab_log "pid $1: $n descriptors above 2, all O_CLOEXEC"
  [ "$n" -ge 3 ]
}

# --- a, b, c, e: the master, its VIPs and routes, a second daemon, the descriptors ---
PID=$LAB_DIR/k.pid
VPID=$LAB_DIR/k_vrrp.pid
# The bridge ports of eth0 and eth1: which interface each VIP's gratuitous ARPs leave by.
lab_run br "$LAB_DIR/cap0.out" tcpdump -ni p-a -U -w "$LAB_DIR/eth0.pcap" arp
C0=$LAB_LAST_PID
lab_run br "$LAB_DIR/cap1.out" tcpdump -ni p-a1 -U -w "$LAB_DIR/eth1.pcap" arp
C1=$LAB_LAST_PID
capturing() { grep -q 'listening on' "$LAB_DIR/cap0.out" && grep -q 'listening on' "$LAB_DIR/cap1.out"; }
lab_wait 5 capturing >/dev/null || lab_fail "tcpdump did not start"
# An inherited descriptor without FD_CLOEXEC (as a shell or a harness may leave one): the
# daemon must not pass it on to its scripts.
exec 7<"$LAB_DIR/a.conf"
lab_run a "$OUT" "$BIN" -n -l -D -f "$LAB_DIR/a.conf" -p "$PID" -r "$VPID"
D1=$LAB_LAST_PID
exec 7<&-
t=$(lab_wait 12 all_set) || { addrs; routes; lab_fail "VIPs and routes not all set"; }
lab_log "master with 4 VIPs and 3 routes after $t ms"
a=$(addrs)
# b. dev, scope, brd, label as configured (eth0 although the instance runs on eth1).
echo "$a" | grep -Eq '^[0-9]+: eth0 +inet 192\.0\.2\.10/32 brd 192\.0\.2\.255 scope global eth0:0([ \\]|$)' ||
  { echo "$a"; lab_fail "192.0.2.10 not on eth0 with brd and label eth0:0"; }
echo "$a" | grep -Eq '^[0-9]+: eth0 +inet 192\.0\.2\.11/32 brd 192\.0\.2\.255 scope global eth0:1([ \\]|$)' ||
  { echo "$a"; lab_fail "192.0.2.11 not on eth0 with brd and label eth0:1"; }
echo "$a" | grep -Eq '^[0-9]+: eth0 +inet 192\.0\.2\.20/32 scope link eth0:2([ \\]|$)' ||
  { echo "$a"; lab_fail "192.0.2.20 not on eth0 with scope link and label eth0:2"; }
echo "$a" | grep -Eq '^[0-9]+: eth1 +inet 198\.51\.100\.100/24 scope global secondary eth1([ \\]|$)' ||
  { echo "$a"; lab_fail "198.51.100.100/24 not on eth1 (the instance's interface)"; }
lab_log "b: VIPs on eth0 with brd/scope/label, the plain VIP on eth1"
# a. the routes as configured.
r=$(routes)
echo "$r" | grep -Eq '^203\.0\.113\.0/25 via 198\.51\.100\.254 dev eth1( |$)' ||
  { echo "$r"; lab_fail "route 203.0.113.0/25 via 198.51.100.254 dev eth1 missing"; }
echo "$r" | grep -Eq '^203\.0\.113\.128/26 dev eth0 .*scope link' ||
  { echo "$r"; lab_fail "route 203.0.113.128/26 dev eth0 scope link missing"; }
echo "$r" | grep -Eq '^blackhole 203\.0\.113\.192/26( |$)' ||
  { echo "$r"; lab_fail "blackhole 203.0.113.192/26 missing"; }
[ "$(echo "$r" | grep '^[a-z ]*203\.0\.113\.' | grep -Ec 'proto (keepalived|18)( |$)')" = 3 ] ||
  { echo "$r"; lab_fail "routes not marked proto keepalived (18) as keepalived 2.2.7 marks them"; }
lab_log "a: 3 virtual routes on the master, proto keepalived"
# The start-up cleanup removes routes that are not there: that is no error (keepalived is quiet).
grep -E 'cannot (add|remove) (route|address)' "$OUT" && lab_fail "route/address errors logged on a clean start"
# b. gratuitous ARPs (garp_master_repeat 5) on the VIP's own interface, none on the other.
sleep 0.5
kill -INT "$C0" "$C1"
lab_wait 3 dead "$C0" >/dev/null && lab_wait 3 dead "$C1" >/dev/null || lab_fail "tcpdump did not stop"
garps() { tcpdump -nr "$LAB_DIR/$1.pcap" 2>/dev/null | grep -c "Request who-has $2 .*tell $2,"; }
for v in 192.0.2.10 192.0.2.11 192.0.2.20; do
  [ "$(garps eth0 $v)" -ge 5 ] && [ "$(garps eth1 $v)" = 0 ] ||
    lab_fail "GARPs for $v (dev eth0): $(garps eth0 $v) on eth0, $(garps eth1 $v) on eth1"
done
[ "$(garps eth1 198.51.100.100)" -ge 5 ] && [ "$(garps eth0 198.51.100.100)" = 0 ] ||
  lab_fail "GARPs for 198.51.100.100: $(garps eth1 198.51.100.100) on eth1, $(garps eth0 198.51.100.100) on eth0"
lab_log "b: each VIP's gratuitous ARPs on its own dev (5 each), none on the other interface"
# e. descriptors.
INHERITED=0
cloexec "$D1" || lab_fail "a descriptor of the running daemon lacks O_CLOEXEC"
[ "$INHERITED" = 1 ] || lab_fail "the inherited descriptor 7 is not in the daemon"
# c. a second daemon with the same pid files.
OUT2=$LAB_DIR/a2.log
before=$(wc -l <"$OUT")
lab_run a "$OUT2" "$BIN" -n -l -f "$LAB_DIR/a.conf" -p "$PID" -r "$VPID"
D2=$LAB_LAST_PID
lab_wait 5 dead "$D2" >/dev/null || lab_fail "a second daemon kept running"
wait "$D2"
rc=$?
[ "$rc" = 0 ] || lab_fail "second daemon exited $rc, not 0"
grep -q 'daemon is already running' "$OUT2" || { cat "$OUT2"; lab_fail "no 'daemon is already running'"; }
kill -0 "$D1" || lab_fail "the first daemon died"
[ "$(cat "$PID")" = "$D1" ] && [ "$(cat "$VPID")" = "$D1" ] || lab_fail "pid files no longer name the first daemon"
sleep 1.5 # an advert interval: a second daemon that grabbed anything would show by now
all_set || lab_fail "the first daemon lost VIPs or routes"
tail -n +"$((before + 1))" "$OUT" | grep -E 'Entering|removing|Netlink' && lab_fail "the first daemon was disturbed"
lab_log "c: second daemon: 'daemon is already running', exit 0; the first undisturbed"
stop "$D1"
[ "$STOP_RC" = 0 ] || lab_fail "exit code $STOP_RC at SIGTERM"
a=$(addrs)
r=$(routes)
echo "$a" | grep -Eq '192\.0\.2\.(10|11|20)|198\.51\.100\.100' && { echo "$a"; lab_fail "VIPs left at stop"; }
echo "$r" | grep -q '203\.0\.113\.' && { echo "$r"; lab_fail "routes left at stop"; }
[ -e "$PID" ] || [ -e "$VPID" ] && lab_fail "pid file left at stop"
lab_log "a, c: stop removed the VIPs, the routes and both pid files"

# --- a: -V keeps VIPs and routes at stop ---
OUT=$LAB_DIR/a-V.log
lab_run a "$OUT" "$BIN" -n -l -V -f "$LAB_DIR/a.conf" -p "$PID" -r "$VPID"
D3=$LAB_LAST_PID
lab_wait 12 all_set >/dev/null || lab_fail "-V: VIPs and routes not set"
stop "$D3"
[ "$STOP_RC" = 0 ] || lab_fail "-V: exit code $STOP_RC at SIGTERM"
a=$(addrs)
r=$(routes)
[ "$(echo "$a" | grep -Ec '192\.0\.2\.(10|11|20)/|198\.51\.100\.100/')" = 4 ] || { echo "$a"; lab_fail "-V: VIPs not kept"; }
[ "$(echo "$r" | grep -c '203\.0\.113\.')" = 3 ] || { echo "$r"; lab_fail "-V: routes not kept"; }
lab_log "a: -V kept the 4 VIPs and 3 routes at stop"

# --- d, e: syslog with -S 3 through a private /dev/log ---
SOCK=$LAB_DIR/log.sock
SLOG=$LAB_DIR/syslog.txt
cat >"$LAB_DIR/listen.py" <<'EOP'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        f.write(d.rstrip(b"\0\n") + b"\n")
EOP
lab_run a "$LAB_DIR/listen.out" python3 "$LAB_DIR/listen.py" "$SOCK" "$SLOG"
lab_wait 5 test -S "$SOCK" >/dev/null || lab_fail "syslog listener did not start"
# Inside the daemon's own mount namespace only: our socket over /dev/log (the host has one:
# bind over it; it has none: a small tmpfs /dev with the few nodes the daemon opens).
cat >"$LAB_DIR/run.sh" <<EOS
set -e
mount --make-rprivate /
if [ -e /dev/log ]; then
  mount --bind "$SOCK" /dev/log
else
  mount -t tmpfs -o size=64k,mode=755 tmpfs /dev
  mknod -m 666 /dev/null c 1 3
  mknod -m 666 /dev/zero c 1 5
  mknod -m 666 /dev/urandom c 1 9
  touch /dev/log
  mount --bind "$SOCK" /dev/log
fi
exec "$BIN" -n -S 3 -f "$LAB_DIR/a.conf" -p "$PID" -r "$VPID"
EOS
OUT=$LAB_DIR/a-syslog.log
lab_run a "$OUT" unshare -m sh "$LAB_DIR/run.sh"
D4=$LAB_LAST_PID
# The VIPs are still there from the -V run; the daemon removes them at start.
has_master() { grep -q 'Keepalived_vrrp\[[0-9]*\]: (HAPROXY_VIPS) Entering MASTER STATE' "$SLOG"; }
lab_wait 12 has_master >/dev/null || { cat "$SLOG"; lab_fail "no 'Entering MASTER STATE' in syslog"; }
line=$(grep -m1 '(HAPROXY_VIPS) Entering MASTER STATE' "$SLOG")
lab_log "syslog: $line"
# local3 = 19 << 3 = 152, info = 6: <158>; the ident carries the daemon's pid.
echo "$line" | grep -Eq "^<158>.* Keepalived_vrrp\[$D4\]: \(HAPROXY_VIPS\) Entering MASTER STATE$" ||
  lab_fail "syslog line not <158> (local3.info) with ident Keepalived_vrrp[$D4]"
bad=$(grep -v '^<15[0-9]>' "$SLOG" | head -n 3)
[ -z "$bad" ] || { echo "$bad"; lab_fail "syslog lines outside local3"; }
[ -s "$OUT" ] && { cat "$OUT"; lab_fail "without -l the daemon wrote to the console"; }
lab_log "d: $(wc -l <"$SLOG") syslog lines, all local3, ident Keepalived_vrrp[$D4]"
cloexec "$D4" || lab_fail "a descriptor of the syslog-logging daemon lacks O_CLOEXEC"
ls -l /proc/"$D4"/fd | grep -q socket || lab_fail "no socket open"
stop "$D4"
[ "$STOP_RC" = 0 ] || lab_fail "syslog run: exit code $STOP_RC at SIGTERM"

# f. an instance on an interface that does not exist: keepalived 2.2.7 refuses to start
#    ("Non-existent interface specified in configuration", its CONFIG exit) unless
#    `dynamic_interfaces` lets the instance wait in FAULT until the interface appears.
miss_conf() { # miss_conf FILE [GLOBAL]
  { [ -z "${2:-}" ] || printf 'global_defs {\n    %s\n}\n' "$2"
    cat <<EOC
vrrp_instance LATE {
    interface eth9
    virtual_router_id 61
    priority 100
    advert_int 1
    virtual_ipaddress {
        203.0.113.99/32
    }
}
EOC
  } >"$1"
}
miss_conf "$LAB_DIR/miss.conf"
OUT5=$LAB_DIR/miss.log
lab_run a "$OUT5" "$BIN" -n -l -f "$LAB_DIR/miss.conf" -p "$LAB_DIR/m.pid" -r "$LAB_DIR/m2.pid"
D5=$LAB_LAST_PID
lab_wait 5 dead "$D5" >/dev/null || lab_fail "the daemon ran with an instance on a missing interface"
wait "$D5"; rc=$?
[ "$rc" = 4 ] || { cat "$OUT5"; lab_fail "missing interface: exit $rc, not 4 (keepalived's CONFIG)"; }
grep -q 'Non-existent interface specified in configuration' "$OUT5" || { cat "$OUT5"; lab_fail "no 'Non-existent interface' line"; }
lab_log "f: an instance on missing eth9: exit 4 with keepalived's line"
miss_conf "$LAB_DIR/dyn.conf" dynamic_interfaces
OUT6=$LAB_DIR/dyn.log
lab_run a "$OUT6" "$BIN" -n -l -f "$LAB_DIR/dyn.conf" -p "$LAB_DIR/m.pid" -r "$LAB_DIR/m2.pid"
D6=$LAB_LAST_PID
in_fault() { grep -q '(LATE) Entering FAULT STATE' "$OUT6"; }
lab_wait 5 in_fault >/dev/null || { cat "$OUT6"; lab_fail "dynamic_interfaces: no FAULT while eth9 is missing"; }
kill -0 "$D6" || lab_fail "dynamic_interfaces: the daemon exited"
ip -n "$LAB-a" link add eth9 type veth peer name eth9p
ip -n "$LAB-a" addr add 203.0.113.1/24 dev eth9
ip -n "$LAB-a" link set eth9p up
ip -n "$LAB-a" link set eth9 up
late_master() { lab_has_addr a 203.0.113.99; }
t=$(lab_wait 10 late_master) || { cat "$OUT6"; lab_fail "dynamic_interfaces: eth9 appeared but LATE never became master"; }
lab_log "f: with dynamic_interfaces LATE waited in FAULT; eth9 created -> MASTER with its VIP after $t ms"
stop "$D6"
lab_log "PASS: virtual_routes, -V, VIP dev/scope/label, pid file, syslog facility/ident, CLOEXEC, missing interface"

#!/usr/bin/env bash
# The busybox/sysvinit init script (rootfs-overlay/sysv/etc/init.d/keepalived-rs) run by
# busybox's sh in a network namespace, as on a small gateway (busybox's applets alone in
# PATH): start (the daemon forks and writes its pid file), status, reload (SIGHUP applies a
# new VIP), stop (pid file removed, VIPs removed), status after stop.
here=$(cd "$(dirname "$0")" && pwd)
BIN=$(readlink -f "${1:?usage: t-init-busybox.sh path/to/keepalived-rs}")
INIT=$(readlink -f "$here/../../rootfs-overlay/sysv/etc/init.d/keepalived-rs")
. "$here/../interop/lib.sh"
command -v busybox >/dev/null || die "busybox is not installed (test/tools/install-deps.sh installs it)"
fail=0
check() { if eval "$2"; then log "ok: $1"; else log "FAIL: $1"; fail=1; fi; }
daemon_from_pidfile() { cat "$LAB/run/keepalived.pid" 2>/dev/null; }
cleanup() { # the daemon forked away from us: kill it by its pid file, then the lab
  local pid; pid=$(daemon_from_pidfile)
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
  lab_cleanup
}
trap cleanup EXIT

lab_up 1
mkdir -p "$LAB/run" "$LAB/tmp"
cat >"$LAB/keepalived.conf" <<'EOF'
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 255
    advert_int 1
    virtual_ipaddress {
        192.0.2.100
    }
}
EOF
# A gateway's userland: busybox's applets alone in PATH, so the script's sh, cat, sleep, kill
# are busybox's and not the host's GNU tools.
BB=$LAB/bb
mkdir -p "$BB"
busybox --install -s "$BB" || die "busybox --install -s failed"
BBPATH=$BB
init() { # init ACTION: the script under busybox sh, inside the node's namespace
  ip netns exec "$P-a" env -i PATH="$BBPATH" TMPDIR="$LAB/tmp" \
    DAEMON="$BIN" CONF="$LAB/keepalived.conf" PIDFILE="$LAB/run/keepalived.pid" \
    VRRP_PIDFILE="$LAB/run/keepalived_vrrp.pid" "$BB/sh" "$INIT" "$1"
}
bb=$(readlink -f "$(command -v busybox)")
check "the shell is busybox ($BB/sh -> $bb)" "[ \"\$(readlink -f $BB/sh)\" = '$bb' ]"
# What the script's commands resolve to in its own environment (a non-busybox one fails).
tools=$(env -i PATH="$BBPATH" "$BB/sh" -c 'for c in cat sleep kill echo; do
  p=$(command -v $c); case $p in /*) readlink -f "$p";; *) echo "$c:builtin";; esac; done')
log "the init script's tools: $(echo $tools)"
check "cat and sleep are busybox applets, kill and echo busybox builtins or applets" \
  "[ -z \"\$(echo '$tools' | grep -v -e '^$bb\$' -e ':builtin\$')\" ] && [ \$(echo '$tools' | grep -c '^$bb\$') -ge 2 ]"

out=$(init start); rc=$?
log "start: $out (rc $rc)"
check "start returns 0" "[ $rc -eq 0 ]"
wait_vip a 192.0.2.100 5
pid=$(daemon_from_pidfile)
check "the pid file names a running daemon" "[ -n '$pid' ] && kill -0 $pid 2>/dev/null"
check "the owner (255) set its VIP" "has_vip a 192.0.2.100"
out=$(init status); rc=$?
check "status says running (rc 0)" "[ $rc -eq 0 ] && echo '$out' | grep -q running"
out=$(init start)
check "a second start does not start a second daemon" "echo '$out' | grep -q 'already running' && [ \$(daemon_from_pidfile) = $pid ]"

sed -i 's|        192.0.2.100|        192.0.2.100\n        192.0.2.101|' "$LAB/keepalived.conf"
out=$(init reload); rc=$?
wait_vip a 192.0.2.101 5
check "reload (SIGHUP) applies the new VIP, same process" "[ $rc -eq 0 ] && has_vip a 192.0.2.101 && kill -0 $pid"

out=$(init stop); rc=$?
log "stop: $out (rc $rc)"
check "stop returns 0 and the daemon is gone" "[ $rc -eq 0 ] && ! kill -0 $pid 2>/dev/null"
check "the pid files are removed" "[ ! -e $LAB/run/keepalived.pid ] && [ ! -e $LAB/run/keepalived_vrrp.pid ]"
check "the VIPs are removed" "! has_vip a 192.0.2.100 && ! has_vip a 192.0.2.101"
init status >/dev/null; rc=$?
check "status after stop says stopped (rc 3)" "[ $rc -eq 3 ]"

[ "$fail" -eq 0 ] && echo "init-busybox: passed" || echo "init-busybox: FAILED"
exit "$fail"

#!/usr/bin/env bash
# Filesystem faults (issue 11): the daemon logs to syslog (no -l) with /dev/log missing or
# unusable, and its dump directory ($TMPDIR) is a full 64 KiB tmpfs. It must still become
# MASTER, hold the VIP, survive SIGUSR1/SIGUSR2/SIGRTMIN+2 (dumps that cannot be written) and
# stop cleanly on SIGTERM. Mounts happen inside the daemon's own private mount namespace
# (unshare -m under ip netns exec), never in the host's.
# Usage: t-fs-faults.sh path/to/keepalived-rs
set -u
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../netns/lib.sh"
VIP=192.0.2.100
lab_init fsfault
lab_node a 192.0.2.11/24
cat >"$LAB_DIR/a.conf" <<EOC
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        $VIP
    }
}
EOC
mkdir -p "$LAB_DIR/tmp"
: >"$LAB_DIR/empty"
cat >"$LAB_DIR/run.sh" <<EOS
set -e
mount --make-rprivate /
mount -t tmpfs -o size=64k tmpfs "$LAB_DIR/tmp"
dd if=/dev/zero of="$LAB_DIR/tmp/fill" bs=4k count=64 2>/dev/null || true
if [ -e /dev/log ]; then mount --bind "$LAB_DIR/empty" /dev/log; fi
exec env TMPDIR="$LAB_DIR/tmp" "$BIN" -n -D -f "$LAB_DIR/a.conf" -p "$LAB_DIR/a.pid" -r "$LAB_DIR/a_vrrp.pid"
EOS
lab_run a "$LAB_DIR/a.out" unshare -m sh "$LAB_DIR/run.sh"
A=$LAB_LAST_PID
trap 'rc=$?; [ $rc -ne 0 ] && tail -n 20 "$LAB_DIR/a.out"; lab_cleanup; exit $rc' EXIT
t=$(lab_wait 10 lab_has_addr a $VIP) || lab_fail "no VIP with /dev/log missing and TMPDIR full"
lab_log "MASTER with the VIP after ${t} ms (syslog unavailable, TMPDIR full)"
for s in USR1 USR2 "$(($(kill -l RTMIN) + 2))"; do
  kill -"$s" "$A"
  sleep 0.3
  kill -0 "$A" || lab_fail "died on a dump signal ($s) with TMPDIR full"
done
sleep 1.5
lab_has_addr a $VIP || lab_fail "lost the VIP after the failed dumps"
kill -TERM "$A"
lab_wait 5 bash -c "! kill -0 $A 2>/dev/null" >/dev/null || lab_fail "did not stop on SIGTERM"
lab_has_addr a $VIP && lab_fail "VIP left behind after SIGTERM"
lab_log "PASS: dumps to a full TMPDIR fail softly, no syslog socket is harmless, clean stop"

#!/usr/bin/env bash
# A cross-built binary on a foreign architecture, under qemu-user, beside a native node:
#   test/netns/t-qemu-smoke.sh NATIVE_BIN CROSS_BIN QEMU   (e.g. qemu-aarch64-static)
# The cross node (priority 150) becomes master, is crashed, the native node takes over, the
# cross node comes back and preempts, then stops gracefully (priority 0). This exercises the
# target's struct layouts, endianness and qemu's setsockopt gaps (IP_MULTICAST_IF, ip_mreqn).
here=$(cd "$(dirname "$0")" && pwd)
NATIVE=$(readlink -f "${1:?usage: t-qemu-smoke.sh NATIVE_BIN CROSS_BIN QEMU}")
CROSS=$(readlink -f "${2:?cross binary}")
QEMU=$(command -v "${3:?qemu binary}") || { echo "no $3 (apt-get install qemu-user-static)"; exit 1; }
. "$here/../interop/lib.sh"
trap lab_cleanup EXIT
fail=0
check() { if eval "$2"; then log "ok: $1"; else log "FAIL: $1"; fail=1; fi; }
VIP=192.0.2.100

lab_up 2
printf '#!/bin/sh\nexec %s %s "$@"\n' "$QEMU" "$CROSS" >"$LAB/cross"
chmod +x "$LAB/cross"
STATE=MASTER PRIO=150 AUTH=PASS gen_conf a "$LAB/a.conf"
STATE=BACKUP PRIO=100 AUTH=PASS gen_conf b "$LAB/b.conf"
run_daemon a "$LAB/cross" "$LAB/a.conf"
run_daemon b "$NATIVE" "$LAB/b.conf"
check "the cross node (under $(basename "$QEMU")) becomes master" "wait_master a $VIP 0 15"
sleep 2
pid=$(daemon_pid a)
rss=$(awk '/^VmRSS/{print $2}' "/proc/$pid/status")
log "RSS of the cross node's process under qemu (emulator included): ${rss} kB"
echo "$rss" >"$LAB/rss"
check "exactly one master" "[ \"\$(vip_owner $VIP)\" = a ]"
n0=$(master_count b)
crash_daemon a
check "the native node takes over after a crash" "wait_master b $VIP $n0 10"
m0=$(master_count a)
run_daemon a "$LAB/cross" "$LAB/a.conf"
check "the cross node comes back and preempts" "wait_master a $VIP $m0 15"
n0=$(master_count b)
stop_daemon a
check "SIGTERM: priority 0 hands over to the native node" "wait_master b $VIP $n0 5"
check "the cross node removed its VIP at stop" "! has_vip a $VIP"
if grep -qiE 'panic|segfault' "$LAB/a.log"; then log "FAIL: the cross node logged a crash"; fail=1; fi
[ "$fail" -eq 0 ] && echo "qemu-smoke: passed ($(basename "$QEMU"), RSS $(cat "$LAB/rss") kB)" || { echo "qemu-smoke: FAILED"; tail -20 "$LAB/a.log"; }
exit "$fail"

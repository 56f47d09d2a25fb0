#!/usr/bin/env bash
# A cross-built binary on a foreign architecture, under qemu-user, beside a native node:
#   test/cross/t-qemu-smoke.sh NATIVE_BIN CROSS_BIN QEMU   (e.g. qemu-aarch64-static)
# QEMU "native" runs the cross binary directly (x86_64-unknown-linux-musl on an x86_64 host).
# The cross node (priority 150) becomes master, is crashed, the native node takes over, the
# cross node comes back and preempts, then stops gracefully (priority 0). This exercises the
# target's struct layouts, endianness and qemu's setsockopt gaps (IP_MULTICAST_IF, ip_mreqn).
# A musl build's --signum=JSON is 37 (SIGRTMIN is 35 on musl, as keepalived built on musl
# says), and that signal sent to the running cross node writes keepalived.json.
here=$(cd "$(dirname "$0")" && pwd)
NATIVE=$(readlink -f "${1:?usage: t-qemu-smoke.sh NATIVE_BIN CROSS_BIN QEMU|native}")
CROSS=$(readlink -f "${2:?cross binary}")
[ -x "$CROSS" ] || { echo "qemu-smoke: no cross binary $2"; exit 1; }
if [ "${3:?qemu binary or native}" = native ]; then QEMU=; RUNNER=native
else QEMU=$(command -v "$3") || { echo "no $3 (apt-get install qemu-user-static)"; exit 1; }; RUNNER=$(basename "$QEMU"); fi
. "$here/../interop/lib.sh"
trap lab_cleanup EXIT
fail=0
check() { if eval "$2"; then log "ok: $1"; else log "FAIL: $1"; fail=1; fi; }
VIP=192.0.2.100

lab_up 2
printf '#!/bin/sh\nexec %s %s "$@"\n' "$QEMU" "$CROSS" >"$LAB/cross"
chmod +x "$LAB/cross"
target=$("$LAB/cross" -v 2>&1 | sed -n 's/^Target: //p')
log "the cross binary's target: $target"
case $target in *musl*)
  sig=$("$LAB/cross" --signum=JSON)
  check "--signum=JSON on musl prints 37 (SIGRTMIN+2, SIGRTMIN 35)" "[ '$sig' = 37 ]" ;;
*) sig=$("$LAB/cross" --signum=JSON) ;;
esac
STATE=MASTER PRIO=150 AUTH=PASS gen_conf a "$LAB/a.conf"
STATE=BACKUP PRIO=100 AUTH=PASS gen_conf b "$LAB/b.conf"
run_daemon a "$LAB/cross" "$LAB/a.conf"
run_daemon b "$NATIVE" "$LAB/b.conf"
check "the cross node ($RUNNER) becomes master" "wait_master a $VIP 0 15"
sleep 2
pid=$(daemon_pid a)
# Its own --signum=JSON, sent to the running node. qemu-user (7.2, measured) hands host
# real-time signal N+2 to the guest as N: it maps the host's first RT signal, glibc's SIGRTMIN
# 34, to the guest kernel's 32; a host 37 reaches the guest as 35 and kills it.
hsig=$sig
[ -n "$QEMU" ] && [ "$sig" -ge 32 ] && hsig=$((sig + 2))
json=$LAB/a.tmp/keepalived.json
kill -"$hsig" "$pid"
for i in $(seq 1 40); do [ -s "$json" ] && break; sleep 0.1; done
json_master() { # keepalived.json FILE: VI_1 in state 2 (MASTER)?
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))[0]["data"]
sys.exit(0 if d["iname"] == "VI_1" and d["state"] == 2 else 1)' "$1" 2>/dev/null
}
check "signal $sig (--signum=JSON; host $hsig) writes keepalived.json naming VI_1 as MASTER" "json_master $json"
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
[ "$fail" -eq 0 ] && echo "qemu-smoke: passed ($RUNNER, $target, RSS $(cat "$LAB/rss") kB)" || { echo "qemu-smoke: FAILED"; tail -20 "$LAB/a.log"; }
exit "$fail"

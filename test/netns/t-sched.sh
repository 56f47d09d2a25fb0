#!/usr/bin/env bash
# vrrp_rt_priority / vrrp_rlimit_rttime: the daemon runs SCHED_RR at the configured priority
# with RLIMIT_RTTIME set (soft = half), while its notify hook runs at normal scheduling
# (SCHED_RESET_ON_FORK); without the keyword the daemon stays SCHED_OTHER.
here=$(cd "$(dirname "$0")" && pwd)
BIN=$(readlink -f "${1:?usage: t-sched.sh path/to/keepalived-rs}")
. "$here/../interop/lib.sh"
trap lab_cleanup EXIT
lab_up 1
fail=0
check() { if eval "$2"; then log "ok: $1"; else log "FAIL: $1"; fail=1; fi; }

STATE=MASTER PRIO=255 AUTH=PASS gen_conf a "$LAB/a.conf"
printf '#!/bin/sh\nawk "/^policy/{print \\$3}" /proc/self/sched >%s/hook-policy.txt\n' "$LAB" >"$LAB/hook.sh"
chmod 755 "$LAB/hook.sh"
sed -i "s|^global_defs {|global_defs {\n    vrrp_rt_priority 10\n    vrrp_rlimit_rttime 40000|; s|^    priority 255|    priority 255\n    notify_master \"$LAB/hook.sh\"|" "$LAB/a.conf"
run_daemon a "$BIN" "$LAB/a.conf"
wait_master a 192.0.2.100 0 10 || die "a never became master"
pid=$(daemon_pid a)
for ((i = 0; i < 40; i++)); do [ -s "$LAB/hook-policy.txt" ] && break; sleep 0.1; done
chrt_out=$(chrt -p "$pid")
log "daemon: $chrt_out; hook policy: $(cat "$LAB/hook-policy.txt" 2>/dev/null)"
check "the daemon runs SCHED_RR priority 10" '[[ $chrt_out == *"policy: SCHED_RR"* && $chrt_out == *"priority: 10"* ]]'
check "RLIMIT_RTTIME is 40000 us (soft 20000)" "grep -E '^Max realtime timeout +20000 +40000 ' /proc/$pid/limits >/dev/null"
check "the notify hook ran SCHED_OTHER (reset on fork)" "[ \"\$(cat $LAB/hook-policy.txt 2>/dev/null)\" = 0 ]"
stop_daemon a

sed -i '/vrrp_rt_priority/d; /vrrp_rlimit_rttime/d' "$LAB/a.conf"
run_daemon a "$BIN" "$LAB/a.conf"
wait_master a 192.0.2.100 1 10 || die "a never became master again"
chrt_out=$(chrt -p "$(daemon_pid a)")
check "without vrrp_rt_priority the daemon stays SCHED_OTHER" '[[ $chrt_out == *"policy: SCHED_OTHER"* ]]'
[ "$fail" -eq 0 ] && echo "sched: passed" || { tail -20 "$LAB/a.log"; echo "sched: FAILED"; }
exit "$fail"

#!/usr/bin/env bash
# vrrp_rt_priority / vrrp_rlimit_rttime: the daemon runs SCHED_RR at the configured priority
# with RLIMIT_RTTIME set (soft = half), while its notify hook runs at normal scheduling
# (SCHED_RESET_ON_FORK); without the keyword the daemon stays SCHED_OTHER; and a burst of 50
# instances becoming master at once does not get it killed by RLIMIT_RTTIME.
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
stop_daemon a

# A burst under real-time scheduling: 50 instances at advert_int 0.01 become master at the
# same instant (VIPs, 250 gratuitous ARPs, adverts, each frame also forwarded by the bridge in
# the sender's context). With a 5 ms RLIMIT_RTTIME the kernel SIGKILLed the daemon in that
# burst every time before it paused in long bursts (src/daemon/pace.rs). Of 3 starts at most
# one may be killed: the pacing cannot help inside a system call (a VIP add spinning on the
# RTNL lock while other labs' namespaces are torn down counts as running). On the shared
# development host 3 of 12 starts were killed during a busy spell, 0 of 40 otherwise;
# without the pacing, 9 of 9.
{
  printf 'global_defs {\n    router_id a\n    vrrp_version 3\n    vrrp_rt_priority 10\n    vrrp_rlimit_rttime 5000\n}\n'
  for ((v = 1; v <= 50; v++)); do
    printf 'vrrp_instance VI_%d {\n    state MASTER\n    interface eth0\n    virtual_router_id %d\n    priority 150\n    advert_int 0.01\n    virtual_ipaddress {\n        198.51.100.%d/32\n    }\n}\n' "$v" "$v" "$v"
  done
} >"$LAB/burst.conf"
vips() { ip -n "$P-a" -o -4 addr show dev eth0 2>/dev/null | grep -c ' inet 198\.51\.100\.'; }
killed=0
for ((r = 1; r <= 3; r++)); do
  run_daemon a "$BIN" "$LAB/burst.conf"
  for ((i = 0; i < 30; i++)); do [ "$(vips)" -ge 50 ] && break; sleep 0.1; done
  sleep 1
  if kill -0 "$(daemon_pid a)" 2>/dev/null && [ "$(vips)" -ge 50 ]; then
    log "burst $r: alive with all 50 VIPs"
  else
    killed=$((killed + 1)); log "burst $r: killed ($(vips) VIPs); log: $(tail -2 "$LAB/a.log" | tr '\n' ' ')"
  fi
  stop_daemon a
  for ((i = 0; i < 30; i++)); do [ "$(vips)" -eq 0 ] && break; sleep 0.1; done
done
check "50 instances at once under a 5 ms RLIMIT_RTTIME: $killed of 3 starts killed (at most 1)" \
  '[ "$killed" -le 1 ]'
[ "$fail" -eq 0 ] && echo "sched: passed" || { tail -20 "$LAB/a.log"; echo "sched: FAILED"; }
exit "$fail"

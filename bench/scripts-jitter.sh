#!/usr/bin/env bash
# Advert jitter of a master running NSCRIPTS check scripts (/bin/true, interval 1 s), from a
# tcpdump capture on the lab bridge: |advert interval − advert_int| p50 / p99 / max over
# ≥ 120 adverts (so p99 is not just the max); and the CPU time per script run over the
# capture, from /proc/PID/stat: the daemon's own (utime+stime: fork, bookkeeping, reap) and its reaped children's
# (cutime+cstime: exec and run of /bin/true), each divided by the runs (NSCRIPTS × SECONDS).
# The scripts all start at the daemon's start and the adverts at MASTER (Master_Down_Interval
# later), so each second brings one burst of NSCRIPTS forks at its own phase.
# Usage: bench/scripts-jitter.sh path/to/keepalived-rs [NSCRIPTS=32] [SECONDS=125]
# RT=1 (default) runs the daemon SCHED_FIFO 10 (like keepalived's vrrp_rt_priority), so a
# shared CI box's scheduler noise is not counted (the scripts themselves run SCHED_OTHER:
# sys::process resets it in the child); RT=0 measures it unprioritised.
# Network safety: everything in namespaces of test/netns/lib.sh (unique prefix, trap cleanup).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../test/netns/lib.sh"
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs [NSCRIPTS] [SECONDS]}")
NS=${2:-32}
SECS=${3:-125}
lab_init jit
lab_node a 192.0.2.11/24
{
  for i in $(seq "$NS"); do printf 'vrrp_script s%d {\n    script "/bin/true"\n    interval 1\n}\n' "$i"; done
  cat <<EOC
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 33
    priority 150
    advert_int 1
    virtual_ipaddress {
        192.0.2.100
    }
    track_script {
EOC
  for i in $(seq "$NS"); do echo "        s$i"; done
  printf '    }\n}\n'
} >"$LAB_DIR/a.conf"
ip netns exec "$LAB-br" tcpdump -i br0 -U -n -w "$LAB_DIR/cap.pcap" 'ip proto 112' >/dev/null 2>&1 &
CAP=$!
LAB_PIDS+=("$CAP")
sleep 0.5
RTCMD=()
[ "${RT:-1}" = 1 ] && RTCMD=(chrt -f 10)
lab_run a "$LAB_DIR/a.log" "${RTCMD[@]}" "$BIN" -n -l -f "$LAB_DIR/a.conf" -p "$LAB_DIR/a.pid" -r "$LAB_DIR/a2.pid"
lab_wait 15 lab_has_addr a 192.0.2.100 >/dev/null || lab_fail "no master"
pid=$(cat "$LAB_DIR/a.pid")
tick=$(getconf CLK_TCK)
# Fields 14-17 of /proc/PID/stat (the name in field 2 has no spaces here).
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
ccpu() { awk '{print $16 + $17}' "/proc/$pid/stat"; }
t_start=$(date +%s.%N)
c0=$(cpu) k0=$(ccpu) load0=$(cut -d' ' -f1-3 /proc/loadavg)
sleep "$SECS"
c1=$(cpu) k1=$(ccpu)
kill -INT "$CAP" 2>/dev/null
wait "$CAP" 2>/dev/null
tshark -r "$LAB_DIR/cap.pcap" -Y "vrrp && ip.src==192.0.2.11 && frame.time_epoch > $t_start" \
  -T fields -e frame.time_epoch 2>/dev/null |
  awk 'NR>1 { d = ($1 - p) - 1.0; if (d < 0) d = -d; print d * 1000 } { p = $1 }' | sort -n >"$LAB_DIR/jit"
n=$(wc -l <"$LAB_DIR/jit")
q() { awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; printf "%.3f", v[i] }' "$LAB_DIR/jit"; }
ms() { awk -v a="$1" -v b="$2" -v t="$tick" 'BEGIN{printf "%.0f", (b - a) * 1000 / t}'; }
per_run() { awk -v c="$1" -v n="$NS" -v s="$SECS" 'BEGIN{ if (n > 0) printf "%.0f", c * 1000 / (n * s); else print "-" }'; }
cpu_ms=$(ms "$c0" "$c1") kid_ms=$(ms "$k0" "$k1")
echo "scripts-jitter: $NS scripts at interval 1 s, ${RTCMD[*]:-no RT}, $(nproc) CPUs, load $load0 at start: $n advert intervals, |interval - 1 s| p50 $(q 0.5) ms, p99 $(q 0.99) ms, max $(q 1.0) ms; CPU in ${SECS} s: daemon ${cpu_ms} ms (~$(per_run "$cpu_ms") us per script run), scripts ${kid_ms} ms (~$(per_run "$kid_ms") us per run)"

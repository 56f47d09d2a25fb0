#!/usr/bin/env bash
# Start-up, steady state and stop for many instances, one implementation, one node (a) alone
# on the bridges (every instance "state MASTER", priority 150, so each becomes master after
# Master_Down_Interval = 3 x advert_int + skew). Per instance count N:
#   startup.N      exec of the daemon -> the last of the N VIPs is added (ip -ts monitor
#                  address); startup.launch.N: the launch overhead before that exec (ip netns exec)
#   cpu.N          CPU seconds per minute of the whole process tree (schedstat on-CPU time of
#                  every thread + cutime/cstime) over $WINDOW s, after $SETTLE s of settling (the delayed
#                  gratuitous ARPs go out 5 s after the transition)
#   rss.N / pss.N / anon.N  VmRSS, smaps_rollup Pss and RssAnon of every process in the tree,
#                  summed (KiB)
#   stop.N         SIGTERM -> the daemon's process has exited (N = 200 only)
# Then 50 instances at advert_int 0.01 (VRRPv3): cpu/rss as above and advert jitter from a
# capture on the bridge, first idle, then while stress-ng loads both cores; twice: at normal
# priority (keys *.50-v3-10ms, jitter.*) and with "vrrp_rt_priority $RT_PRIO" in global_defs
# (SCHED_RR; keys *.50-v3-10ms-rt, jitter-rt.*, rt.50-v3-10ms-rt = how many processes of the
# tree run SCHED_RR). The same configuration for both implementations.
#
#   bench/scale.sh IMPL OUT [N...]     (default N: 1 50 200 1000; "none": only the 0.01 cases)
#   SCALE_RUNS=3: rounds over the counts (start-up, CPU, memory and stop get one sample each)
here=$(cd "$(dirname "$0")" && pwd)
IMPL=${1:?usage: scale.sh ka|BIN OUT [N...]}
export BENCH_OUT=${2:?usage: scale.sh ka|BIN OUT [N...]}
shift 2
COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(1 50 200 1000)
[ "${COUNTS[*]}" != none ] || COUNTS=()
P=kbs$$
. "$here/lib/bench.sh"
trap lab_cleanup EXIT
BENCH_RESULTS=${BENCH_RESULTS:-$here/results}
if [ -n "$BENCH_QUICK" ]; then SETTLE=${SETTLE:-6}; else SETTLE=${SETTLE:-7}; fi

reset_lab() {
  local pid ns
  for pid in "${LAB_PIDS[@]}"; do kill_tree "$pid"; kill -KILL "$pid" 2>/dev/null; done
  LAB_PIDS=()
  for ns in "${LAB_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  LAB_NS=()
}

# start_many N INT VERSION TAG: lab + daemon; records startup.TAG. Returns 1 if not all VIPs.
start_many() {
  local n=$1 int=$2 ver=$3 tag=$4 segs t0 tn tx i limit
  segs=$(segments_for "$n")
  lab_up 1
  add_segments "$segs" a
  gen_many "$LAB/a.conf" "$n" 150 "$int" "$ver"
  monitor_start a "$LAB/mon-$tag"
  limit=$((30 + n / 20))
  t0=$(now)
  bench_daemon a "$IMPL" "$LAB/a.conf"
  # Bounded: at most $limit s, and give up after 15 s without a new VIP (a stuck daemon).
  local c last=0 t_prog=$SECONDS
  for ((i = 0; i < limit * 20; i++)); do
    c=$(count_vips a)
    [ "$c" -ge "$n" ] && break
    kill -0 "$PID_a" 2>/dev/null || break
    if [ "$c" -gt "$last" ]; then last=$c; t_prog=$SECONDS; fi
    [ $((SECONDS - t_prog)) -ge 15 ] && [ "$c" -gt 0 ] && break
    sleep 0.05
  done
  sleep 0.3
  monitor_stop "$MON_PID"
  tn=$(python3 "$here/lib/monitor.py" nth "$LAB/mon-$tag" "$t0" "$n")
  if [ "$tn" = nan ]; then
    log "startup $tag: only $(count_vips a)/$n VIPs after ${limit}s (daemon alive: $(kill -0 "$PID_a" 2>/dev/null && echo yes || echo no))"
    tail -5 "$LAB/a.log" >&2
    result "startup.$tag" fail
    return 1
  fi
  tx=$(exec_time a)
  [ "$tx" != nan ] || tx=$t0
  result "startup.$tag" "$(awk -v a="$tn" -v b="$tx" 'BEGIN{printf "%.4f", a - b}')"
  result "startup.launch.$tag" "$(awk -v a="$tx" -v b="$t0" 'BEGIN{printf "%.4f", a - b}')"
  return 0
}

steady() { # steady TAG: cpu and memory over WINDOW, after SETTLE s (past the GARP repeat 5 s
  local tag=$1 c0 c1 mem   # after the transition: start-up work is not steady state)
  sleep "${2:-$SETTLE}"
  kill -0 "$PID_a" 2>/dev/null || { result "cpu.$tag" fail; result "rss.$tag" fail; return 1; }
  c0=$(tree_cpu "$PID_a")
  sleep "$WINDOW"
  c1=$(tree_cpu "$PID_a")
  mem=$(tree_mem "$PID_a")
  result "cpu.$tag" "$(awk -v a="$c0" -v b="$c1" -v w="$WINDOW" 'BEGIN{printf "%.4f", (b - a) * 60 / w}')"
  set -- $mem
  result "rss.$tag" "$1"
  result "pss.$tag" "$2"
  result "nproc.$tag" "$3"
  result "anon.$tag" "$4"
  [ "$(count_vips a)" -ge "${tag%%[!0-9]*}" ] || log "steady $tag: VIPs lost during the window"
}

stop_time() { # stop_time TAG
  local tag=$1 t0 t1
  t0=$(now)
  kill -TERM "$PID_a"
  if wait_exit "$PID_a" 30; then
    t1=$(now)
    result "stop.$tag" "$(awk -v a="$t1" -v b="$t0" 'BEGIN{printf "%.4f", a - b}')"
  else
    result "stop.$tag" fail
  fi
}

# SCALE_RUNS rounds over the counts (each key gets one sample per round: the report shows
# the median and the spread); rounds, not back-to-back repeats, so a passing disturbance on
# the host does not land on every sample of one count.
SCALE_RUNS=${SCALE_RUNS:-3}
for ((round = 1; round <= SCALE_RUNS; round++)); do
  for n in "${COUNTS[@]}"; do
    log "scale: $n instances at advert_int 1 ($IMPL), round $round/$SCALE_RUNS"
    if start_many "$n" 1 2 "$n"; then
      steady "$n"
      [ "$n" = 200 ] && stop_time 200
    else
      result "cpu.$n" fail
    fi
    reset_lab
  done
done

# N instances at advert_int 0.01 (VRRPv3): CPU, memory, jitter idle and under load.
# fast_case N TAG JKEY; keys cpu.TAG..., JKEY.idle.*, JKEY.load.*
fast_case() {
  local n=$1 tag=$2 jk=$3 t0 t1 sp m l0 ok=0 st0
  log "scale: $n instances at advert_int 0.01 ($IMPL)"
  # This case's part of the node's log (the file is shared by the cases of this script).
  l0=$(cat "$LAB/a.log" 2>/dev/null | wc -l)
  start_many "$n" 0.01 3 "$tag" && ok=1
  # keepalived's parent respawns a VRRP child the kernel killed (RLIMIT_RTTIME).
  result "respawn.$tag" "$(tail -n +$((l0 + 1)) "$LAB/a.log" | grep -c 'died: Respawning')"
  if [ "$ok" = 1 ]; then
    tail -n +$((l0 + 1)) "$LAB/a.log" | grep -qi 'too much CPU time' &&
      log "$tag: the daemon logged SIGXCPU (half of vrrp_rlimit_rttime)"
    result "rt.$tag" "$(tree_rr "$PID_a")"
    sleep "$SETTLE"
    vrrp_capture_start "$LAB/idle.pcap"
    t0=$(now)
    steady "$tag" 0
    t1=$(now)
    capture_stop
    jitter_of idle "$jk" "$n" "$t0" "$t1"
    # stress-ng on every core (in the lab's client namespace; it only burns CPU).
    ip netns exec "$P-cl" stress-ng --cpu "$(nproc)" --timeout "$((WINDOW + 4))s" --quiet >/dev/null 2>&1 &
    sp=$!; LAB_PIDS+=("$sp")
    sleep 1
    vrrp_capture_start "$LAB/load.pcap"
    t0=$(now); st0=$(steal_ms)
    sleep "$WINDOW"
    t1=$(now)
    result "$jk.load.steal" "$(( $(steal_ms) - st0 ))"
    capture_stop
    wait "$sp" 2>/dev/null
    jitter_of load "$jk" "$n" "$t0" "$t1"
    # Killed on the way (keepalived's VRRP child by RLIMIT_RTTIME, then respawned)?
    local died
    died=$(tail -n +$((l0 + 1)) "$LAB/a.log" | grep -c 'died: Respawning')
    kill -0 "$PID_a" 2>/dev/null || died=$((died + 1))
    result "died.$tag" "$died"
    reset_lab
    [ "$died" = 0 ]
    return
  fi
  result "cpu.$tag" fail
  result "$jk.idle.missed" fail
  result "$jk.load.missed" fail
  reset_lab
  return 1
}

jitter_of() { # jitter_of idle|load JKEY N T0 T1
  local m=$1 jk=$2 n=$3 t0=$4 t1=$5
  python3 "$here/lib/adverts.py" dump "$LAB/$m.pcap" "$LAB/$m.adv"
  set -- $(python3 "$here/lib/adverts.py" jitter "$LAB/$m.adv" "$(node_ip a)" 0.01 "$t0" "$t1")
  result "$jk.$m.p50" "$1"; result "$jk.$m.p99" "$2"; result "$jk.$m.max" "$3"
  # No interval at all (the daemon was dead for the window): missed is not "0".
  if [ "${5:-0}" = 0 ]; then result "$jk.$m.missed" fail; else result "$jk.$m.missed" "$4"; fi
  result "$jk.$m.intervals" "$5"; result "$jk.$m.instances" "$6"
  result "$jk.$m.expected" "$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN{printf "%d", (b - a) * n / 0.01}')"
  result "$jk.$m.capdrop" "$(grep -o '[0-9]* packets dropped by kernel' "$LAB/$m.pcap.stats" | awk '{print $1}')"
}

RT_PRIO=${RT_PRIO:-50}
if [ -z "${NO_FAST:-}" ]; then
  # When 50 cannot start, 25 instances still say something about the loop's timing.
  fast_case 50 50-v3-10ms jitter || fast_case 25 25-v3-10ms jitter25
  # The previous labs' namespaces are torn down asynchronously, under the RTNL lock; a
  # real-time daemon adding its VIPs meanwhile spins on that lock, and the kernel counts the
  # spinning against RLIMIT_RTTIME (vrrp_rlimit_rttime, 10 ms by default): both daemons were
  # SIGKILLed that way at start-up. Let the teardown finish first.
  sleep 3
  if ! GEN_GLOBAL="vrrp_rt_priority $RT_PRIO" fast_case 50 50-v3-10ms-rt jitter-rt; then
    # Killed (at start-up or later): the same with a 1 s limit, keys *-rtl.
    sleep 3
    GEN_GLOBAL="vrrp_rt_priority $RT_PRIO;vrrp_rlimit_rttime 1000000" fast_case 50 50-v3-10ms-rtl jitter-rtl
  fi
fi

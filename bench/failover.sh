#!/usr/bin/env bash
# Failover figures for one implementation: two nodes, a (priority 150, state MASTER, tracks a
# check script) and b (priority 100, BACKUP), on one bridge; tcpdump on the bridge and
# `ip -ts monitor address` in both nodes. Per run:
#   kill     SIGKILL a's whole tree       a's last advert -> b's first advert / b owns the VIP
#   restart  start a again (preempts)     exec of the daemon -> a's first advert / a owns the VIP
#                                         (and the launch overhead: launch -> exec)
#   script   a's check script fails       failure (flag file) -> b's first advert / VIP,
#                                         and a's priority-0 advert -> b's first advert
#   term     SIGTERM to a                 a's priority-0 advert -> b's first advert / VIP
# at advert_int 1 (VRRPv2) and 0.05 (VRRPv3, IPv4).
#
#   bench/failover.sh IMPL OUT      IMPL: ka or path/to/keepalived-rs; OUT: raw results file
here=$(cd "$(dirname "$0")" && pwd)
IMPL=${1:?usage: failover.sh ka|BIN OUT}
export BENCH_OUT=${2:?usage: failover.sh ka|BIN OUT}
P=kbf$$
. "$here/lib/bench.sh"
trap lab_cleanup EXIT
VIP=192.0.2.100

conf() { # conf NODE PRIO STATE INT VERSION
  local node=$1 prio=$2 state=$3 int=$4 ver=$5
  cat <<EOC
global_defs {
    router_id $node
    vrrp_version $ver
}
vrrp_script chk {
    script "/usr/bin/test ! -e $LAB/$node.flag"
    interval 1
    fall 1
    rise 1
}
vrrp_instance VI_1 {
    state $state
    interface eth0
    virtual_router_id 51
    priority $prio
    advert_int $int
    virtual_ipaddress {
        $VIP/32
    }
    track_script {
        chk
    }
}
EOC
}

reset_lab() {
  local pid ns
  for pid in "${LAB_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  LAB_PIDS=()
  for ns in "${LAB_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  LAB_NS=()
}

sub() { # sub A B: A - B in seconds, or nan
  awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "nan" || b == "nan" || a == "" || b == "") print "fail"; else printf "%.4f", a - b }'
}

run_case() {
  local tag=$1 int=$2 ver=$3 settle=$4 wait_s=$5
  local ipa ipb r t_kill t_restart t_flag t_term ok
  local -a K=() R=() S=() T=() X=()
  log "failover $tag ($IMPL): $RUNS runs"
  lab_up 2
  ipa=$(node_ip a); ipb=$(node_ip b)
  conf a 150 MASTER "$int" "$ver" >"$LAB/a.conf"
  conf b 100 BACKUP "$int" "$ver" >"$LAB/b.conf"
  rm -f "$LAB/a.flag" "$LAB/b.flag"
  capture_start "$LAB/$tag.pcap"
  monitor_start a "$LAB/$tag.mon-a"; local mon_a=$MON_PID
  monitor_start b "$LAB/$tag.mon-b"; local mon_b=$MON_PID
  run_daemon a "$IMPL" "$LAB/a.conf"
  sleep 0.2
  run_daemon b "$IMPL" "$LAB/b.conf"
  if ! wait_vip a "$VIP" 15; then
    log "$tag: a never became master"; capture_stop; reset_lab
    for r in kill restart script term; do result "failover.$r.advert.$tag" fail; done
    return
  fi
  for ((r = 0; r < RUNS; r++)); do
    sleep "$settle"
    t_kill=$(now); crash_daemon a; K+=("$t_kill")
    wait_vip b "$VIP" "$wait_s" || log "$tag run $r: b did not take over after kill"
    sleep "$settle"
    t_restart=$(now); bench_daemon a "$IMPL" "$LAB/a.conf"; R+=("$t_restart"); X+=("$(exec_time a)")
    wait_no_vip a "$VIP" 5
    wait_vip a "$VIP" "$wait_s" || log "$tag run $r: a did not preempt after restart"
    wait_no_vip b "$VIP" "$wait_s"   # a stale VIP on a is not preemption: b must have let go
    sleep "$settle"
    t_flag=$(now); touch "$LAB/a.flag"; S+=("$t_flag")
    wait_vip b "$VIP" "$wait_s" || log "$tag run $r: b did not take over after script failure"
    rm -f "$LAB/a.flag"
    wait_no_vip b "$VIP" "$wait_s"; wait_vip a "$VIP" "$wait_s" || log "$tag run $r: a did not come back after the script recovered"
    sleep "$settle"
    t_term=$(now); stop_daemon a; T+=("$t_term")
    wait_vip b "$VIP" "$wait_s" || log "$tag run $r: b did not take over after SIGTERM"
    sleep "$settle"
    run_daemon a "$IMPL" "$LAB/a.conf"
    wait_vip a "$VIP" "$wait_s" || log "$tag run $r: a did not come back for the next run"
    wait_no_vip b "$VIP" "$wait_s"
  done
  sleep 0.3
  capture_stop; monitor_stop "$mon_a"; monitor_stop "$mon_b"
  local d="$LAB/$tag.adv" A="$here/lib/adverts.py" M="$here/lib/monitor.py"
  python3 "$A" dump "$LAB/$tag.pcap" "$d"
  cp "$d" "$BENCH_RESULTS/failover-$(impl_name "$IMPL")-$tag.adverts.txt" 2>/dev/null
  local last first p0 vip nk
  {
    for ((r = 0; r < RUNS; r++)); do echo "run $r kill ${K[r]} restart ${R[r]} exec ${X[r]} script ${S[r]} term ${T[r]}"; done
  } >"$BENCH_RESULTS/failover-$(impl_name "$IMPL")-$tag.events.txt"
  # Each event's adverts are searched only up to the next event.
  for ((r = 0; r < RUNS; r++)); do
    nk=${K[r + 1]:-nan}
    # a's last advert is the last one before the restart: one can still leave between the
    # kill's timestamp and the signal's delivery (seen at advert_int 0.05: +1 interval).
    last=$(python3 "$A" last "$d" "$ipa" "${R[r]}")
    if [ "$(python3 "$A" lastprio "$d" "$ipa" "${R[r]}")" = 0 ]; then
      # A priority-0 advert after the kill: a VRRP process shut down cleanly (keepalived's
      # child gets SIGTERM when its parent dies), so this run is not a crash; not counted.
      log "$tag run $r: priority-0 advert after kill -9; run left out of the kill figures"
      result "failover.kill.clean.$tag" 1
    else
      first=$(python3 "$A" first "$d" "$ipb" "$last" "${R[r]}")
      vip=$(python3 "$M" first "$LAB/$tag.mon-b" "$VIP" "${K[r]}")
      result "failover.kill.advert.$tag" "$(sub "$first" "$last")"
      result "failover.kill.vip.$tag" "$(sub "$vip" "$last")"
    fi
    first=$(python3 "$A" first "$d" "$ipa" "${R[r]}" "${S[r]}")
    vip=$(python3 "$M" first "$LAB/$tag.mon-a" "$VIP" "${R[r]}")
    result "failover.restart.advert.$tag" "$(sub "$first" "${X[r]}")"
    result "failover.restart.vip.$tag" "$(sub "$vip" "${X[r]}")"
    result "failover.restart.launch.$tag" "$(sub "${X[r]}" "${R[r]}")"
    first=$(python3 "$A" first "$d" "$ipb" "${S[r]}" "${T[r]}")
    p0=$(python3 "$A" prio0 "$d" "$ipa" "${S[r]}" "${T[r]}")
    vip=$(python3 "$M" first "$LAB/$tag.mon-b" "$VIP" "${S[r]}")
    result "failover.script.advert.$tag" "$(sub "$first" "${S[r]}")"
    result "failover.script.vip.$tag" "$(sub "$vip" "${S[r]}")"
    if [ "$p0" = nan ]; then
      log "$tag run $r: no priority-0 advert after the script failed"
      result "failover.script.noprio0.$tag" 1
    else
      result "failover.script.prio0.$tag" "$(sub "$(python3 "$A" first "$d" "$ipb" "$p0" "${T[r]}")" "$p0")"
    fi
    p0=$(python3 "$A" prio0 "$d" "$ipa" "${T[r]}" "$nk")
    if [ "$p0" = nan ]; then
      # No priority-0 advert: the backup waits Master_Down_Interval; measure from a's last one.
      log "$tag run $r: no priority-0 advert after SIGTERM"
      result "failover.term.noprio0.$tag" 1
      first=$(python3 "$A" first "$d" "$ipb" "${T[r]}" "$nk")
      p0=$(python3 "$A" last "$d" "$ipa" "$first")
    else
      first=$(python3 "$A" first "$d" "$ipb" "$p0" "$nk")
    fi
    vip=$(python3 "$M" first "$LAB/$tag.mon-b" "$VIP" "${T[r]}")
    result "failover.term.advert.$tag" "$(sub "$first" "$p0")"
    result "failover.term.vip.$tag" "$(sub "$vip" "$p0")"
  done
  reset_lab
}

BENCH_RESULTS=${BENCH_RESULTS:-$here/results}
[ -n "${ONLY:-}" ] && [ "$ONLY" != v2-1s ] || run_case v2-1s 1 2 1.2 12
[ -n "${ONLY:-}" ] && [ "$ONLY" != v3-50ms ] || run_case v3-50ms 0.05 3 0.4 6

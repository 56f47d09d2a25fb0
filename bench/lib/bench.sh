# Helpers for the benchmarks (bench/*.sh). Sources the mixed-cluster lab of
# test/interop/lib.sh (namespaces under a unique prefix, run_daemon, crash_daemon, ...) and
# adds: many-instance configs over several L2 segments, process-tree CPU/memory from /proc,
# timestamped address monitoring, and the raw-result writer.
#
# Raw results: one line per sample, "KEY VALUE" (VALUE a number, "fail" or free text for
# info keys), appended to $BENCH_OUT (bench/results/raw-<impl>.txt). bench/lib/report.py
# turns both implementations' files into the tables.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
. "$ROOT/test/interop/lib.sh"

BENCH_QUICK=${BENCH_QUICK:-}
# Measurement window for CPU/jitter (s) and runs per failover figure.
if [ -n "$BENCH_QUICK" ]; then WINDOW=${WINDOW:-10} RUNS=${RUNS:-3}; else WINDOW=${WINDOW:-60} RUNS=${RUNS:-5}; fi

now() { date +%s.%N; }

# result KEY VALUE: one sample.
result() { printf '%s %s\n' "$1" "$2" | tee -a "${BENCH_OUT:?}" >&2; }

# Every pid in the tree rooted at PID (PID first).
tree_pids() {
  local root=$1
  python3 - "$root" <<'PY'
import os, sys
root = int(sys.argv[1])
kids = {}
for d in os.listdir('/proc'):
    if not d.isdigit():
        continue
    try:
        with open(f'/proc/{d}/stat') as f:
            s = f.read()
    except OSError:
        continue
    ppid = int(s[s.rindex(')') + 2:].split()[1])
    kids.setdefault(ppid, []).append(int(d))
out, todo = [], [root]
while todo:
    p = todo.pop()
    out.append(p)
    todo.extend(kids.get(p, []))
print(' '.join(map(str, out)))
PY
}

# CPU seconds of the tree rooted at PID: the scheduler's on-CPU time of every thread
# (/proc/PID/task/TID/schedstat, ns) plus cutime+cstime of /proc/PID/stat (children that have
# exited and been reaped, e.g. scripts). Tick-based utime+stime has 10 ms resolution, too coarse
# for 1 instance over a short window.
tree_cpu() {
  python3 - $(tree_pids "$1") <<'PY'
import os, sys
hz = os.sysconf('SC_CLK_TCK')
tot = 0.0
for p in sys.argv[1:]:
    try:
        for t in os.listdir(f'/proc/{p}/task'):
            with open(f'/proc/{p}/task/{t}/schedstat') as f:
                tot += int(f.read().split()[0]) / 1e9
        with open(f'/proc/{p}/stat') as f:
            s = f.read()
        fields = s[s.rindex(')') + 2:].split()
        tot += (int(fields[13]) + int(fields[14])) / hz
    except OSError:
        pass
print(f'{tot:.6f}')
PY
}

# "RSS_KB PSS_KB NPROC ANON_KB" of the tree rooted at PID (VmRSS, smaps_rollup Pss and
# RssAnon, summed).
tree_mem() {
  local p rss=0 pss=0 n=0 anon=0 r s a
  for p in $(tree_pids "$1"); do
    r=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null)
    a=$(awk '/^RssAnon:/{print $2}' "/proc/$p/status" 2>/dev/null)
    s=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
    [ -n "$r" ] || continue
    rss=$((rss + r)); pss=$((pss + ${s:-0})); anon=$((anon + ${a:-0})); n=$((n + 1))
  done
  echo "$rss $pss $n $anon"
}

# How many processes of the tree rooted at PID run SCHED_RR or SCHED_FIFO (/proc/PID/stat
# field 41, policy: 1 FIFO, 2 RR; ignoring the reset-on-fork flag).
tree_rr() {
  local p n=0 pol s
  for p in $(tree_pids "$1"); do
    s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    s=${s##*) }
    pol=$(echo "$s" | awk '{print $39}')
    case $pol in 1|2) n=$((n + 1)) ;; esac
  done
  echo "$n"
}

# Steal time of all CPUs so far (ms, /proc/stat): time the hypervisor ran something else while
# a vCPU had work. A hiccup in an advert stream during a window with steal is not the daemon's.
steal_ms() { awk -v hz="$(getconf CLK_TCK)" '/^cpu /{printf "%d", $9 * 1000 / hz}' /proc/stat; }

# Many instances: segment k (0..3) is its own bridge br<k> in the switch namespace (like a
# VLAN) and interface eth<k> in each node; it carries up to 250 instances, VRIDs 1..250.
# VIP of instance (k, v): 198.51.100.v/32 on even segments, 203.0.113.v/32 on odd ones. The
# segments are separate L2 domains, so segments 2 and 3 reuse segment 0 and 1's numbers; VIPs
# are counted per (interface, address).
PER_SEG=250
segments_for() { echo $(( ($1 + PER_SEG - 1) / PER_SEG )); }
vip_of() { local k=$1 v=$2; if ((k % 2)); then echo "203.0.113.$v"; else echo "198.51.100.$v"; fi; }

# add_segments K NODE...: bridges br1..br<K-1> and eth1.. in each node (eth0/br0 exist).
add_segments() {
  local k=$1 n i; shift
  for ((i = 1; i < k; i++)); do
    ip -n "$P-sw" link add "br$i" type bridge
    ip -n "$P-sw" link set "br$i" up
    echo 0 | ip netns exec "$P-sw" tee "/sys/class/net/br$i/bridge/multicast_snooping" >/dev/null
    for n in "$@"; do
      ip -n "$P-sw" link add "p$n$i" type veth peer name "eth$i" netns "$P-$n"
      ip -n "$P-sw" link set "p$n$i" master "br$i" up
      ip -n "$P-$n" addr add "$(node_ip "$n")/24" dev "eth$i"
      ip -n "$P-$n" link set "eth$i" up
    done
  done
}

# gen_many OUT N PRIO INT VERSION: N instances, all "state MASTER" with priority PRIO.
# GEN_GLOBAL (optional): more global_defs lines, separated by ";", e.g. "vrrp_rt_priority 50".
gen_many() {
  local out=$1 n=$2 prio=$3 int=$4 ver=$5 i k v vip
  {
    echo "global_defs {"
    echo "    router_id bench"
    echo "    vrrp_version $ver"
    if [ -n "${GEN_GLOBAL:-}" ]; then
      local IFS=';' g
      for g in $GEN_GLOBAL; do echo "    $g"; done
      unset IFS
    fi
    echo "}"
    # printf, no subshell per instance: 1000 instances in a fraction of a second.
    for ((i = 0; i < n; i++)); do
      k=$((i / PER_SEG)); v=$((i % PER_SEG + 1))
      if ((k % 2)); then vip=203.0.113.$v; else vip=198.51.100.$v; fi
      printf 'vrrp_instance VI_%d {\n    state MASTER\n    interface eth%d\n    virtual_router_id %d\n    priority %s\n    advert_int %s\n    virtual_ipaddress {\n        %s/32\n    }\n}\n' \
        "$i" "$k" "$v" "$prio" "$int" "$vip"
    done
  } >"$out"
}

# Number of bench VIPs (198.51.100.x / 203.0.113.x /32) NODE holds, over all interfaces.
count_vips() {
  ip -n "$P-$1" -o -4 addr show 2>/dev/null | grep -cE ' inet (198\.51\.100|203\.0\.113)\.[0-9]+/32 '
}

# Timestamped address events of NODE into FILE (ip -ts monitor). Sets MON_PID.
monitor_start() {
  local node=$1 file=$2
  ip -n "$P-$node" -ts monitor address >"$file" 2>/dev/null &
  MON_PID=$!
  LAB_PIDS+=("$MON_PID")
  sleep 0.2
}
monitor_stop() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

# First time (epoch) ADDR was added in a monitor FILE after epoch T; "nan" when never.
vip_added_after() {
  python3 "$BENCH_DIR/lib/monitor.py" first "$1" "$2" "$3"
}

# Capture of VRRP only on br0, with a large kernel buffer (5000 adverts/s in the jitter case);
# tcpdump's own drop count goes to FILE.stats. Sets CAP_PID (capture_stop stops it).
vrrp_capture_start() {
  local file=$1
  ip netns exec "$P-sw" tcpdump -i br0 -B 32768 -s 128 -n -w "$file" 'ip proto 112' \
    >/dev/null 2>"$file.stats" &
  CAP_PID=$!
  LAB_PIDS+=("$CAP_PID")
  sleep 0.5
}

# Wait (bounded, SECS) until PID has exited.
wait_exit() {
  local pid=$1 secs=${2:-20} i
  for ((i = 0; i < secs * 200; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.005; done
  return 1
}

# Kill a whole daemon tree by its pids (SIGKILL), e.g. after a stop that timed out.
kill_tree() { local p; for p in $(tree_pids "$1"); do kill -KILL "$p" 2>/dev/null; done; }

# bench_daemon NODE IMPL CONF: like run_daemon (test/interop/lib.sh: same commands, log, pid
# files, PID_<node>), and the epoch of the daemon's exec goes to $LAB/NODE.exec: a bash in the
# node's namespace writes $EPOCHREALTIME and execs the daemon (same PID). Figures counted
# from a (re)start use it, not the launch: `ip netns exec` (setns, a new mount namespace,
# sysfs remounted) alone takes 15-50 ms on a busy 2-core host, which is the harness's cost.
bench_daemon() {
  local node=$1 impl=$2 conf=$3 pid
  local logf="$LAB/$node.log" pidf="$LAB/$node.pid" vpidf="$LAB/$node.vrrp.pid" stamp="$LAB/$node.exec"
  rm -f "$pidf" "$vpidf" "$stamp"
  if [ "$impl" = ka ]; then
    ip netns exec "$P-$node" unshare -m bash -c \
      "mount -t tmpfs tmpfs /tmp && echo \$EPOCHREALTIME >$stamp && exec $KEEPALIVED -n -l -D -P -f $conf -p $pidf -r $vpidf" \
      >>"$logf" 2>&1 &
  else
    mkdir -p "$LAB/$node.tmp"
    ip netns exec "$P-$node" env TMPDIR="$LAB/$node.tmp" bash -c 'echo $EPOCHREALTIME >"$0"; exec "$@"' \
      "$stamp" "$impl" -n -l -D -f "$conf" -p "$pidf" -r "$vpidf" >>"$logf" 2>&1 &
  fi
  pid=$!
  LAB_PIDS+=("$pid")
  printf -v "PID_$node" '%s' "$pid"
  printf -v "IMPL_$node" '%s' "$impl"
}

# The exec epoch bench_daemon recorded for NODE (waits up to 2 s for it); "nan" if none.
exec_time() {
  local f="$LAB/$1.exec" i
  for ((i = 0; i < 200; i++)); do [ -s "$f" ] && { cat "$f"; return; }; sleep 0.01; done
  echo nan
}

impl_name() { [ "$1" = ka ] && echo keepalived || echo ours; }

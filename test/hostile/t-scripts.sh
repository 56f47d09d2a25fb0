#!/usr/bin/env bash
# Scripts under hostile conditions (issue 11), first under keepalived 2.2.7 (when installed)
# and then under ours, one MASTER with enable_script_security:
#   chk_slow   runs 2.5 s at interval 1: never two copies at once (flock -n in the script)
#   chk_hung   never exits, timeout 2: killed with its children, then run again, never two
#   chk_unsafe mode 0777 (world-writable): refused ("Unsafe permissions ...") and never run
#   notify_master  never exits (a child `sleep` too): killed at stop, children included
#   notify     the generic notify; at STOP it never exits: the daemon waits 1 s, then kills it
#   notify_stop    takes 0.3 s: it finishes before the daemon exits
# The argument vectors the notify commands receive (quotes, escapes, the generic notify's four
# words) must be the same under both daemons. The other checks apply to ours; keepalived's
# figures are reported beside them (2.2.7 starts overlapping copies of a slow check script and
# leaves a hook's children running after the stop). Usage: t-scripts.sh path/to/keepalived-rs
set -u
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../netns/lib.sh"
KEEPALIVED=${KEEPALIVED:-/usr/sbin/keepalived}
lab_init scripts
dump_logs() { for f in "$LAB_DIR"/*.log; do echo "--- $f"; tail -n 25 "$f"; done; }
reap_strays() { # processes our scripts left (keepalived leaves some): by their recorded PIDs
  local p
  for p in $(cat "$LAB_DIR"/*/pids 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
}
trap 'rc=$?; [ $rc -ne 0 ] && dump_logs; reap_strays; lab_cleanup; exit $rc' EXIT
out=${HOSTILE_OUT:-/tmp}/hostile-scripts.txt
: >"$out"

mkscripts() { # mkscripts DIR
  local d=$1
  mkdir -p "$d"
  cat >"$d/rec.sh" <<EOS
#!/bin/sh
line=
for a in "\$@"; do line="\$line[\$a]"; done
printf '%s\n' "\$line" >>"$d/argv"   # one write: two hooks may run at once
if [ "\$1" = master ] || [ "\$4" = STOP ]; then
  sleep 1000 &
  echo \$! >>"$d/pids"
  echo \$\$ >>"$d/pids"
  wait
fi
EOS
  cat >"$d/slow.sh" <<EOS
#!/bin/sh
exec 9>"$d/slow.lock"
flock -n 9 || { echo slow >>"$d/overlap"; exit 1; }
echo run >>"$d/slow.runs"
sleep 2.5
EOS
  cat >"$d/hung.sh" <<EOS
#!/bin/sh
exec 9>"$d/hung.lock"
flock -n 9 || { echo hung >>"$d/overlap"; exit 1; }
echo run >>"$d/hung.runs"
sleep 1000 &
echo \$! >>"$d/pids"
echo \$\$ >>"$d/pids"
wait
EOS
  cat >"$d/stop.sh" <<EOS
#!/bin/sh
sleep 0.3
echo done >"$d/stop.done"
EOS
  printf '#!/bin/sh\necho ran >"%s/unsafe.ran"\n' "$d" >"$d/unsafe.sh"
  chmod 0755 "$d/rec.sh" "$d/slow.sh" "$d/hung.sh" "$d/stop.sh"
  chmod 0777 "$d/unsafe.sh"
  cat >"$d/keepalived.conf" <<EOC
global_defs {
    enable_script_security
    script_user root
}
vrrp_script chk_slow {
    script "$d/slow.sh"
    interval 1
    timeout 5
}
vrrp_script chk_hung {
    script "$d/hung.sh"
    interval 1
    timeout 2
}
vrrp_script chk_unsafe {
    script "$d/unsafe.sh"
    interval 1
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        $VIP/32
    }
    track_script {
        chk_slow weight 10
        chk_hung weight 10
        chk_unsafe weight 10
    }
    notify_master "$d/rec.sh master 'single quoted' \"double quoted\" back\\\\slash tab\\tx"
    notify_stop $d/stop.sh
    notify "$d/rec.sh generic"
}
EOC
}

run_impl() { # run_impl ka|rs NODE ADDR VIP
  local impl=$1 node=$2 pid t0 t1 ms d alive=0 p n
  VIP=$4
  d="$LAB_DIR/$impl"
  mkscripts "$d"
  lab_node "$node" "$3/24"
  if [ "$impl" = ka ]; then
    lab_run "$node" "$LAB_DIR/$impl.log" "$KEEPALIVED" -n -l -D -P -f "$d/keepalived.conf" \
      -p "$d/k.pid" -r "$d/v.pid"
  else
    mkdir -p "$d/tmp"
    lab_run "$node" "$LAB_DIR/$impl.log" env TMPDIR="$d/tmp" "$BIN" -n -l -D -f "$d/keepalived.conf" \
      -p "$d/k.pid" -r "$d/v.pid"
  fi
  pid=$LAB_LAST_PID
  lab_wait 8 lab_has_addr "$node" "$VIP" >/dev/null || lab_fail "$impl: never MASTER"
  sleep 7
  kill -0 "$pid" || lab_fail "$impl: died"
  t0=$(date +%s%3N)
  kill -TERM "$pid"
  lab_wait 6 bash -c "! kill -0 $pid 2>/dev/null" >/dev/null || lab_fail "$impl: did not stop within 6 s"
  t1=$(date +%s%3N)
  ms=$((t1 - t0))
  sleep 0.3
  # zombies (dead, waiting for a reaper) do not count
  for p in $(cat "$d/pids" 2>/dev/null); do
    case $(ps -o stat= -p "$p" 2>/dev/null) in "" | Z*) ;; *) alive=$((alive + 1)) ;; esac
  done
  n=$(wc -l <"$d/pids" 2>/dev/null || echo 0)
  local slow hung over stopdone unsafe
  slow=$(wc -l <"$d/slow.runs" 2>/dev/null || echo 0)
  hung=$(wc -l <"$d/hung.runs" 2>/dev/null || echo 0)
  over=$(sort "$d/overlap" 2>/dev/null | uniq -c | awk '{printf "%s%s ×%s", (NR > 1 ? ", " : ""), $2, $1}')
  stopdone=$([ -f "$d/stop.done" ] && echo yes || echo no)
  unsafe=$([ -f "$d/unsafe.ran" ] && echo ran || echo refused)
  grep -q "Unsafe permissions found for script '$d/unsafe.sh'" "$LAB_DIR/$impl.log" || unsafe="$unsafe (no log line)"
  line="$impl: chk_slow ran $slow×, chk_hung ran $hung×, overlapping starts: ${over:-none}; chk_unsafe $unsafe; stop took $ms ms, notify_stop finished: $stopdone; script processes still alive after stop: $alive of $n"
  lab_log "$line"
  echo "$line" >>"$out"
  # the generic notify's last word is the priority, which depends on the scripts' timing
  sed -E 's/^(\[generic\].*)\[[0-9]+\]$/\1[prio]/' "$d/argv" | sort >"$LAB_DIR/argv.$impl"
  if [ "$impl" = rs ]; then
    [ -z "$over" ] || lab_fail "two copies of a check script ran at once: $over"
    [ "$slow" -ge 2 ] && [ "$hung" -ge 2 ] || lab_fail "check scripts did not run again (slow $slow, hung $hung)"
    [ "$unsafe" = refused ] || lab_fail "chk_unsafe: $unsafe"
    [ "$stopdone" = yes ] || lab_fail "notify_stop was cut short"
    [ "$alive" = 0 ] || { ps -o pid,ppid,pgid,stat,args -p "$(tr '\n' ',' <"$d/pids" | sed 's/,$//')"
      lab_fail "$alive script processes survived the stop"; }
    [ "$ms" -ge 900 ] && [ "$ms" -le 2500 ] || lab_fail "stop took $ms ms (want the 1 s notify grace, then exit)"
  fi
}

impls=()
if [ "${KA_COMPARE:-1}" != 0 ] && [ -x "$KEEPALIVED" ]; then impls+=(ka); fi
impls+=(rs)
for impl in "${impls[@]}"; do
  if [ "$impl" = ka ]; then run_impl ka ka 192.0.2.11 192.0.2.100; else run_impl rs rs 192.0.2.21 192.0.2.101; fi
done
lab_log "argv seen by the notify commands (ours):"
sed 's/^/    /' "$LAB_DIR/argv.rs"
grep -q '^\[master\]\[single quoted\]\[double quoted\]' "$LAB_DIR/argv.rs" || lab_fail "notify_master words split wrongly"
if [ -f "$LAB_DIR/argv.ka" ]; then
  diff "$LAB_DIR/argv.ka" "$LAB_DIR/argv.rs" || lab_fail "notify argv differ from keepalived 2.2.7 (< keepalived, > ours)"
  lab_log "PASS: the notify commands got the same words as under keepalived 2.2.7"
else
  lab_log "PASS (no comparison: keepalived not run)"
fi

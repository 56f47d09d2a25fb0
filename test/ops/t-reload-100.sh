#!/usr/bin/env bash
# SIGHUP soak: 100 reloads in a row on the master while a client fetches a page through the
# VIP. The VIP must never disappear (netlink is watched), no state transition may happen,
# RSS and the fd count stay stable. Then: a broken file changes nothing, and a reload that
# adds and removes instances and VIPs does exactly that (the netlink monitor keeps watching:
# VI_1's VIP is never deleted); the removed instances run their notifies, VI_2 (with
# notify_deleted) as DELETED and VI_3 (without) as FAULT. Every reload logs "Reloading ..."
# and every applied one "Reload complete".
here=$(cd "$(dirname "$0")" && pwd)
BIN=$(readlink -f "${1:?usage: t-reload-100.sh path/to/keepalived-rs}")
. "$here/../interop/lib.sh"
trap lab_cleanup EXIT
RELOADS=${RELOADS:-100}
fail=0
failed=()
check() {
  if eval "$2"; then log "ok: $1"; else log "FAIL: $1"; fail=1; failed+=("$1"); ip -n "$P-a" -br addr show dev eth0 >&2; fi
}

lab_up 2
STATE=MASTER PRIO=150 AUTH=PASS gen_conf a "$LAB/a.conf"
STATE=BACKUP PRIO=100 AUTH=PASS gen_conf b "$LAB/b.conf"
# The master also tracks a check script and has a notify hook: an unchanged instance must
# keep the script's result over a reload and must not notify or send gratuitous ARPs again.
printf '#!/bin/sh\necho "$*" >>%s/notify.txt\n' "$LAB" >"$LAB/notify.sh"
chmod 755 "$LAB/notify.sh"
python3 - "$LAB/a.conf" "$LAB/notify.sh" <<'PY'
import sys
path, hook = sys.argv[1:]
conf = open(path).read()
script = 'vrrp_script chk_ok {\n    script "/bin/true"\n    interval 1\n    weight 2\n}\n'
conf = conf.replace('vrrp_instance VI_1 {\n', script + 'vrrp_instance VI_1 {\n'
                    '    track_script {\n        chk_ok\n    }\n'
                    '    notify_master "%s"\n' % hook, 1)
open(path, 'w').write(conf)
PY
# A web server on each node answering with its name, bound to any address.
for n in a b; do
  mkdir -p "$LAB/www-$n" && echo "WEB-$n" >"$LAB/www-$n/index.html"
  ip netns exec "$P-$n" python3 -m http.server 80 --directory "$LAB/www-$n" >/dev/null 2>&1 &
  LAB_PIDS+=($!)
done
run_daemon a "$BIN" "$LAB/a.conf"
run_daemon b "$BIN" "$LAB/b.conf"
wait_master a 192.0.2.100 0 12 || die "a never became master"
sleep 1
pid=$(daemon_pid a)

# Watch every address change on the master's namespace for the whole soak.
ip -n "$P-a" monitor address >"$LAB/monitor.txt" 2>&1 &
MON=$!; LAB_PIDS+=("$MON")
# A client fetching through the VIP, 20 times a second.
( ok=0 bad=0
  while [ ! -f "$LAB/stop-client" ]; do
    page=$(ip netns exec "$P-cl" curl -s -m 1 http://192.0.2.100/)
    if [[ $page == *WEB-a* ]]; then ok=$((ok+1)); else bad=$((bad+1)); fi
    sleep 0.05
  done
  echo "$ok $bad" >"$LAB/client.txt" ) &
CLIENT=$!; LAB_PIDS+=("$CLIENT")

rss() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
# Warm-up reloads first: the allocator (glibc keeps a freed config table on its heap, and
# calloc then clears it in place) reaches its steady state within a few loads; what must
# stay flat is everything after that.
for ((i = 1; i <= ${WARMUP:-5}; i++)); do kill -HUP "$pid"; sleep 0.5; log "warm-up reload $i: RSS $(rss "$pid") kB"; done
# Both gratuitous ARP bursts of becoming master (5 at once, 5 more after
# vrrp_garp_master_delay) are over before the soak starts; bounded wait.
garps() { grep -c 'Sending gratuitous ARP on eth0 for 192.0.2.100' "$LAB/a.log"; }
for ((i = 0; i < 40; i++)); do [ "$(garps)" -ge 10 ] && break; sleep 0.25; done
rss0=$(rss "$pid"); fd0=$(fds "$pid"); m0=$(master_count a)
garp0=$(garps); notif0=$(wc -l <"$LAB/notify.txt"); kept0=$(grep -c 'VRRP_Script(chk_ok) considered successful on reload' "$LAB/a.log")
for ((i = 1; i <= RELOADS; i++)); do
  kill -HUP "$pid"
  sleep 0.1
done
sleep 2
touch "$LAB/stop-client"; wait "$CLIENT" 2>/dev/null
# The monitor keeps running (to the end of the test) for the add/remove phase below.
rss1=$(rss "$pid"); fd1=$(fds "$pid")
read -r got missed <"$LAB/client.txt"
reloads=$(grep -c 'Reload complete' "$LAB/a.log")
log "reloads completed: $reloads; client fetches ok=$got failed=$missed; RSS ${rss0}->${rss1} kB; fds ${fd0}->${fd1}"
check "every reload completed" "[ $reloads -ge $((RELOADS + 2)) ]"
reloading=$(grep -c 'Reloading \.\.\.' "$LAB/a.log")
check "each reload logged 'Reloading ...' and 'Reload complete'" "[ $reloading -eq $reloads ]"
check "the VIP never left the master (netlink)" "! grep -q 'Deleted.*192.0.2.100' $LAB/monitor.txt"
check "no state transition during the soak" "[ $(master_count a) -eq $m0 ] && ! grep -q 'Entering BACKUP STATE\$' $LAB/a.log"
check "the client never failed" "[ $missed -eq 0 ] && [ $got -gt 0 ]"
check "RSS stable (within 64 kB)" "[ $((rss1 - rss0)) -le 64 ]"
check "fd count stable" "[ $fd1 -eq $fd0 ]"
garp1=$(garps); notif1=$(wc -l <"$LAB/notify.txt"); kept1=$(grep -c 'VRRP_Script(chk_ok) considered successful on reload' "$LAB/a.log")
log "gratuitous ARPs for the VIP: $garp0 -> $garp1; notify_master runs: $notif0 -> $notif1; script kept on reload: $((kept1 - kept0)) times"
check "no gratuitous ARP burst on reload" "[ $garp0 -ge 10 ] && [ $garp1 -eq $garp0 ]"
check "no notify on reload" "[ $notif0 -eq 1 ] && [ $notif1 -eq $notif0 ]"
check "the check script's result is kept on every reload" "[ $((kept1 - kept0)) -ge $RELOADS ]"
check "the tracked script's weight still applies (priority 152)" "! grep -q 'Changing effective priority from 152' $LAB/a.log"

# A broken file changes nothing.
cp "$LAB/a.conf" "$LAB/a.good"
printf 'vrrp_instance BROKEN {\n  virtual_router_id 300\n' >>"$LAB/a.conf"
done0=$(grep -c 'Reload complete' "$LAB/a.log")
kill -HUP "$pid"; sleep 1
check "a broken file's diagnostics are logged with their location" "grep -q 'a.conf:[0-9]*:[0-9]*: error' $LAB/a.log"
check "a file with errors is not applied" "[ $(grep -c 'Reload complete' "$LAB/a.log") -eq $done0 ] && grep -q 'keeping the running' $LAB/a.log"
check "the VIP stays after a refused reload" "has_vip a 192.0.2.100"
check "the daemon is still running" "kill -0 $pid"

# Add two instances with VIPs and a VIP to VI_1; then remove them again.
printf '#!/bin/sh\necho "$*" >>%s/removed.txt\n' "$LAB" >"$LAB/removed.sh"
chmod 755 "$LAB/removed.sh"
: >"$LAB/removed.txt"
cp "$LAB/a.good" "$LAB/a.conf"
sed -i 's|        192.0.2.100/32|        192.0.2.100/32\n        192.0.2.101/32|' "$LAB/a.conf"
cat >>"$LAB/a.conf" <<CONF
vrrp_instance VI_2 {
    state MASTER
    interface eth0
    virtual_router_id 60
    priority 255
    advert_int 1
    virtual_ipaddress {
        198.51.100.10/32
        198.51.100.11/32
    }
    notify "$LAB/removed.sh"
    notify_deleted
}
vrrp_instance VI_3 {
    state MASTER
    interface eth0
    virtual_router_id 61
    priority 255
    advert_int 1
    virtual_ipaddress {
        198.51.100.12/32
    }
    notify "$LAB/removed.sh"
}
CONF
complete0=$(grep -c 'Reload complete' "$LAB/a.log")
kill -HUP "$pid"
wait_vip a 198.51.100.11 5
wait_vip a 198.51.100.12 5
wait_vip a 192.0.2.101 5
# Both owners are MASTER (their generic notify ran) before they are removed.
for ((i = 0; i < 40; i++)); do [ "$(grep -c MASTER "$LAB/removed.txt")" -ge 2 ] && break; sleep 0.1; done
check "the added VIP of VI_1 is set" "has_vip a 192.0.2.101"
check "the new owner instances VI_2 and VI_3 set their VIPs" "has_vip a 198.51.100.10 && has_vip a 198.51.100.11 && has_vip a 198.51.100.12"
check "the monitor saw the VIPs added by the reload" "grep -q '198.51.100.11' $LAB/monitor.txt && grep -q '192.0.2.101' $LAB/monitor.txt"
check "VI_1's first VIP untouched" "! grep -q 'Deleted.*192.0.2.100' $LAB/monitor.txt"
cp "$LAB/a.good" "$LAB/a.conf"
kill -HUP "$pid"
wait_no_vip a 198.51.100.11 5
wait_no_vip a 198.51.100.12 5
wait_no_vip a 192.0.2.101 5
for ((i = 0; i < 40; i++)); do [ "$(wc -l <"$LAB/removed.txt")" -ge 4 ] && break; sleep 0.1; done
check "the removed VIP is gone" "! has_vip a 192.0.2.101"
check "the removed instances' VIPs are gone" "! has_vip a 198.51.100.10 && ! has_vip a 198.51.100.11 && ! has_vip a 198.51.100.12"
check "the monitor saw the removed VIPs deleted" "grep -q 'Deleted.*198.51.100.12' $LAB/monitor.txt && grep -q 'Deleted.*192.0.2.101' $LAB/monitor.txt"
check "VI_1 still master with its VIP, never deleted" "has_vip a 192.0.2.100 && ! grep -q 'Deleted.*192.0.2.100' $LAB/monitor.txt"
check "both add/remove reloads logged 'Reload complete'" "[ $(grep -c 'Reload complete' "$LAB/a.log") -eq $((complete0 + 2)) ]"
log "removed instances' notifies: $(sort "$LAB/removed.txt" | tr '\n' ';')"
check "removed VI_2 (notify_deleted) notified DELETED" "grep -qx 'INSTANCE VI_2 DELETED 255' $LAB/removed.txt"
check "removed VI_3 notified FAULT" "grep -qx 'INSTANCE VI_3 FAULT 255' $LAB/removed.txt"
# STATS_CLEAR (SIGRTMAX-1): the stats are written, then the counters start again from zero.
sent() { kill -USR2 "$pid"; sleep 0.3; awk '/Sent:/{print $2; exit}' "$LAB/a.tmp/keepalived.stats"; }
# At least 3 adverts counted first (bounded: 20 tries, one advert a second).
for ((i = 0; i < 20; i++)); do sent0=$(sent); [ "${sent0:-0}" -ge 3 ] && break; sleep 0.5; done
kill -s RTMAX-1 "$pid"; sleep 0.3
sent1=$(sent)
log "adverts sent before STATS_CLEAR: $sent0, after: $sent1"
check "STATS_CLEAR zeroes the counters" "[ ${sent0:-0} -ge 3 ] && [ ${sent1:-99} -lt ${sent0:-0} ] && [ ${sent1:-99} -le 2 ]"

if [ "$fail" -eq 0 ]; then echo "reload: passed"; else
  tail -30 "$LAB/a.log"
  # Last, so that a truncated CI log still shows what failed.
  printf "reload: FAILED:"; printf " [%s]" "${failed[@]}"; echo
fi
exit "$fail"

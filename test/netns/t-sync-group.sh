#!/usr/bin/env bash
# A vrrp_sync_group on a two-LAN router pair, run twice in the same lab: first with keepalived
# 2.2.7 on both nodes, then with ours on both. Each run must give the same story, and the two
# runs the same sync-group log lines and group notifies:
#   1. a (priority 150) holds both VIPs (LAN 192.0.2.100 on eth0, WAN 198.51.100.100 on eth1);
#   2. a's WAN link goes down: a's VI_WAN faults, the group follows ("Syncing instances to
#      FAULT state"), b takes both VIPs ("Syncing instances to MASTER state");
#   3. the link comes back: a preempts both, b's group goes back ("... to BACKUP state").
# Usage: t-sync-group.sh path/to/keepalived-rs   (KA_COMPARE=0 runs ours only)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
lab_init sync
lab_node a 192.0.2.11/24
lab_node b 192.0.2.12/24
# The WAN side: a second bridge in the bridge namespace, eth1 on each node.
ip -n "$LAB-br" link add br1 type bridge
ip -n "$LAB-br" link set br1 up
n=11
for node in a b; do
  ip -n "$LAB-br" link add "w-$node" type veth peer name eth1 netns "$LAB-$node"
  ip -n "$LAB-br" link set "w-$node" master br1 up
  ip -n "$LAB-$node" addr add "198.51.100.$n/24" dev eth1
  ip -n "$LAB-$node" link set eth1 up
  n=$((n + 1))
done
LVIP=192.0.2.100
WVIP=198.51.100.100
cat >"$LAB_DIR/notify.sh" <<'EOS'
#!/bin/sh
echo "$*" >>"$(dirname "$0")/notify-$NODE.txt"
EOS
chmod +x "$LAB_DIR/notify.sh"
conf() { # NODE PRIORITY
  cat <<EOC
vrrp_sync_group VG_1 {
    group {
        VI_LAN
        VI_WAN
    }
    notify "$LAB_DIR/notify-$1.sh"
}
vrrp_instance VI_LAN {
    interface eth0
    virtual_router_id 61
    priority $2
    advert_int 1
    virtual_ipaddress {
        $LVIP/24
    }
}
vrrp_instance VI_WAN {
    interface eth1
    virtual_router_id 62
    priority $2
    advert_int 1
    virtual_ipaddress {
        $WVIP/24
    }
}
EOC
}
for node in a b; do
  # A wrapper per node: the daemons pass scripts no environment of ours.
  printf '#!/bin/sh\nNODE=%s exec %s "$@"\n' "$node" "$LAB_DIR/notify.sh" >"$LAB_DIR/notify-$node.sh"
  chmod +x "$LAB_DIR/notify-$node.sh"
done
conf a 150 >"$LAB_DIR/a.conf"
conf b 100 >"$LAB_DIR/b.conf"

KA=""
[ "${KA_COMPARE:-1}" != 0 ] && KA=$(command -v keepalived || true)
[ -n "$KA" ] || lab_log "keepalived 2.2.7 not run (KA_COMPARE=0 or not installed): ours only"
has() { grep -qF -- "$2" "$1"; }
holds() { lab_has_addr "$1" $LVIP && lab_has_addr "$1" $WVIP; }
holds_none() { ! lab_has_addr "$1" $LVIP && ! lab_has_addr "$1" $WVIP; }

start() { # WHO NODE
  local who=$1 node=$2 d=$LAB_DIR/$1-$2
  mkdir -p "$d"
  if [ "$who" = keepalived ]; then
    lab_run "$node" "$d/log" "$KA" -n -l -D -P -f "$LAB_DIR/$node.conf" -p "$d/pid" -r "$d/vpid"
  else
    lab_run "$node" "$d/log" env TMPDIR="$d" "$BIN" -n -l -D -f "$LAB_DIR/$node.conf" \
      -p "$d/pid" -r "$d/vpid"
  fi
}
stop() { # PID
  kill -TERM "$1" 2>/dev/null
  lab_wait 10 eval "! kill -0 $1 2>/dev/null" >/dev/null || lab_fail "pid $1 did not stop"
}
# The sync-group lines of a log, without timestamps and pids.
sync_lines() { grep -o 'VRRP_Group(VG_1) Syncing instances to [A-Z]* state' "$1"; }

run() { # WHO
  local who=$1 pa pb
  rm -f "$LAB_DIR"/notify-?.txt
  ip -n "$LAB-a" link set eth1 up
  start "$who" a
  pa=$LAB_LAST_PID
  start "$who" b
  pb=$LAB_LAST_PID
  CUR=$who
  trap 'rc=$?; [ $rc -ne 0 ] && tail -n 25 "$LAB_DIR/$CUR-a/log" "$LAB_DIR/$CUR-b/log"; lab_cleanup; exit $rc' EXIT
  lab_wait 15 holds a >/dev/null || lab_fail "$who: a did not take both VIPs"
  lab_wait 5 holds_none b >/dev/null || lab_fail "$who: b holds a VIP beside a"
  lab_log "$who: a holds both VIPs"

  ip -n "$LAB-a" link set eth1 down
  ms=$(lab_wait 10 holds b) || lab_fail "$who: b did not take both VIPs after a's WAN link went down"
  lab_wait 3 holds_none a >/dev/null || lab_fail "$who: a kept a VIP with its group in FAULT"
  lab_wait 3 has "$LAB_DIR/$who-a/log" "Syncing instances to FAULT state" >/dev/null ||
    lab_fail "$who: a logged no 'Syncing instances to FAULT state'"
  lab_log "$who: a's WAN link down: b holds both VIPs after ${ms} ms"

  ip -n "$LAB-a" link set eth1 up
  ms=$(lab_wait 15 holds a) || lab_fail "$who: a did not take the VIPs back"
  lab_wait 3 holds_none b >/dev/null || lab_fail "$who: b kept a VIP after a came back"
  lab_log "$who: link up: a holds both VIPs again after ${ms} ms"
  # Let the last notifies land; stop the backup first, so that a's priority-0 adverts at
  # its stop cannot hand b the group (a race between a's exit and b's Skew_Time).
  sleep 1
  stop "$pb"
  stop "$pa"
  for node in a b; do
    sync_lines "$LAB_DIR/$who-$node/log" >"$LAB_DIR/$who-$node.sync"
    grep -o 'GROUP VG_1 [A-Z]* [0-9]*' "$LAB_DIR/notify-$node.txt" >"$LAB_DIR/$who-$node.notify" 2>/dev/null
    lab_log "$who: $node's sync-group lines: $(tr '\n' ';' <"$LAB_DIR/$who-$node.sync")"
    lab_log "$who: $node's group notifies: $(tr '\n' ';' <"$LAB_DIR/$who-$node.notify")"
  done
}

[ -n "$KA" ] && run keepalived
run ours
# Ours on its own: the lines the story above implies.
has "$LAB_DIR/ours-a.sync" "Syncing instances to FAULT state" || lab_fail "ours: a has no FAULT sync line"
has "$LAB_DIR/ours-b.sync" "Syncing instances to MASTER state" || lab_fail "ours: b has no MASTER sync line"
has "$LAB_DIR/ours-b.sync" "Syncing instances to BACKUP state" || lab_fail "ours: b has no BACKUP sync line"
has "$LAB_DIR/ours-b.notify" "GROUP VG_1 MASTER" || lab_fail "ours: b has no GROUP MASTER notify"
has "$LAB_DIR/ours-a.notify" "GROUP VG_1 FAULT" || lab_fail "ours: a has no GROUP FAULT notify"
if [ -n "$KA" ]; then
  for f in a.sync b.sync a.notify b.notify; do
    diff "$LAB_DIR/keepalived-$f" "$LAB_DIR/ours-$f" >/dev/null ||
      lab_fail "$f differs: keepalived: $(tr '\n' ';' <"$LAB_DIR/keepalived-$f") ours: $(tr '\n' ';' <"$LAB_DIR/ours-$f")"
  done
  lab_log "keepalived 2.2.7 and ours: the same sync-group lines and group notifies on both nodes"
fi
lab_log "PASS"

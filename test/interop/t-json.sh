#!/usr/bin/env bash
# keepalived.json from keepalived 2.2.7 and from keepalived-rs, one pair on one wire, read by
# one parser (json_check.py): same path, key names and JSON types (int vs float too), and the
# same `vroutes` strings for the same virtual_routes.
here=$(cd "$(dirname "$0")" && pwd)
BIN=$(readlink -f "${1:?usage: t-json.sh path/to/keepalived-rs}")
. "$here/lib.sh"
trap lab_cleanup EXIT
lab_up 2
STATE=MASTER PRIO=150 AUTH=PASS gen_conf a "$LAB/a.conf"
STATE=BACKUP PRIO=100 AUTH=PASS gen_conf b "$LAB/b.conf"
# The same virtual_routes on both (`vroutes` must hold the same strings): a gateway route, a
# metric, a preferred source without a device (untracked), a route type.
for n in a b; do
  sed -i '$d' "$LAB/$n.conf"   # the instance's closing brace
  cat >>"$LAB/$n.conf" <<'ROUTES'
    virtual_routes {
        198.51.100.0/24 via 192.0.2.1 dev eth0
        203.0.113.0/24 dev eth0 metric 5
        src 192.0.2.100 203.0.113.7/32 via 192.0.2.1
        blackhole 198.51.100.128/25
    }
}
ROUTES
done
run_daemon a "$BIN" "$LAB/a.conf"
run_daemon b ka "$LAB/b.conf"
wait_master a 192.0.2.100 0 12 || die "ours never became master"
sleep 2
# The JSON signal is SIGRTMIN+2 for each build's libc: ask each daemon for its number.
sig_ours=$("$BIN" --signum=JSON)
sig_ka=$("$KEEPALIVED" --signum=JSON)
kill -"$sig_ours" "$(daemon_pid a)"
kill -"$sig_ka" "$(daemon_pid b)"
sleep 1
nsenter -t "$(daemon_pid b)" -m cat /tmp/keepalived.json >"$LAB/theirs.json" || die "no keepalived.json from keepalived"
cp "$LAB/a.tmp/keepalived.json" "$LAB/ours.json" || die "no keepalived.json from keepalived-rs in \$TMPDIR"
python3 "$here/json_check.py" "$LAB/theirs.json" "$LAB/ours.json"

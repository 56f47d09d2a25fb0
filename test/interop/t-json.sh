#!/usr/bin/env bash
# keepalived.json from keepalived 2.2.7 and from keepalived-rs, one pair on one wire, read by
# one parser (json_check.py): same path, key names and types.
here=$(cd "$(dirname "$0")" && pwd)
BIN=$(readlink -f "${1:?usage: t-json.sh path/to/keepalived-rs}")
. "$here/lib.sh"
trap lab_cleanup EXIT
lab_up 2
STATE=MASTER PRIO=150 AUTH=PASS gen_conf a "$LAB/a.conf"
STATE=BACKUP PRIO=100 AUTH=PASS gen_conf b "$LAB/b.conf"
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

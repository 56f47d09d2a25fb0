#!/usr/bin/env bash
# `-l` on a serial console: the daemon runs on a pseudo-terminal (on-pty.py), as on a
# gateway's console; every line it prints fits 80 columns and carries no escape codes, and a
# long message (the socket pool line) is wrapped, not lost.
here=$(cd "$(dirname "$0")" && pwd)
BIN=$(readlink -f "${1:?usage: t-serial-console.sh path/to/keepalived-rs}")
. "$here/../interop/lib.sh"
trap lab_cleanup EXIT
lab_up 1
STATE=MASTER PRIO=255 AUTH=PASS gen_conf a "$LAB/a.conf"
# The pty must not depend on our own stdin (CI runs us with it closed).
ip netns exec "$P-a" python3 "$here/../tools/on-pty.py" 6 "$LAB/tty.txt" \
  "$BIN" -n -l -D -f "$LAB/a.conf" -p "$LAB/a.pid" -r "$LAB/a.vrrp.pid" </dev/null >/dev/null 2>&1
tr -d '\r' <"$LAB/tty.txt" >"$LAB/console.txt"
lines=$(grep -c . "$LAB/console.txt")
wide=$(awk 'length($0) > 80' "$LAB/console.txt" | wc -l)
esc=$(grep -a -c $'\e' "$LAB/console.txt")
log "console: $lines lines, $wide wider than 80 columns, $esc with escape codes"
fail=0
[ "$lines" -ge 5 ] || { log "FAIL: too little output"; fail=1; }
[ "$wide" -eq 0 ] || { log "FAIL: lines wider than 80 columns:"; awk 'length($0) > 80' "$LAB/console.txt"; fail=1; }
[ "$esc" -eq 0 ] || { log "FAIL: escape codes on the console"; fail=1; }
grep -a -q "Entering MASTER STATE" "$LAB/console.txt" || { log "FAIL: no state line"; fail=1; }
grep -q 'address(224.0.0.18)' "$LAB/console.txt" || { log "FAIL: the long sockpool line was lost"; fail=1; }
[ "$fail" -eq 0 ] && echo "serial-console: passed" || { cat "$LAB/console.txt"; echo "serial-console: FAILED"; }
exit "$fail"

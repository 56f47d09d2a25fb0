#!/usr/bin/env bash
# `make demo`: the seed guide's lab in throw-away network namespaces, narrated.
# Two web servers (WEB1, WEB2) run keepalived-rs with the guide's configuration (interface
# eth0, documentation addresses 192.0.2.0/24); a client fetches http://192.0.2.100/ through
# the virtual IP while we kill, restart and stop the master. Nothing outside the namespaces
# is touched; everything is removed at the end.
set -u -o pipefail
BIN=${1:?usage: demo.sh path/to/keepalived-rs}
here=$(cd "$(dirname "$0")" && pwd)
cat <<'TXT'
== keepalived-rs demo: the seed guide's WEB1/WEB2 failover lab ==
   WEB1 192.0.2.11 (state MASTER, priority 100, +4 while its web check passes)
   WEB2 192.0.2.12 (state BACKUP, priority 98, +4)      VIP 192.0.2.100
   client 192.0.2.50 fetches the page through the VIP; all on one bridge.
TXT
status=0
for v in pass ah unicast; do
  case $v in
    pass) echo; echo "-- 1/4: multicast adverts, PASS authentication, one VIP" ;;
    ah) echo; echo "-- 2/4: the same with AH authentication (keepalived's HMAC-MD5-96 header)" ;;
    unicast) echo; echo "-- 3/4: the guide's HAPROXY_VIPS shape: unicast peers, 3 VIPs with brd + label" ;;
  esac
  # pipefail: the step's own status, not grep's, decides.
  DEMO=1 VARIANT=$v "$here/t-seed-failover.sh" "$BIN" 2>&1 | { grep -v -E 'Killed|Terminated' || true; } || status=1
done
echo
echo "-- 4/4: the guide's split brain: the switch drops multicast, so adverts stop but ARPs pass"
echo "   (multicast: both nodes become master and each logs the other's claim on the VIP;"
echo "    unicast peers: the adverts still pass, one master, no split brain)"
"$here/t-split-brain.sh" "$BIN" 2>&1 | { grep -v -E 'Killed|Terminated' || true; } || status=1
echo
[ "$status" = 0 ] && echo "== demo finished: every step passed; namespaces removed ==" ||
  echo "== demo: a step failed (see above) =="
exit $status

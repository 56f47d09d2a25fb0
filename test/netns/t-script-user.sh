#!/usr/bin/env bash
# Script users and script security (issue 6): with `script_user nobody` and
# `enable_script_security`,
#   - a check without `user` and notify_master run as nobody:nogroup (uid, gid and
#     supplementary groups as the child sees them with id(1));
#   - a check with `user daemon` runs as daemon:daemon (the user's primary group);
#   - a check with `user root` in a world-writable directory is refused at load with
#     keepalived's "Unsafe permissions found for script '...' - disabling." and never runs;
#   - no "SECURITY VIOLATION" line.
# The checks have `timeout 5` (interval 1): on a loaded CI box a slow run must not time out.
# Usage: t-script-user.sh path/to/keepalived-rs
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
getent passwd nobody >/dev/null && getent passwd daemon >/dev/null || lab_fail "needs users nobody and daemon"
lab_init suser
lab_node a 192.0.2.11/24
VIP=192.0.2.100
chmod 755 "$LAB_DIR"
S=$LAB_DIR/s W=$LAB_DIR/w O=$LAB_DIR/out
mkdir -m 755 "$S"
mkdir -m 777 "$W" # world-writable, no sticky bit: unsafe for a root script
mkdir -m 1777 "$O"
chmod 777 "$W"
cat >"$S/id.sh" <<EOS
#!/bin/sh
# One file per caller (the users cannot write each other's files), replaced atomically.
echo "\$1 \$(id -u) \$(id -g) \$(id -G)" >$O/.ids-\$1.\$\$ && mv -f $O/.ids-\$1.\$\$ $O/ids-\$1
EOS
printf '#!/bin/sh\ntouch %s/bad-ran\n' "$O" >"$W/bad.sh"
chmod 755 "$S/id.sh" "$W/bad.sh"
cat >"$LAB_DIR/a.conf" <<EOC
global_defs {
    script_user nobody
    enable_script_security
}
vrrp_script chk_default {
    script "$S/id.sh default"
    interval 1
    timeout 5
    weight 2
}
vrrp_script chk_daemon {
    script "$S/id.sh daemon"
    interval 1
    timeout 5
    weight 2
    user daemon
}
vrrp_script chk_bad {
    script "$W/bad.sh"
    interval 1
    timeout 5
    weight 2
    user root
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 41
    priority 150
    advert_int 1
    virtual_ipaddress {
        $VIP
    }
    track_script {
        chk_default
        chk_daemon
        chk_bad
    }
    notify_master "$S/id.sh notify"
}
EOC
L=$LAB_DIR/a.log
trap 'rc=$?; [ $rc -ne 0 ] && { tail -n 30 "$L"; cat "$O"/ids-*; }; lab_cleanup; exit $rc' EXIT
lab_run a "$L" "$BIN" -n -l -D -f "$LAB_DIR/a.conf" -p "$LAB_DIR/a.pid" -r "$LAB_DIR/a2.pid"
lab_wait 10 lab_has_addr a $VIP >/dev/null || lab_fail "never MASTER"
has_id() { [ "$(cat "$O/ids-${1%% *}" 2>/dev/null)" = "$1" ]; }
lab_wait 3 has_id "notify 65534 65534 65534" >/dev/null || lab_fail "notify_master did not run as nobody:nogroup"
has_id "default 65534 65534 65534" || lab_fail "chk_default did not run as nobody:nogroup"
has_id "daemon 1 1 1" || lab_fail "chk_daemon did not run as daemon:daemon"
lab_log "checks and notify run as their users (nobody:nogroup, daemon:daemon)"
grep -qF "Unsafe permissions found for script '$W/bad.sh' - disabling." "$L" ||
  lab_fail "no 'Unsafe permissions ... - disabling.' for the world-writable directory"
[ -e "$O/bad-ran" ] && lab_fail "the insecure script ran"
grep -q "SECURITY VIOLATION" "$L" && lab_fail "SECURITY VIOLATION logged with enable_script_security"
lab_log "PASS: script_user / user run as those ids; an insecure root script is refused and never runs"

#!/usr/bin/env bash
# `make rootfs` / `make install` into temporary DESTDIRs (no root, nothing outside them):
#  - each INIT=sysv|procd|systemd stages the binary, its init script or unit, the default
#    config and the sysctl snippet; DESTDIR's own directory keeps its mode (no `cp -a` of /);
#  - a second install over a modified keepalived.conf keeps the modification;
#  - the sysctl snippet sets ip_nonlocal_bind and not ip_forward;
#  - the staged default config passes `keepalived-rs -t` with exactly the result keepalived
#    2.2.7 gives it: exit 6 and its one SECURITY VIOLATION warning (chk_web runs without
#    enable_script_security);
#  - the Yocto recipe and the OpenWrt Makefile name only overlay files that exist, and the
#    recipe enables the init script through update-rc.d;
#  - the systemd unit passes `systemd-analyze verify` when systemd-analyze is installed.
# Usage: test/install/t-install.sh path/to/keepalived-rs
set -u
BIN=$(readlink -f "${1:?usage: $0 path/to/keepalived-rs}")
repo=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
mk() { make --no-print-directory -C "$repo" OUTBIN="$BIN" "$@" >>"$tmp/make.log" 2>&1; }

declare -A INITF=([sysv]=etc/init.d/keepalived-rs [procd]=etc/init.d/keepalived-rs
  [systemd]=usr/lib/systemd/system/keepalived-rs.service)
for init in sysv procd systemd; do
  d=$tmp/$init
  mkdir -m 0700 "$d"
  # sysv through `make rootfs` (its build step is a no-op on a built tree), the others install
  if [ $init = sysv ]; then mk rootfs DESTDIR="$d" INIT=$init CARGO=true; else mk install DESTDIR="$d" INIT=$init; fi
  check "$init: make exits 0" "[ $? -eq 0 ]"
  check "$init: the binary is staged, executable" "cmp -s '$BIN' '$d/usr/sbin/keepalived-rs' && [ -x '$d/usr/sbin/keepalived-rs' ]"
  check "$init: the init file is staged" "cmp -s '$repo/rootfs-overlay/$init/${INITF[$init]}' '$d/${INITF[$init]}'"
  [ $init = systemd ] || check "$init: the init script is executable" "[ -x '$d/${INITF[$init]}' ]"
  check "$init: the default config is staged" \
    "cmp -s '$repo/rootfs-overlay/common/etc/keepalived/keepalived.conf' '$d/etc/keepalived/keepalived.conf'"
  check "$init: the sysctl snippet is staged" \
    "cmp -s '$repo/rootfs-overlay/common/etc/sysctl.d/50-keepalived-rs.conf' '$d/etc/sysctl.d/50-keepalived-rs.conf'"
  check "$init: DESTDIR keeps its own mode (0700)" "[ \$(stat -c %a '$d') = 700 ]"
  others=$(cd "$d" && find . -type f | sort | grep -v -e keepalived-rs -e keepalived.conf -e 50-keepalived-rs.conf)
  check "$init: nothing else is staged" "[ -z '$others' ]"
done

d=$tmp/sysv
echo '! edited by the admin' >>"$d/etc/keepalived/keepalived.conf"
cp "$d/etc/keepalived/keepalived.conf" "$tmp/edited.conf"
mk install DESTDIR="$d" INIT=sysv
check "a second install exits 0" "[ $? -eq 0 ]"
check "a second install keeps the existing keepalived.conf" "cmp -s '$tmp/edited.conf' '$d/etc/keepalived/keepalived.conf'"
check "and says so" "grep -q 'keeping the existing' '$tmp/make.log'"

s=$d/etc/sysctl.d/50-keepalived-rs.conf
check "sysctl: ip_nonlocal_bind = 1" "grep -Eq '^net.ipv4.ip_nonlocal_bind *= *1$' '$s'"
check "sysctl: no ip_forward setting" "! grep -Ev '^[[:space:]]*(#|;|$)' '$s' | grep -q forward"

"$BIN" -t -f "$tmp/procd/etc/keepalived/keepalived.conf" 2>"$tmp/t.err"; rc=$?
echo "keepalived-rs -t on the default config: exit $rc: $(cat "$tmp/t.err")"
check "the default config: -t exits 6 (keepalived 2.2.7's SECURITY VIOLATION code)" "[ $rc -eq 6 ]"
check "the default config: one diagnostic, the script_security warning" \
  "[ \$(wc -l <'$tmp/t.err') -eq 1 ] && grep -q 'SECURITY VIOLATION - scripts are being executed but script_security not enabled' '$tmp/t.err'"

# The packages install the same files: every overlay path they name exists, and the Yocto
# recipe enables the init script (update-rc.d) under the name the overlay gives it.
bb=$repo/cross/yocto/keepalived-rs_git.bb
for f in "$bb" "$repo/cross/openwrt/Makefile"; do
  for p in $(grep -o 'rootfs-overlay/[A-Za-z0-9_./${}-]*' "$f" | sed 's|${INITSCRIPT_NAME}|keepalived-rs|' | sort -u); do
    check "$(basename "$f") names an existing $p" "[ -f '$repo/$p' ]"
  done
done
check "the recipe inherits update-rc.d" "grep -Eq '^inherit .*\bupdate-rc\.d\b' '$bb'"
check "the recipe's INITSCRIPT_NAME is the sysv script" \
  "grep -Eq '^INITSCRIPT_NAME = \"keepalived-rs\"' '$bb' && [ -f '$repo/rootfs-overlay/sysv/etc/init.d/keepalived-rs' ]"
check "the recipe sets INITSCRIPT_PARAMS" "grep -Eq '^INITSCRIPT_PARAMS = \"defaults [0-9]+ [0-9]+\"' '$bb'"

if command -v systemd-analyze >/dev/null; then
  u=$tmp/systemd/usr/lib/systemd/system/keepalived-rs.service
  # verify resolves ExecStart on this host: point it at the staged binary
  sed "s|/usr/sbin/keepalived-rs|$tmp/systemd/usr/sbin/keepalived-rs|" "$u" >"$tmp/keepalived-rs.service"
  systemd-analyze verify "$tmp/keepalived-rs.service" >"$tmp/verify.log" 2>&1
  check "systemd-analyze verify accepts the unit" "[ $? -eq 0 ] && ! grep -q keepalived-rs.service '$tmp/verify.log'"
  cat "$tmp/verify.log"
else
  echo "note: no systemd-analyze on this machine, the unit is not verified"
fi
[ $fail -eq 0 ] && echo "install: passed" || { echo "install: FAILED"; tail -n 30 "$tmp/make.log"; }
exit $fail

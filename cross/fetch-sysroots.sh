#!/usr/bin/env bash
# Prepare the musl sysroots and cross linkers for the Tier B targets (armhf, armel, mipsel).
# Downloads three small Debian packages per architecture (musl, musl-dev) and unpacks them
# under cross/sysroot/<arch>; installs the Debian cross gcc used as the linker. Idempotent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root="$here/sysroot"
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(armhf armel mipsel)

declare -A gcc=([armhf]=gcc-arm-linux-gnueabihf [armel]=gcc-arm-linux-gnueabi [mipsel]=gcc-mipsel-linux-gnu)
declare -A triple=([armhf]=arm-linux-gnueabihf [armel]=arm-linux-gnueabi [mipsel]=mipsel-linux-gnu)

export DEBIAN_FRONTEND=noninteractive
nightly=$(cat "$here/rust-toolchain-nightly")
# A fresh machine has only the stable toolchain: install the nightly first (rustup does not
# add a component to a toolchain that is not installed).
rustup toolchain list | grep "^$nightly" >/dev/null ||
  rustup toolchain install "$nightly" --profile minimal
rustup component list --toolchain "$nightly" --installed 2>/dev/null | grep '^rust-src' >/dev/null ||
  rustup component add rust-src --toolchain "$nightly"
need_update=0
for a in "${archs[@]}"; do
  dpkg --print-foreign-architectures | grep -qx "$a" || { dpkg --add-architecture "$a"; need_update=1; }
  command -v "${triple[$a]}-gcc" >/dev/null || need_update=1
done
# A mirror in mid-sync can fail one index; the packages we need usually still resolve.
[ $need_update -eq 0 ] || apt-get update -qq || echo "fetch-sysroots: apt-get update reported errors; trying anyway" >&2

for a in "${archs[@]}"; do
  command -v "${triple[$a]}-gcc" >/dev/null || apt-get install -y -qq --no-install-recommends "${gcc[$a]}" >/dev/null
  if [ ! -d "$root/$a/usr/lib" ]; then
    tmp=$(mktemp -d); chmod 755 "$tmp"
    (cd "$tmp" && apt-get download -qq "musl:$a" "musl-dev:$a")
    mkdir -p "$root/$a"
    for d in "$tmp"/*.deb; do dpkg -x "$d" "$root/$a"; done
    rm -rf "$tmp"
  fi
  # rustc's musl link asks for -lunwind; glibc-gcc's libgcc_eh provides the _Unwind_* symbols.
  gccdir=$(dirname "$("${triple[$a]}-gcc" -print-libgcc-file-name)")
  mkdir -p "$root/$a/unwind" "$root/$a/gcc"
  cp -f "$gccdir/libgcc_eh.a" "$root/$a/unwind/libunwind.a"
  for f in crtbegin.o crtend.o crtbeginT.o libgcc.a; do [ -f "$gccdir/$f" ] && cp -f "$gccdir/$f" "$root/$a/gcc/"; done
  echo "sysroot $a ready: $root/$a"
done

#!/usr/bin/env bash
# Run the wire layer's unit tests on a big-endian target (32-bit PowerPC under qemu-user):
# routers are often big-endian MIPS, which this toolchain cannot build; PowerPC catches the
# same byte-order mistakes. Installs what it needs when missing (Debian, root).
set -euo pipefail
cd "$(dirname "$0")/../.."

TARGET=powerpc-unknown-linux-gnu
FILTER=${1:-wire}

if ! rustup target list --installed | grep -x "$TARGET" >/dev/null; then
  rustup target add "$TARGET"
fi
need=()
command -v powerpc-linux-gnu-gcc >/dev/null || need+=(gcc-powerpc-linux-gnu)
[ -d /usr/powerpc-linux-gnu/lib ] || need+=(libc6-dev-powerpc-cross)
command -v qemu-ppc-static >/dev/null || need+=(qemu-user-static)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "be-test: need root to install: ${need[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

export CARGO_TARGET_POWERPC_UNKNOWN_LINUX_GNU_LINKER=powerpc-linux-gnu-gcc
export CARGO_TARGET_POWERPC_UNKNOWN_LINUX_GNU_RUNNER="qemu-ppc-static -L /usr/powerpc-linux-gnu"
echo "be-test: cargo test --lib $FILTER --target $TARGET (big-endian, qemu)"
cargo test --locked --lib "$FILTER" --target "$TARGET"

#!/usr/bin/env bash
# Install the system packages that the tests, the demo and the benchmarks use.
# Idempotent: does nothing when everything is already there. Needs root (CI is root).
set -euo pipefail

need_apt=()
want() { command -v "$1" >/dev/null 2>&1 || need_apt+=("$2"); }
want ip iproute2
want tshark tshark
want tcpdump tcpdump
want keepalived keepalived
want curl curl
want busybox busybox
want python3 python3
want bc bc
want qemu-aarch64-static qemu-user-static
want stress-ng stress-ng

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: need root to install: ${need_apt[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer no, quietly.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections || true
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

for tool in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep "^$tool" >/dev/null || rustup component add "$tool" >/dev/null 2>&1 || true
done

# A real SMTP server for the alert tests (PyPI).
python3 -c 'import aiosmtpd' 2>/dev/null ||
  python3 -m pip install --quiet aiosmtpd ||
  python3 -m pip install --quiet --break-system-packages aiosmtpd
# scapy crafts hostile packets for the fault tests (PyPI).
python3 -c 'import scapy' 2>/dev/null ||
  python3 -m pip install --quiet scapy ||
  python3 -m pip install --quiet --break-system-packages scapy

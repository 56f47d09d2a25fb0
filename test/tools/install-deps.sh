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
  rustup component list --installed 2>/dev/null | grep -q "^$tool" || rustup component add "$tool" >/dev/null 2>&1 || true
done

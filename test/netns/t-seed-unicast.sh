#!/usr/bin/env bash
# The seed's HAPROXY_VIPS shape: unicast peers, PASS, three VIPs with brd and labels.
VARIANT=unicast exec "$(dirname "$0")/t-seed-failover.sh" "$@"

#!/usr/bin/env bash
# The seed lab with auth_type AH (keepalived's IPsec-AH, protocol 51).
VARIANT=ah exec "$(dirname "$0")/t-seed-failover.sh" "$@"

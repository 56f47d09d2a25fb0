#!/usr/bin/env python3
"""Seed corpus for the netlink_parse fuzz target: real RTM_GETLINK/RTM_GETADDR dump replies
and RTM_NEWADDR/DELADDR/NEWLINK notifications, captured inside a private network namespace
(run via `unshare -n`; see TESTING.md). Writes one file per recv()'d datagram."""
import os, socket, struct, subprocess, sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
# Make the namespace interesting: lo up, a dummy with v4+v6 addresses (documentation ranges).
for cmd in ("ip link set lo up", "ip link add hk0 type veth peer name hk1", "ip link set hk0 up", "ip link set hk1 up",
            "ip addr add 192.0.2.1/24 dev hk0", "ip addr add 2001:db8::1/64 dev hk0 nodad"):
    subprocess.run(cmd.split(), check=False)

def dump(ty, fam):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.bind((0, 0))
    s.settimeout(2)
    body = struct.pack("Bxxx", fam) if ty == 18 else struct.pack("BBBBI", fam, 0, 0, 0, 0)
    hdr = struct.pack("=IHHII", 16 + len(body), ty, 0x301, 1, 0)
    s.send(hdr + body)
    got = []
    while True:
        d = s.recv(65536)
        got.append(d)
        off, end = 0, False
        while off + 16 <= len(d):
            ln, t = struct.unpack_from("=IH", d, off)
            end |= t in (2, 3)
            off += max((ln + 3) & ~3, 16)
        if end:
            break
    return got

i = 0
for ty, fam in ((18, 0), (22, socket.AF_INET), (22, socket.AF_INET6)):
    for d in dump(ty, fam):
        open(os.path.join(out, f"dump-{ty}-{fam}-{i}"), "wb").write(d)
        i += 1
# Notifications for an address add/delete and a link down.
m = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
m.bind((0, 0x1 | 0x10 | 0x100))
for cmd in ("ip addr add 198.51.100.7/32 dev hk0", "ip addr del 198.51.100.7/32 dev hk0",
            "ip link set hk0 down", "ip link del hk0"):
    subprocess.run(cmd.split(), check=False)
m.settimeout(0.5)
try:
    while True:
        d = m.recv(65536)
        open(os.path.join(out, f"notif-{i}"), "wb").write(d)
        i += 1
except socket.timeout:
    pass
# An error ack (EEXIST) and a DONE.
open(os.path.join(out, "ack-eexist"), "wb").write(
    struct.pack("=IHHII", 36, 2, 0, 5, 0) + struct.pack("=i", -17) + struct.pack("=IHHII", 16, 20, 0, 5, 0))
open(os.path.join(out, "done"), "wb").write(struct.pack("=IHHIIi", 20, 3, 2, 9, 0, 0))
print(f"{i + 2} seeds in {out}")

#!/usr/bin/env python3
"""Seed the fuzz corpora with the golden packets (test/wire/*.pcap).

wire_advert / wire_roundtrip: the IPv4 packets (Ethernet header stripped).
wire_advert6: 16-byte source + 16-byte destination + hop limit + the VRRP payload, and
the whole frames (that target also pretty-prints its input as an Ethernet frame).
"""
import glob, os, struct, sys

root = os.path.dirname(os.path.abspath(__file__))
fuzz = os.path.join(root, "..", "..", "fuzz", "corpus")

def frames(path):
    data = open(path, "rb").read()
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        yield data[off + 16:off + 16 + caplen]
        off += 16 + caplen

for d in ("wire_advert", "wire_advert6", "wire_roundtrip"):
    os.makedirs(os.path.join(fuzz, d), exist_ok=True)
for pcap in sorted(glob.glob(os.path.join(root, "*.pcap"))):
    name = os.path.basename(pcap)[:-5]
    for i, f in enumerate(frames(pcap)):
        if i == 0:
            open(os.path.join(fuzz, "wire_advert6", f"frame-{name}.bin"), "wb").write(f)
        ethertype = f[12:14]
        if ethertype == b"\x08\x00":
            for d in ("wire_advert", "wire_roundtrip"):
                open(os.path.join(fuzz, d, f"{name}-{i}.bin"), "wb").write(f[14:])
        elif ethertype == b"\x86\xdd" and f[20] == 112:
            ip = f[14:]
            seed = ip[8:24] + ip[24:40] + bytes([ip[7]]) + ip[40:]
            open(os.path.join(fuzz, "wire_advert6", f"{name}-{i}.bin"), "wb").write(seed)
print("corpus seeded in", os.path.normpath(fuzz))

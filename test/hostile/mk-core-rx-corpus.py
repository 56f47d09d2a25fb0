#!/usr/bin/env python3
"""Seed corpus for the core_rx fuzz target (fuzz/fuzz_targets/core_rx.rs): sequences of
records [kind][len hi][len lo][bytes] holding valid and almost-valid adverts for its five
instances, time steps and ARP claims. Valid AH adverts (key "ahsecret", keepalived's
HMAC-MD5-96 over the IP header with its mutable fields zeroed, the AH header with a zero ICV
and the VRRP message) carry a LOWER priority than the AH master's 200, so the target's
invariant (the AH master never yields) holds for the seeds too.

  mk-core-rx-corpus.py OUT_DIR
"""
import hashlib, hmac, os, socket, struct, sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b)//2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(a):
    return socket.inet_aton(a)


def vrrp(ver, vrid, prio, addrs, auth=0, key=b"", intv=1, fam=4, src=None, dst=None):
    naddr = len(addrs)
    packed = b"".join(socket.inet_pton(socket.AF_INET if fam == 4 else socket.AF_INET6, a) for a in addrs)
    if ver == 2:
        h = struct.pack("!BBBBBBH", 0x21, vrid, prio, naddr, auth, intv, 0) + packed
        h += key.ljust(8, b"\0")[:8] if auth == 1 else b"\0" * 8
        c = csum(h)
    else:
        cs = intv  # centiseconds
        h = struct.pack("!BBBBHH", 0x31, vrid, prio, naddr, cs & 0xFFF, 0) + packed
        if fam == 4:
            pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 112, len(h))
        else:
            pseudo = (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
                      + struct.pack("!IxxxB", len(h), 112))
        c = csum(pseudo + h)
    return h[:6] + struct.pack("!H", c) + h[8:]


def ipv4(src, dst, proto, payload, ttl=255, ident=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(payload), ident, 0, ttl, proto, 0,
                    ip4(src), ip4(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ah_packet(src, dst, vr, seq, key=b"ahsecret", ttl=255, unicast=False):
    spi = struct.unpack("!I", ip4(src))[0]
    ah0 = struct.pack("!BBHII", 112, 4, 0, spi, seq) + b"\0" * 12
    total = 20 + len(ah0) + len(vr)
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 7, 0, 0 if unicast else ttl, 51, 0,
                      ip4(src), ip4(dst))
    icv = hmac.new(key.ljust(8, b"\0")[:8], iph + ah0 + vr, hashlib.md5).digest()[:12]
    ah = ah0[:12] + icv
    real = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, total, 7, 0, ttl, 51, 0, ip4(src), ip4(dst))
    real = real[:10] + struct.pack("!H", csum(real)) + real[12:]
    return real + ah + vr


def rec(kind, b):
    return bytes([kind]) + struct.pack("!H", len(b)) + b


def wait(ms):
    return bytes([200]) + struct.pack("!H", ms)


def v6(src, dst, hop, msg):
    return socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + bytes([hop]) + msg


M = "224.0.0.18"
P = "192.0.2.12"  # the peer
seeds = {
    "pass-higher": rec(1, ipv4(P, M, 112, vrrp(2, 51, 150, ["192.0.2.100"], 1, b"secret12"))) + wait(900)
    + rec(1, ipv4(P, M, 112, vrrp(2, 51, 0, ["192.0.2.100"], 1, b"secret12"))),
    "pass-wrong": rec(1, ipv4(P, M, 112, vrrp(2, 51, 150, ["192.0.2.100"], 1, b"wrong!!!"))),
    "ah-lower": rec(2, ah_packet(P, M, vrrp(2, 52, 100, ["192.0.2.101", "192.0.2.102"], 2), 5)) + wait(1000)
    + rec(2, ah_packet(P, M, vrrp(2, 52, 100, ["192.0.2.101", "192.0.2.102"], 2), 6))
    + rec(2, ah_packet(P, M, vrrp(2, 52, 100, ["192.0.2.101", "192.0.2.102"], 2), 6)),
    "ah-badkey": rec(2, ah_packet(P, M, vrrp(2, 52, 250, ["192.0.2.101", "192.0.2.102"], 2), 9, key=b"nokey")),
    "unicast-peer": rec(3, ipv4(P, "192.0.2.11", 112, vrrp(2, 53, 150, ["192.0.2.103"]), ttl=64)) + wait(500)
    + rec(3, ipv4("192.0.2.66", "192.0.2.11", 112, vrrp(2, 53, 250, ["192.0.2.103"]), ttl=64))
    + rec(3, ipv4(P, "192.0.2.11", 112, vrrp(2, 53, 150, ["192.0.2.103"]), ttl=5)),
    "v3": rec(4, ipv4(P, M, 112, vrrp(3, 54, 150, ["192.0.2.104"], intv=50, src=P, dst=M))) + wait(300)
    + rec(4, ipv4(P, M, 112, vrrp(3, 54, 50, ["192.0.2.104"], intv=100, src=P, dst=M))),
    "v6": rec(130, v6("fe80::12", "ff02::12", 255,
                      vrrp(3, 55, 150, ["2001:db8::100"], intv=100, fam=6, src="fe80::12", dst="ff02::12"))),
    "arp": rec(230, ip4("192.0.2.101") + bytes([0x5a, 0x1d, 0x27, 0x1d, 0x53, 0xba])),
    "naddr": rec(1, ipv4(P, M, 112, vrrp(2, 51, 150, ["192.0.2.100", "192.0.2.9"], 1, b"secret12"))),
}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print(f"{len(seeds)} seeds in {out}")

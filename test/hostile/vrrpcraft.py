#!/usr/bin/env python3
"""Crafted and flooding VRRPv2 senders for the hostile tests (test/hostile/*.sh).

Frames are built byte by byte (every field under control, no checks in the way) and sent on
an AF_PACKET socket, so bad TTLs, checksums, lengths, fragments and IP options reach the wire
exactly as written. Only documentation addresses are used by the callers.

  vrrpcraft.py send IFACE DSTMAC CASE COUNT [key=value ...]
  vrrpcraft.py flood IFACE DSTMAC CASE SECONDS PPS [key=value ...]   (prints the achieved rate)
  vrrpcraft.py replay IFACE COUNT SNIFF_SECONDS   (capture one AH advert, send it COUNT times)
  vrrpcraft.py stats FILE                          (keepalived.stats → JSON {inst: {key: n}})
  vrrpcraft.py count IFACE SRC SECONDS             (VRRP adverts received from SRC, and their priorities)
"""
import json, os, socket, struct, sys, time

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b)//2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF

def ip4(a):
    return socket.inet_aton(a)

def mac(m):
    return bytes(int(x, 16) for x in m.split(":"))

def build(p):
    """p: dict of fields; returns the Ethernet frame."""
    addrs = b"".join(ip4(a) for a in p["vips"].split(",") if a)
    naddr = p.get("naddr", len(addrs) // 4)
    auth = p["pass"].encode().ljust(8, b"\0")[:8] if p["auth"] == 1 else b"\0" * 8
    vr = struct.pack("!BBBBBBH", (p["ver"] << 4) | p["type"], p["vrid"], p["prio"], naddr,
                     p["auth"], p["int"], 0) + addrs + auth
    c = csum(vr) if p["cksum"] == "good" else 0x1234
    vr = vr[:6] + struct.pack("!H", c) + vr[8:]
    if "trunc" in p:
        vr = vr[: p["trunc"]]
    payload, proto = vr, 112
    if p["auth"] == 2:  # AH header with a made-up ICV (the stranger has no key)
        spi = struct.unpack("!I", ip4(p["src"]))[0]
        payload = struct.pack("!BBHII", 112, 4, 0, spi, p.get("seq", 1)) + os.urandom(12) + vr
        proto = 51
    opts = bytes.fromhex(p.get("ipopts", ""))
    ihl = 5 + len(opts) // 4
    frag = 0x2000 if p.get("frag") else 0  # MF set, offset 0: a first fragment alone
    iph = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0xC0, ihl * 4 + len(payload), 0x4242, frag,
                      p["ttl"], proto, 0, ip4(p["src"]), ip4(p["dst"])) + opts
    iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
    return mac(p["dmac"]) + mac(p["smac"]) + b"\x08\x00" + iph + payload

DEFAULTS = dict(ver=2, type=1, vrid=51, prio=100, auth=1, int=1, ttl=255, cksum="good",
                pass_="", src="192.0.2.66", dst="224.0.0.18", vips="192.0.2.100")

CASES = {  # name -> overrides of DEFAULTS (see TESTING.md for the expected outcome)
    "ttl": dict(ttl=64),
    "cksum": dict(cksum="bad"),
    "version": dict(ver=3),
    "type": dict(type=2),
    "trunc": dict(trunc=6),
    "naddr": dict(naddr=20),
    "vrid": dict(vrid=99, prio=255),
    "pass": dict(prio=255, pass_="wrong!!!"),
    "ah_icv": dict(vrid=52, auth=2, prio=255, vips="192.0.2.101", seq=0x7fffffff),
    "interval": dict(int=2, prio=255),
    "spoof255_pass": dict(prio=255, pass_="nokey123"),
    "spoof255_ah": dict(vrid=52, auth=2, prio=255, vips="192.0.2.101", seq=0x7ffffff0),
    "unicast_src": dict(vrid=53, auth=0, prio=255, dst="192.0.2.12", vips="192.0.2.102"),
    "frag": dict(prio=255, frag=1),
    "ipopts": dict(prio=1, ipopts="94040000"),  # router alert; a valid, lower-priority advert
    "flood_other_vrid": dict(vrid=77, prio=255, vips="192.0.2.177"),
    "flood_invalid": dict(ttl=1, prio=255),
}

def params(iface, dmac, case, kv):
    p = dict(DEFAULTS)
    p.update(CASES[case])
    for a in kv:
        k, v = a.split("=", 1)
        p[k] = int(v) if v.isdigit() else v
    p["pass"] = p.pop("pass_") or p.get("pass", "secret12")
    p["dmac"] = dmac
    with open(f"/sys/class/net/{iface}/address") as f:
        p["smac"] = f.read().strip()
    return p

def sock(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    return s

def main():
    cmd = sys.argv[1]
    if cmd == "stats":
        out, inst, sect = {}, None, ""
        for line in open(sys.argv[2]):
            if line.startswith("VRRP Instance:"):
                inst = line.split(":", 1)[1].strip(); out[inst] = {}; continue
            k, _, v = line.strip().partition(":")
            if inst is None:
                continue
            if v.strip() == "":
                sect = k; continue
            if line.startswith("  ") and not line.startswith("    "):
                sect = ""
            out[inst][(sect + "/" if sect else "") + k] = int(v)
        print(json.dumps(out)); return
    iface = sys.argv[2]
    if cmd == "count":
        src, secs = ip4(sys.argv[3]), float(sys.argv[4])
        r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        r.bind((iface, 0)); r.settimeout(0.2)
        end, n, prios = time.monotonic() + secs, 0, set()
        while time.monotonic() < end:
            try:
                f, addr = r.recvfrom(2048)
            except socket.timeout:
                continue
            ihl = (f[14] & 15) * 4
            if addr[2] != socket.PACKET_OUTGOING and f[23] in (51, 112) and f[26:30] == src:
                v = 14 + ihl + (24 if f[23] == 51 else 0)
                n += 1
                prios.add(f[v + 2] if len(f) > v + 2 else -1)
        print(n, ",".join(str(p) for p in sorted(prios)) or "-"); return
    if cmd == "replay":
        count, secs = int(sys.argv[3]), float(sys.argv[4])
        r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        r.bind((iface, 0)); r.settimeout(0.2)
        end = time.time() + secs
        while time.time() < end:
            try:
                f, addr = r.recvfrom(2048)
            except socket.timeout:
                continue
            if addr[2] != socket.PACKET_OUTGOING and f[23] == 51:
                s = sock(iface)
                for _ in range(count):
                    s.send(f)
                print("replayed AH seq", struct.unpack("!I", f[14 + 28:14 + 32])[0]); return
        sys.exit("no AH advert seen")
    dmac, case = sys.argv[3], sys.argv[4]
    if cmd == "send":
        n = int(sys.argv[5])
        p = params(iface, dmac, case, sys.argv[6:])
        s = sock(iface)
        for _ in range(n):
            s.send(build(p))
        return
    if cmd == "flood":
        secs, pps = float(sys.argv[5]), int(sys.argv[6])
        p = params(iface, dmac, case, sys.argv[7:])
        frame = build(p)
        s = sock(iface)
        sent, t0 = 0, time.monotonic()
        end, batch = t0 + secs, max(1, pps // 1000)
        while True:
            now = time.monotonic()
            if now >= end:
                break
            due = int((now - t0) * pps)
            while sent < due:
                for _ in range(min(batch, due - sent)):
                    s.send(frame)
                sent += min(batch, due - sent)
            time.sleep(0.0005)
        el = time.monotonic() - t0
        print(json.dumps({"case": case, "sent": sent, "seconds": round(el, 3),
                          "pps": int(sent / el)}))

main()

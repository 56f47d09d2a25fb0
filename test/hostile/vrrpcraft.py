#!/usr/bin/env python3
"""Crafted and flooding VRRPv2 senders for the hostile tests (test/hostile/*.sh).

Frames are built with scapy's layers (PyPI): Ether/IP/VRRP, AH (scapy.layers.ipsec) with a
made-up ICV, IP options, the MF flag; every hostile field (TTL, VRRP checksum, address count,
truncation) is set explicitly so scapy fills in nothing that would repair it. `selftest` reads
each case's frame back with a plain struct parser. Frames are sent as bytes on an AF_PACKET
socket (scapy's sendp is far too slow for the 50k pps floods; a flood's frame is built once),
so they reach the wire exactly as built. Only documentation addresses are used by the callers.
scapy is imported only by the subcommands that build frames (send, flood, selftest).

  vrrpcraft.py send IFACE DSTMAC CASE COUNT [key=value ...]
  vrrpcraft.py flood IFACE DSTMAC CASE SECONDS PPS [key=value ...]   (prints the achieved rate)
  vrrpcraft.py replay IFACE COUNT SNIFF_SECONDS   (capture one AH advert, send it COUNT times)
  vrrpcraft.py stats FILE                          (keepalived.stats → JSON {inst: {key: n}})
  vrrpcraft.py count IFACE SRC SECONDS             (VRRP adverts received from SRC, and their priorities)
  vrrpcraft.py selftest                            (every case's frame read back field by field)
"""
import json, logging, os, socket, struct, sys, time

def ip4(a):
    return socket.inet_aton(a)

def scapy_layers():
    """scapy's layers, imported on first use (stats/count/replay need none). Fails loudly."""
    global Ether, IP, IPOption, VRRP, AH, Raw
    if "VRRP" in globals():
        return
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)  # before import: no chatter
    try:
        from scapy.layers.l2 import Ether
        from scapy.layers.inet import IP, IPOption
        from scapy.layers.vrrp import VRRP
        from scapy.layers.ipsec import AH
        from scapy.packet import Raw
    except ImportError as e:
        sys.exit(f"vrrpcraft: cannot import scapy ({e}); install it from PyPI: "
                 "test/tools/install-deps.sh (python3 -m pip install scapy)")

def build(p):
    """p: dict of fields; returns the Ethernet frame, built with scapy's layers.

    Every hostile field is set explicitly so scapy's automatic values never repair it:
    the VRRP checksum (chksum=0x1234 for "bad"), the address count (ipcount), the IP
    options, the MF flag; truncation slices the built VRRP bytes."""
    scapy_layers()
    auth = p["pass"].encode().ljust(8, b"\0")[:8] if p["auth"] == 1 else b"\0" * 8
    vrrp = VRRP(version=p["ver"], type=p["type"], vrid=p["vrid"], priority=p["prio"],
                ipcount=p.get("naddr"),  # None: scapy counts addrlist
                authtype=p["auth"], adv=p["int"],
                chksum=None if p["cksum"] == "good" else 0x1234,
                addrlist=[a for a in p["vips"].split(",") if a],
                auth1=int.from_bytes(auth[:4], "big"), auth2=int.from_bytes(auth[4:], "big"))
    vr = bytes(vrrp)  # VRRPv2's checksum covers the VRRP bytes only: computed here
    if "trunc" in p:
        vr = vr[: p["trunc"]]
    payload = Raw(vr)
    if p["auth"] == 2:  # AH header with a made-up ICV (the stranger has no key)
        spi = struct.unpack("!I", ip4(p["src"]))[0]
        payload = AH(nh=112, payloadlen=4, reserved=0, spi=spi, seq=p.get("seq", 1),
                     icv=os.urandom(12)) / payload
    opts = bytes.fromhex(p.get("ipopts", ""))
    ip = IP(tos=0xC0, id=0x4242, ttl=p["ttl"], proto=51 if p["auth"] == 2 else 112,
            flags="MF" if p.get("frag") else 0, frag=0,  # MF, offset 0: a first fragment alone
            src=p["src"], dst=p["dst"], options=[IPOption(opts)] if opts else [])
    return bytes(Ether(dst=p["dmac"], src=p["smac"], type=0x0800) / ip / payload)

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

def params(iface, dmac, case, kv, smac=None):
    p = dict(DEFAULTS)
    p.update(CASES[case])
    for a in kv:
        k, v = a.split("=", 1)
        p[k] = int(v) if v.isdigit() else v
    p["pass"] = p.pop("pass_") or p.get("pass", "secret12")
    p["dmac"] = dmac
    if smac is None:
        with open(f"/sys/class/net/{iface}/address") as f:
            smac = f.read().strip()
    p["smac"] = smac
    return p

# selftest: what each case's frame must carry, read back from the bytes by parse() below (a
# plain struct parser, not scapy), so neither scapy's defaults nor an edit of CASES can change
# a case's meaning unnoticed. Every case of CASES must be listed. Keys: fields of parse().
COMMON = dict(ttl=255, ver=2, type=1, vrid=51, prio=100, authtype=1, adv=1, naddr=1,
              vrrp_len=20, vrrp_csum_ok=True, proto=112, ihl=5, mf=0, frag_off=0,
              dst="224.0.0.18", addrs=["192.0.2.100"], auth=b"secret12")
EXPECT = {
    "ttl": dict(ttl=64),
    "cksum": dict(vrrp_csum_ok=False),
    "version": dict(ver=3),  # v3 in the version nibble, v2's layout and auth bytes (20 bytes)
    "type": dict(type=2),
    "trunc": dict(vrrp_len=6, vrrp_csum_ok=None, addrs=None, auth=None),  # cut
    "naddr": dict(naddr=20),  # one address present, 20 claimed
    "vrid": dict(vrid=99, prio=255),
    "pass": dict(prio=255, auth=b"wrong!!!"),
    "ah_icv": dict(proto=51, ah_nh=112, ah_len=4, ah_seq=0x7fffffff, ah_spi=0xC0000242,
                   vrid=52, prio=255, authtype=2, addrs=["192.0.2.101"], auth=b"\0" * 8),
    "interval": dict(adv=2, prio=255),
    "spoof255_pass": dict(prio=255, auth=b"nokey123"),
    "spoof255_ah": dict(proto=51, ah_nh=112, ah_len=4, ah_seq=0x7ffffff0, ah_spi=0xC0000242,
                        vrid=52, prio=255, authtype=2, addrs=["192.0.2.101"], auth=b"\0" * 8),
    "unicast_src": dict(vrid=53, prio=255, authtype=0, dst="192.0.2.12",
                        addrs=["192.0.2.102"], auth=b"\0" * 8),
    "frag": dict(prio=255, mf=1),
    "ipopts": dict(prio=1, ihl=6, ipopts=bytes.fromhex("94040000")),
    "flood_other_vrid": dict(vrid=77, prio=255, addrs=["192.0.2.177"]),
    "flood_invalid": dict(ttl=1, prio=255),
}

def inet_csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF

def parse(f):
    """Ethernet/IPv4[/AH]/VRRPv2 bytes -> dict of fields (checks the framing on the way)."""
    r, errs = {}, []
    if struct.unpack("!H", f[12:14])[0] != 0x0800:
        errs.append("ethertype not IPv4")
    r["dmac"] = ":".join(f"{x:02x}" for x in f[0:6])
    r["smac"] = ":".join(f"{x:02x}" for x in f[6:12])
    ip = f[14:]
    ihl = (ip[0] & 15) * 4
    if ip[0] >> 4 != 4:
        errs.append("IP version not 4")
    if inet_csum(ip[:ihl]) != 0:
        errs.append("IP header checksum invalid")
    tlen, ff = struct.unpack("!H", ip[2:4])[0], struct.unpack("!H", ip[6:8])[0]
    if tlen != len(ip):
        errs.append(f"IP total length {tlen} != {len(ip)} bytes on the wire")
    if ip[1] != 0xC0:
        errs.append(f"TOS {ip[1]:#x} != 0xc0")
    r.update(ihl=ihl // 4, mf=(ff >> 13) & 1, frag_off=ff & 0x1FFF, ttl=ip[8], proto=ip[9],
             src=socket.inet_ntoa(ip[12:16]), dst=socket.inet_ntoa(ip[16:20]))
    if ihl > 20:
        r["ipopts"] = ip[20:ihl]
    v = ip[ihl:]
    if r["proto"] == 51:
        r.update(ah_nh=v[0], ah_len=v[1])
        r["ah_spi"], r["ah_seq"] = struct.unpack("!II", v[4:12])
        v = v[(v[1] + 2) * 4:]
    r["vrrp_len"] = len(v)
    if len(v) >= 6:  # what is there, whatever the header claims (naddr may lie)
        r.update(ver=v[0] >> 4, type=v[0] & 15, vrid=v[1], prio=v[2], naddr=v[3],
                 authtype=v[4], adv=v[5])
    if len(v) >= 16:
        r["vrrp_csum_ok"] = inet_csum(v) == 0
        r["addrs"] = [socket.inet_ntoa(v[i:i + 4]) for i in range(8, len(v) - 8, 4)]
        r["auth"] = v[-8:]
    return r, errs

def selftest():
    bad = []
    if set(EXPECT) != set(CASES):
        bad.append(f"EXPECT and CASES differ: {sorted(set(EXPECT) ^ set(CASES))}")
    smac = "02:00:00:00:00:66"
    for case in sorted(set(EXPECT) & set(CASES)):
        for dmac in ("01:00:5e:00:00:12", "02:00:00:00:00:12"):
            frame = build(params(None, dmac, case, [], smac=smac))
            got, errs = parse(frame)
            want = dict(COMMON, src=DEFAULTS["src"], dmac=dmac, smac=smac, **EXPECT[case])
            for k, w in want.items():
                if w is not None and got.get(k) != w:
                    errs.append(f"{k}={got.get(k)!r}, want {w!r}")
            bad += [f"{case} (to {dmac}): {e}" for e in errs]
    # the stranger has no key: each AH frame carries a fresh made-up ICV
    p = params(None, "01:00:5e:00:00:12", "ah_icv", [], smac=smac)
    if build(p) == build(p):
        bad.append("ah_icv: two frames with the same ICV")
    for b in bad:
        print("selftest FAIL:", b)
    if bad:
        sys.exit(1)
    print(f"selftest OK: {len(CASES)} cases built with scapy, fields checked by a struct parser")

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
    if cmd == "selftest":
        selftest(); return
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

if __name__ == "__main__":
    main()

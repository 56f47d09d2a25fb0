#!/usr/bin/env python3
"""VRRP adverts from a capture (via `tcpdump -tt -n -r`), for the failover and jitter figures.

  adverts.py dump PCAP OUT              text list "epoch src vrid prio" (one tcpdump pass)
  adverts.py last DUMP SRC T            last advert of SRC before T
  adverts.py lastprio DUMP SRC T        the priority of that advert
  adverts.py first DUMP SRC T [END]     first advert of SRC after T (and before END)
  adverts.py prio0 DUMP SRC T [END]     first priority-0 advert of SRC at/after T (before END)
  adverts.py jitter DUMP SRC ADV T0 T1  per-instance interval stats over [T0, T1]:
        prints "p50_ms p99_ms max_ms missed intervals" where deviation = |interval - ADV|
        and missed = sum over intervals of (round(interval / ADV) - 1)
"""
import re
import subprocess
import sys

PAT = re.compile(r'^(\d+\.\d+) IP (\S+) > \S+: VRRPv\d, Advertisement, vrid (\d+), prio (\d+)')


def dump(pcap, out):
    p = subprocess.run(['tcpdump', '-tt', '-n', '-r', pcap, 'ip proto 112'],
                       capture_output=True, text=True)
    with open(out, 'w') as f:
        for line in p.stdout.splitlines():
            m = PAT.match(line)
            if m:
                f.write(f'{m.group(1)} {m.group(2)} {m.group(3)} {m.group(4)}\n')


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            t, src, vrid, prio = line.split()
            rows.append((float(t), src, int(vrid), int(prio)))
    return rows


def pct(xs, q):
    if not xs:
        return float('nan')
    xs = sorted(xs)
    i = min(len(xs) - 1, max(0, int(round(q * (len(xs) - 1)))))
    return xs[i]


def main():
    cmd = sys.argv[1]
    if cmd == 'dump':
        dump(sys.argv[2], sys.argv[3])
        return
    rows = load(sys.argv[2])
    src = sys.argv[3]
    if cmd == 'lastprio':
        t = float(sys.argv[4])
        xs = [r[3] for r in rows if r[1] == src and r[0] < t]
        print(xs[-1] if xs else 'nan')
        return
    if cmd in ('last', 'first', 'prio0'):
        # optional 5th argument: only adverts before this time count (the next event)
        t = float(sys.argv[4])
        end = float(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[5] != 'nan' else float('inf')
        if cmd == 'last':
            xs = [r[0] for r in rows if r[1] == src and r[0] < t]
            print(f'{xs[-1]:.6f}' if xs else 'nan')
        elif cmd == 'first':
            xs = [r[0] for r in rows if r[1] == src and t < r[0] < end]
            print(f'{xs[0]:.6f}' if xs else 'nan')
        else:
            xs = [r[0] for r in rows if r[1] == src and t <= r[0] < end and r[3] == 0]
            print(f'{xs[0]:.6f}' if xs else 'nan')
    elif cmd == 'jitter':
        adv, t0, t1 = float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
        per = {}
        for t, s, vrid, prio in rows:
            if s == src and t0 <= t <= t1:
                per.setdefault(vrid, []).append(t)
        devs, missed, n = [], 0, 0
        for ts in per.values():
            for a, b in zip(ts, ts[1:]):
                d = b - a
                devs.append(abs(d - adv) * 1000)
                missed += max(0, int(round(d / adv)) - 1)
                n += 1
        print(f'{pct(devs, .5):.3f} {pct(devs, .99):.3f} {max(devs) if devs else float("nan"):.3f} '
              f'{missed} {n} {len(per)}')


if __name__ == '__main__':
    main()

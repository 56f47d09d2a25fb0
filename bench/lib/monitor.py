#!/usr/bin/env python3
"""Read `ip -ts monitor address` output (local-time ISO stamps) into epoch times.

  monitor.py first FILE ADDR T      first time ADDR was added after epoch T (or nan)
  monitor.py deleted FILE ADDR T    first time ADDR was deleted after epoch T (or nan)
  monitor.py nth FILE T N           time the N-th distinct bench VIP (dev, addr) was added
                                    after epoch T (or nan)
"""
import re
import sys
from datetime import datetime

LINE = re.compile(r'^\[(\S+)\] (Deleted )?\d+: (\S+)\s+inet6? (\S+)/(\d+)')


def events(path):
    with open(path, errors='replace') as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            t = datetime.fromisoformat(m.group(1)).timestamp()
            yield t, m.group(2) is None, m.group(3), m.group(4)


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == 'first':
        addr, t0 = sys.argv[3], float(sys.argv[4])
        for t, added, _dev, a in events(path):
            if added and a == addr and t >= t0:
                print(f'{t:.6f}')
                return
        print('nan')
    elif cmd == 'deleted':
        addr, t0 = sys.argv[3], float(sys.argv[4])
        for t, added, _dev, a in events(path):
            if not added and a == addr and t >= t0:
                print(f'{t:.6f}')
                return
        print('nan')
    elif cmd == 'nth':
        t0, n = float(sys.argv[3]), int(sys.argv[4])
        seen = set()
        for t, added, dev, a in events(path):
            if added and t >= t0 and re.match(r'(198\.51\.100|203\.0\.113)\.', a):
                seen.add((dev, a))
                if len(seen) >= n:
                    print(f'{t:.6f}')
                    return
        print('nan')


if __name__ == '__main__':
    main()

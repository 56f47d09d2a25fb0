#!/usr/bin/env python3
"""One reader for keepalived.json files: the way a monitoring tool reads keepalived 2.2.7's
dump. Given keepalived's file and ours, it parses both with the same code and checks that
every key keepalived writes is in ours with the same JSON type (ours may add keys)."""
import json
import sys


def read_dump(path):
    with open(path) as f:
        doc = json.load(f)
    if not isinstance(doc, list) or not doc:
        raise SystemExit(f"{path}: not a non-empty array")
    out = {}
    for entry in doc:
        data, stats = entry["data"], entry["stats"]
        out[data["iname"]] = {
            "state": data["state"],
            "vrid": data["vrid"],
            "effective_priority": data["effective_priority"],
            "advert_sent": stats["advert_sent"],
            "keys": {k: type(v).__name__ for k, v in data.items()},
            "stats_keys": {k: type(v).__name__ for k, v in stats.items()},
        }
    return out


def main():
    theirs, ours = read_dump(sys.argv[1]), read_dump(sys.argv[2])
    problems = []
    for name, t in theirs.items():
        o = ours.get(name)
        if o is None:
            problems.append(f"instance {name} missing from ours")
            continue
        for section in ("keys", "stats_keys"):
            for k, typ in t[section].items():
                if k in ("vmac_ifname",):  # keepalived built with VMAC support; we have none
                    continue
                if k not in o[section]:
                    problems.append(f"{name}: {section} {k} missing from ours")
                elif o[section][k] != typ and {o[section][k], typ} != {"int", "float"}:
                    problems.append(f"{name}: {k} is {o[section][k]} in ours, {typ} in keepalived's")
        print(f"{name}: keepalived state={t['state']} prio={t['effective_priority']} sent={t['advert_sent']} | "
              f"ours state={o['state']} prio={o['effective_priority']} sent={o['advert_sent']}")
    for p in problems:
        print("MISMATCH:", p)
    print(f"json: {len(theirs)} instances compared, {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

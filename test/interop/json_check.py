#!/usr/bin/env python3
"""One reader for keepalived.json files: the way a monitoring tool reads keepalived 2.2.7's
dump. Given keepalived's file and ours, for the same instance configuration, it parses both
with the same code and checks that every key keepalived writes is in ours with the same JSON
type (ours may add keys), and that the lists that depend only on the configuration
(`vroutes`) hold the same strings.

Types are compared strictly, int and float included: keepalived writes counters and flags as
integers, `last_transition` with "%f" (always a fraction) and the intervals `garp_delay`,
`adver_int`, `master_adver_int` with "%g" (an integer when whole), so for one configuration
each key has one type, and a reader that maps a key to an integer type (Go's encoding/json
into an int field, say) rejects 1.0 where keepalived wrote 1."""
import json
import sys

# Lists whose strings are a function of the configuration alone (the same on both sides).
SAME_TEXT = ("vroutes",)


def json_type(v):
    # bool is a subclass of int in Python: name it first.
    if isinstance(v, bool):
        return "bool"
    return type(v).__name__


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
            "data": data,
            "keys": {k: json_type(v) for k, v in data.items()},
            "stats_keys": {k: json_type(v) for k, v in stats.items()},
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
                if k not in o[section]:
                    problems.append(f"{name}: {section} {k} missing from ours")
                elif o[section][k] != typ:
                    problems.append(f"{name}: {k} is {o[section][k]} in ours, {typ} in keepalived's")
        for k in SAME_TEXT:
            if k in t["data"] and k in o["data"] and t["data"][k] != o["data"][k]:
                problems.append(f"{name}: {k} {o['data'][k]} in ours, {t['data'][k]} in keepalived's")
        print(f"{name}: keepalived state={t['state']} prio={t['effective_priority']} sent={t['advert_sent']} | "
              f"ours state={o['state']} prio={o['effective_priority']} sent={o['advert_sent']}")
    for p in problems:
        print("MISMATCH:", p)
    print(f"json: {len(theirs)} instances compared, {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

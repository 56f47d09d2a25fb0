#!/usr/bin/env python3
"""Put bench/BENCHMARKS.generated.md into BENCHMARKS.md between its two markers.

  splice.py BENCHMARKS.md GENERATED.md [NAME]

NAME (default "bench") picks the marker pair `<!-- NAME:generated:begin ... -->` and
`<!-- NAME:generated:end -->` (bench/size.sh uses "size"). The generated file's own title
line is dropped (BENCHMARKS.md has its own heading and goal summary above the markers).
Without both markers nothing is changed and it says so.
"""
import sys


def main():
    doc_path, gen_path = sys.argv[1], sys.argv[2]
    name = sys.argv[3] if len(sys.argv) > 3 else 'bench'
    doc = open(doc_path).read()
    BEGIN = f'<!-- {name}:generated:begin'
    END = f'<!-- {name}:generated:end -->'
    b = doc.find(BEGIN)
    if b >= 0:
        # The begin marker runs to the end of its line (it says who rewrites the text).
        BEGIN = doc[b:doc.find('\n', b)]
    gen = open(gen_path).read().split('\n')
    if gen and gen[0].startswith('## '):
        gen = gen[1:]
    while gen and not gen[0].strip():
        gen = gen[1:]
    b, e = doc.find(BEGIN), doc.find(END)
    if b < 0 or e < b:
        print(f'splice: {doc_path} has no {BEGIN} ... {END} pair; left as it was', file=sys.stderr)
        return 1
    body = '\n'.join(gen).rstrip('\n')
    out = doc[:b + len(BEGIN)] + '\n' + body + '\n' + doc[e:]
    with open(doc_path, 'w') as f:
        f.write(out)
    return 0


if __name__ == '__main__':
    sys.exit(main())

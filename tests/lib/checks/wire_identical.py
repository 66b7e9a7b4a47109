#!/usr/bin/env python3
"""wire_identical.py EMITTER_TXT SIOSTEER_TXT: compares the `msg ` lines of two captures;
prints how many are identical, the differences on stderr. (redis_emit)"""
import sys
a = [l.split() for l in open(sys.argv[1]) if l.startswith("msg ")]
b = [l.split() for l in open(sys.argv[2]) if l.startswith("msg ")]
same = sum(1 for x, y in zip(a, b) if x == y)
for i, (x, y) in enumerate(zip(a, b)):
    if x != y:
        print(f"call {i + 1}: emitter {x[1]} {x[2][:200]}\n        siosteer {y[1]} {y[2][:200]}", file=sys.stderr)
if len(a) != len(b):
    print(f"emitter published {len(a)}, siosteer {len(b)}", file=sys.stderr)
print(same)

#!/usr/bin/env python3
"""emit_calls.py FILE: writes the calls (JSON list) whose Redis messages siosteer and
@socket.io/redis-emitter must publish byte for byte alike. (redis_emit)"""
import json, sys
big = {f"k{i}": i for i in range(20)}
calls = [
    {"op": "emit", "event": "hello", "args": [{"n": 1}, 2]},
    {"op": "emit", "to": ["roomA"], "event": "e", "args": ["h\u00e9llo \u2713 \U0001F600", None, True, False]},
    {"op": "emit", "to": ["r1", "r2", "r1"], "except": ["x", "y"], "event": "multi", "args": []},
    {"op": "emit", "nsp": "chat", "event": "nums",
     "args": [0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 2**53,
              -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649,
              1.5, -0.25, 1e19, 1e300 / 1e290, 100.0]},
    {"op": "emit", "event": "order", "args": [{"b": 1, "2": 2, "1": 3, "a": [], "10": {}, "01": 4}]},
    {"op": "emit", "event": "sizes", "args": ["s" * 31, "s" * 32, "s" * 255, "s" * 256, "s" * 70000,
                                           list(range(15)), list(range(16)), big]},
    {"op": "emit", "volatile": True, "to": ["v"], "event": "vol", "args": [[1, [2, [3]]]]},
    {"op": "emit", "event": "esc", "args": ["quote\" back\\ nl\n tab\t nul\u0000 ctl\u0001"]},
    {"op": "join", "to": ["roomB"], "rooms": ["roomC"]},
    {"op": "join", "rooms": ["x", "y"]},
    {"op": "leave", "to": ["roomB"], "except": ["e"], "rooms": ["roomC"]},
    {"op": "disconnect", "to": ["roomA"]},
    {"op": "disconnect", "nsp": "/chat", "close": True},
    {"op": "emit", "nsp": "/chat", "to": ["only"], "event": "x", "args": [{"deep": {"er": {"est": [None]}}}]},
]
json.dump(calls, open(sys.argv[1], "w"))

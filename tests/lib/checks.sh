# shellcheck shell=bash
# Checks shared by the namespace tests (sourced by tests/lib/netns.sh, so every test has
# them): the siosteer binary under test, failing with the logs, reading JSON results.

SIOSTEER=${SIOSTEER:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/${BUILD:-build}/siosteer}

# fail WHY: print the tail of every log of this test, then `FAIL $NAME: WHY`; exit 1.
# A test whose logs are mostly progress lines sets SST_FAIL_SKIP to a grep -E pattern of
# lines to leave out (e.g. '^(session|tick|ready|stats) '), so the tail shows the errors.
fail() {
	local f
	for f in "$SST_TMP"/*.log; do
		[[ -s $f ]] || continue
		echo "--- $f"
		if [[ -n ${SST_FAIL_SKIP:-} ]]; then grep -Ev "$SST_FAIL_SKIP" "$f"; else cat "$f"; fi |
			tail -n 20 | cut -c1-300
	done >&2
	echo "FAIL $NAME: $*"
	exit 1
}

# json JSON KEY: a top-level field of a JSON object, as JSON.
json() { python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])[sys.argv[2]]))' "$1" "$2"; }

# jget JSON PYEXPR: a value from JSON `a` (python expression), for messages.
jget() {
	python3 -c 'import json,sys; a=json.loads(sys.argv[1]); v=eval(sys.argv[2]); print(json.dumps(v) if isinstance(v,(dict,list,bool)) or v is None else v)' "$1" "$2"
}

# check_clients JSON N PIDS: what every address-steered run must show. Prints
# all problems at once; exit 1 if any.
check_clients() {
	python3 - "$@" <<'PY'
import json, sys
a, n, pids = json.loads(sys.argv[1]), int(sys.argv[2]), sorted(sys.argv[3].split(","))
e = []
if a["ok"] != n or a["failed"]:
    e.append(f"ok {a['ok']}/{n}, failures {a['failures']}")
if a["mixed_pid"]:
    e.append(f"mixed_pid {a['mixed_pid']}")
if a["per_addr_pids_consistent"] is not True:
    bad = {k: v for k, v in a["addr_pid"].items() if isinstance(v, list)}
    e.append(f"per_addr_pids_consistent {a['per_addr_pids_consistent']} ({len(bad)} addresses met several pids)")
if a["addr_mismatch"]:
    e.append(f"addr_mismatch {a['addr_mismatch']}")
if len(a["addr_pid"]) != a["addrs"]:
    e.append(f"only {len(a['addr_pid'])}/{a['addrs']} addresses had an OK session")
if sorted(a["per_pid"]) != pids:
    e.append(f"pids {sorted(a['per_pid'])} != workers {pids}")
if not all(v > 0 for v in a["per_pid"].values()):
    e.append("a worker got no session")
print("; ".join(e))
sys.exit(1 if e else 0)
PY
}

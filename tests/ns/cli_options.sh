#!/usr/bin/env bash
# The command line of every command, from its one option table: `siosteer CMD --help`
# exits 0 and lists the command's options (Usage, Options, Exit status); an unknown option
# and an option without its value each give exactly one line on stderr that names the
# problem and the command, and exit 2; an enum value that is not one of its names says
# which names there are. Nothing here needs root or a namespace.
set -u
NAME=cli_options
SIOSTEER=${SIOSTEER:-$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)/${BUILD:-build}/siosteer}
[ -x "$SIOSTEER" ] || { echo "FAIL $NAME: no $SIOSTEER (run make)"; exit 1; }
fails=0 checks=0
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

# command -> an option that takes a value, and options its --help must list
declare -A VALUE_OPT=(
	[run]=--port [attach]=--port [detach]=--port [status]=--port [sessions]=--port
	[cost]=--seconds [emit]=--nsp [join]=--to [leave]=--except [disconnect]=--timeout
	[drain]=--slot [undrain]=--wait [weight]=--slot
)
declare -A LISTS=(
	[run]="--port --workers --key --place --gate --iface --bind --stop-timeout --redis --pin-root --verbose --help"
	[attach]="--iface --port --key --interval --redis --cluster --node --pin-root --verbose --help"
	[detach]="--iface --port --pin-root --help"
	[status]="--port --json --pin-root --cluster --redis --help"
	[sessions]="--port --sid --limit --json --cluster --help"
	[cost]="--port --seconds --iface --json --pin-root --help"
	[emit]="--redis --nsp --to --except --volatile --adapter-key --timeout --quiet --help"
	[join]="--to --except --help" [leave]="--to --help" [disconnect]="--close --help"
	[drain]="--port --slot --cluster --node --wait --json --help"
	[undrain]="--port --slot --help" [weight]="--port --slot --help"
)
for cmd in run attach detach status sessions cost emit join leave disconnect drain undrain weight; do
	out=$("$SIOSTEER" "$cmd" --help 2>/dev/null); rc=$?
	checks=$((checks + 1))
	[ $rc = 0 ] || bad "$cmd --help: exit $rc"
	for section in "Usage: siosteer" "Options:" "Exit status:"; do
		grep -q "^$section" <<<"$out" || bad "$cmd --help: no '$section'"
	done
	for o in ${LISTS[$cmd]}; do
		grep -qE "^  (-[a-z], )?$o\b" <<<"$out" || bad "$cmd --help: does not list $o"
	done
	for case in unknown missing; do
		if [ $case = unknown ]; then args=(--no-such-option); want="unknown option '--no-such-option'"
		else args=("${VALUE_OPT[$cmd]}"); want="option '${VALUE_OPT[$cmd]}' needs a value"; fi
		err=$("$SIOSTEER" "$cmd" "${args[@]}" 2>&1 >/dev/null); rc=$?
		checks=$((checks + 1))
		lines=$(grep -c '' <<<"$err")
		[ $rc = 2 ] || bad "$cmd ${args[*]}: exit $rc, want 2"
		[ "$lines" = 1 ] || bad "$cmd ${args[*]}: $lines lines on stderr, want 1: $err"
		grep -qF "$want" <<<"$err" || bad "$cmd ${args[*]}: '$err' does not say \"$want\""
		grep -qF "$cmd:" <<<"$err" || bad "$cmd ${args[*]}: '$err' does not name the command"
	done
done
err=$("$SIOSTEER" run --port 1 --workers 1 --place nearest -- true 2>&1); rc=$?
checks=$((checks + 1))
[ $rc = 2 ] && grep -qF "least-loaded|random|addr" <<<"$err" || bad "--place nearest: exit $rc, '$err'"
err=$("$SIOSTEER" status --port 0 2>&1); rc=$?
checks=$((checks + 1))
[ $rc = 2 ] && grep -qF "from 1 to 65535" <<<"$err" || bad "--port 0: exit $rc, '$err'"
# Under --json an error is {"error": "..."} on stdout, with the same exit status, whether
# the command line is wrong (2) or the port is not steered (1).
for case in "2|status --json --port" "2|sessions --json --limit x" "1|status --json --port 9 --pin-root /nonexistent" \
	"1|sessions --json --port 9 --sid a\"b --pin-root /nonexistent"; do
	want=${case%%|*}
	read -r -a args <<<"${case#*|}"
	out=$("$SIOSTEER" "${args[@]}" 2>/dev/null); rc=$?
	checks=$((checks + 1))
	[ "$rc" = "$want" ] || bad "${args[*]}: exit $rc, want $want"
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert isinstance(d.get("error"), str) and d["error"]' "$out" 2>/dev/null ||
		bad "${args[*]}: stdout is not {\"error\": ...}: '$out'"
done
echo "RESULT $checks checks over 13 commands (help, unknown option, missing value, enum names, range, JSON errors), $fails failed"
[ $fails = 0 ] || exit 1
echo "PASS $NAME"

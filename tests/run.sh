#!/bin/sh
# run.sh - the whole suite: unit binaries, fuzz corpus replay, regress tier,
# the web tests (node --test) and the browser tests (tests/e2e).
# Every part prints a "...: N passed, M failed" line; this script adds them
# up and ends with the plain total line.  BIN is the binary dir (bin or
# bin/san).
set -u
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
export BIN
# Each tier's whole output stays in build/test-out/logs (this run's only).
pass=0; fail=0; log=build/test-out/logs
rm -rf "$log" && mkdir -p "$log" || exit 1

t0=$(date +%s)
tally() {	# tally NAME LOGFILE STATUS (and the seconds since the last tally)
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
	p=$(echo "$line" | sed -nE 's/.* ([0-9]+) passed.*/\1/p')
	f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
	if [ -z "$p" ]; then	# crashed before its summary
		p=0; f=1
		echo "FAIL $1: no summary (exit $3)"; tail -n 20 "$2"
	elif [ "$3" != 0 ] && [ "$f" = 0 ]; then
		f=1; echo "FAIL $1: exit $3 after its summary"; tail -n 20 "$2"
	fi
	[ "$f" != 0 ] && grep -E '^(FAIL|not ok)' "$2" | head -n 40
	t1=$(date +%s)
	echo "  $1 -- $p ok, $f bad ($((t1 - t0)) s)"
	t0=$t1
	pass=$((pass + p)); fail=$((fail + f))
}

# The regress tier (its own stacks on free ports, about five minutes) runs
# beside the others, which take the same again in Chromium and the unit
# binaries; the machine has two cores.  HTQ_SERIAL=1 runs it in turn.
# Its output is printed after the others.
rt0=$(date +%s)
if [ "${HTQ_SERIAL:-0}" = 1 ]; then
	/usr/bin/python3 tests/regress/run.py >"$log/regress" 2>&1
	echo $? >"$log/regress.st"
else
	{ /usr/bin/python3 tests/regress/run.py >"$log/regress" 2>&1; echo $? >"$log/regress.st"; } &
	regress_pid=$!
fi

echo "== unit"
for t in "$BIN"/tests/test_*; do
	[ -x "$t" ] || continue
	"$t" >"$log/out" 2>&1; tally "$(basename "$t")" "$log/out" $?
done
echo "== fuzz corpus replay"
for t in "$BIN"/tests/replay_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t" | sed 's/^replay_fuzz_//')
	"$t" tests/fuzz/corpus/"$name" >"$log/out" 2>&1; tally "replay $name" "$log/out" $?
done
echo "== web (web/js/ledger.js under node --test)"
if command -v node >/dev/null 2>&1; then
	node --test --test-reporter=tap tests/web/ >"$log/tap" 2>&1; st=$?
	p=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$log/tap" | tail -n 1)
	f=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$log/tap" | tail -n 1)
	{ cat "$log/tap"; echo "# web: ${p:-0} passed, ${f:-0} failed"; } >"$log/web"
	[ -n "$p" ] || sed -i '$d' "$log/web"	# no summary: let tally say so
	grep -E '^ *not ok' "$log/web" | head -n 20
	tally web "$log/web" $st
else
	echo "  FAIL web: node is missing (scripts/deps.sh build)"; fail=$((fail + 1))
fi
echo "== e2e (tests/e2e: Chromium headless, playwright-core)"
if [ -x /usr/bin/chromium ]; then
	node tests/e2e/run.mjs >"$log/e2e" 2>&1; st=$?
	grep -E '^(ok|FAIL|#)' "$log/e2e" | grep -v '^ok' | head -n 30
	tally e2e "$log/e2e" $st
else
	echo "  skip e2e: /usr/bin/chromium is not installed (scripts/deps.sh test installs it)"
fi
[ -x /usr/bin/chromium ] && { echo "== portal (tests/e2e/portal.mjs)"; node tests/e2e/portal.mjs >"$log/portal" 2>&1; st=$?; grep -E '^(FAIL|#)' "$log/portal" | head -n 30; tally portal "$log/portal" $st; }

echo "== regress (tests/regress, beside the tiers above)"
[ -z "${regress_pid:-}" ] || wait "$regress_pid"
grep -E '^(ok|FAIL|skip)' "$log/regress" | grep -v '^ok' | head -n 60
t0=$rt0	# its own time, from its start
tally regress "$log/regress" "$(cat "$log/regress.st" 2>/dev/null || echo 1)"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

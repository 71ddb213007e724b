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

# Three lanes on the machine's two cores (most of the tiers' time is
# waiting: sleeps, expiries, stack starts): this one runs the unit
# binaries, the web tests and the portal; beside it, the e2e tier then
# the first half of the regress modules, and the other half of them
# (tests/regress/run.py --shard; each half on its own stacks).  Their
# output is printed after this lane's.  HTQ_SERIAL=1 runs all in turn.
regress() {	# regress K: share K of 2 into $log/regressK, its status and seconds
	s0=$(date +%s)
	/usr/bin/python3 tests/regress/run.py --shard "$1/2" >"$log/regress$1" 2>&1
	echo "$? $(($(date +%s) - s0))" >"$log/regress$1.st"
}
e2e() {
	s0=$(date +%s)
	if [ -x /usr/bin/chromium ]; then
		node tests/e2e/run.mjs >"$log/e2e" 2>&1
		echo "$? $(($(date +%s) - s0))" >"$log/e2e.st"
	fi
}
if [ "${HTQ_SERIAL:-0}" = 1 ]; then
	e2e; regress 1; regress 2
else
	{ e2e; regress 1; } &
	lane2=$!
	regress 2 &
	lane3=$!
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
[ -x /usr/bin/chromium ] && { echo "== portal (tests/e2e/portal.mjs)"; node tests/e2e/portal.mjs >"$log/portal" 2>&1; st=$?; grep -E '^(FAIL|#)' "$log/portal" | head -n 30; tally portal "$log/portal" $st; }

[ -z "${lane2:-}" ] || wait "$lane2" "$lane3"
later() {	# later NAME LOG: a tally of a tier run beside, with its own time
	set -- "$1" "$2" $(cat "$2.st" 2>/dev/null || echo 1 0)
	t0=$(($(date +%s) - $4))
	tally "$1" "$2" "$3"
}
echo "== e2e (tests/e2e: Chromium headless, playwright-core; beside the tiers above)"
if [ -x /usr/bin/chromium ]; then
	grep -E '^(ok|FAIL|#)' "$log/e2e" | grep -v '^ok' | head -n 30
	later e2e "$log/e2e"
else
	echo "  skip e2e: /usr/bin/chromium is not installed (scripts/deps.sh test installs it)"
fi
for k in 1 2; do
	echo "== regress $k/2 (tests/regress, beside the tiers above)"
	grep -E '^(ok|FAIL|skip)' "$log/regress$k" | grep -v '^ok' | head -n 60
	later "regress $k/2" "$log/regress$k"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

#!/usr/bin/env bash
# bench/run.sh - 'make bench': HTTP throughput with wrk against the real
# stack, each target printed as a ratio against a baseline measured in the
# same run, then the ledger micro-benchmarks if they are built.
#
#   BENCH_SECONDS  seconds per wrk target and round (default 3)
#   BENCH_ROUNDS   rounds of the wrk targets (default 5)
#   BENCH_LEDGER_N entries of the ledger the verifier and the inclusion
#                  proofs are measured on (default 500000: building and
#                  verifying 1,000,000 alone took over 5 minutes here)
#   BENCH_ONLY     "static": only the static read path against a bare
#                  nginx (the product's nginx serving the checkpoint, a
#                  full tile and a mark bundle, a minimal nginx with as
#                  many workers serving copies of the same files)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-bin}
secs=${BENCH_SECONDS:-3}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
port2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
data=$(mktemp -d /tmp/htq-bench.XXXXXX)
data2=$(mktemp -d /tmp/htq-bench-small.XXXXXX)
bare=$(mktemp -d /tmp/htq-bench-bare.XXXXXX)
only=${BENCH_ONLY:-}
cleanup() {
	for p in ${pid:-} ${pid2:-} ${pid3:-}; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null; rm -rf "$data" "$data2" "$bare"
}
trap cleanup EXIT

# 10,000 submissions of one awarding body are drafts before they are
# submitted: above the per-organisation default
export HTQ_MAX_DRAFTS=100000
HTQ_PORT=$port HTQ_DATA=$data BIN=$BIN scripts/run.sh >"$data.out" 2>&1 &
pid=$!
# a second with 100 submissions in all: a page of the list there, measured
# in the same rounds as the pages of 10,000 on the first
if [ "$only" != static ]; then
	HTQ_PORT=$port2 HTQ_DATA=$data2 BIN=$BIN scripts/run.sh >"$data2.out" 2>&1 &
	pid2=$!
else
	port2=$port
fi
for p in $port $port2; do
	for _ in $(seq 1 200); do
		curl -fsS -o /dev/null "http://127.0.0.1:$p/api/v1/health" 2>/dev/null && break
		sleep 0.1
	done
done
# The request log goes to a file during the bench, as in production.
# A ledger past one full tile, published, for the static tile target.
if [ -x "$BIN/tests/ledger_writer" ]; then
	"$BIN/tests/ledger_writer" "$data" 0 300 300 >/dev/null
	HTQ_DATA=$data "$BIN/htqctl" ledger publish >/dev/null
fi

rate() {	# rate PATH -> requests/second
	rate_at "$port" "$1"
}
rate_at() {	# rate_at PORT PATH -> requests/second (non-2xx: 0)
	wrk -t2 -c32 -d"${secs}s" "http://127.0.0.1:$1$2" 2>&1 | awk '
	    /Non-2xx or 3xx responses/ { bad = 1 }
	    /^Requests\/sec:/ { r = $2 }
	    END { print (bad ? 0 : r + 0) }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
check() {	# check NAME RATIO TARGET
	ok=$(awk -v r="$2" -v t="$3" 'BEGIN { print (r >= t) ? "ok" : "BELOW TARGET" }')
	printf '  %-34s %6sx  (target >= %s) %s\n' "$1" "$2" "$3" "$ok"
}

# Every GET target is measured once in each of $rounds rounds, the
# targets one after another, so that a target and its baseline meet the
# same minute of this shared machine.  A rate printed is the median over
# the rounds; a ratio is the median of the rounds' own ratios (target over
# baseline of the same round), so one lucky or unlucky round of either
# side does not decide it.
rounds=${BENCH_ROUNDS:-5}
declare -A R	# R[target,round] = requests/second
measure() {	# measure TARGET PATH [TOKEN], for this round ($r)
	R[$1,$r]=$(if [ -n "${3:-}" ]; then rate_auth "$2" "$3"; else rate "$2"; fi)
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0;
    else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
med_rate() {	# med_rate TARGET -> median rate
	for ((i = 1; i <= rounds; i++)); do echo "${R[$1,$i]}"; done | median
}
med_ratio() {	# med_ratio TARGET BASELINE -> median of the rounds' ratios
	for ((i = 1; i <= rounds; i++)); do ratio "${R[$1,$i]}" "${R[$2,$i]}"; echo; done |
	    median | awk '{ printf "%.2f", $1 }'
}
rate_auth() {	# rate_auth PATH TOKEN -> requests/second
	wrk -t2 -c32 -d"${secs}s" -H "Authorization: Bearer $2" \
	    "http://127.0.0.1:$port$1" 2>&1 | awk '/^Requests\/sec:/ {print $2}'
}

# the demo's current quality mark, for the bundle target
mark=$(sed -nE 's/.*Demo quality mark: (HTQ-[0-9A-Z-]+) .*/\1/p' "$data/demo-accounts.txt" | head -1)

# The static read path at nginx's own speed: a bare nginx (a minimal
# configuration, as many workers, no access log) serving copies of the
# same files, measured in the same rounds as the product's nginx serving
# them: the checkpoint, a full tile and a mark bundle (its published file,
# which /api/v1/marks/{id} serves when the request has no query).
static_path() {
	port3=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	mkdir -p "$bare/www/ledger/tile/0" "$bare/www/marks/$mark" "$bare/tmp"
	cp "$data/public/ledger/checkpoint" "$bare/www/ledger/checkpoint"
	cp "$data/public/ledger/tile/0/000" "$bare/www/ledger/tile/0/000"
	cp "$data/public/marks/$mark/bundle.json" "$bare/www/marks/$mark/bundle.json"
	chmod -R a+rX "$bare"
	cat > "$bare/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $bare/nginx.pid;
error_log $bare/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	client_body_temp_path $bare/tmp/body;
	fastcgi_temp_path $bare/tmp/fastcgi;
	proxy_temp_path $bare/tmp/proxy;
	uwsgi_temp_path $bare/tmp/uwsgi;
	scgi_temp_path $bare/tmp/scgi;
	server {
		listen 127.0.0.1:$port3;
		root $bare/www;
	}
}
CONF
	nginx -p "$bare" -e "$bare/error.log" -c "$bare/nginx.conf" &
	pid3=$!
	for _ in $(seq 1 100); do
		curl -fsS -o /dev/null "http://127.0.0.1:$port3/ledger/checkpoint" 2>/dev/null && break
		sleep 0.05
	done
	# the same bytes from both
	for pair in "/ledger/checkpoint /ledger/checkpoint" \
	    "/ledger/tile/0/000 /ledger/tile/0/000" \
	    "/api/v1/marks/$mark /marks/$mark/bundle.json"; do
		set -- $pair
		cmp -s <(curl -fsS "http://127.0.0.1:$port$1") \
		    <(curl -fsS "http://127.0.0.1:$port3$2") ||
		    { echo "bench: $1 differs from the bare nginx's copy" >&2; exit 1; }
	done
	# Each target and its bare copy are measured at the same time, in
	# the same window (two wrk at once), and with each the CPU time its
	# nginx's workers spent (/proc): on this shared machine a rate swings
	# with the other work from one second to the next (a round's ratio of
	# rates went from 0.3 to 3 here), the CPU time a request costs does
	# not.  Requests per CPU second is the rate a dedicated machine would
	# see with nginx alone on its cores; the check is on its ratio, and
	# the rates' ratio is printed beside it.
	local r0=$rounds s0=$secs
	rounds=${BENCH_STATIC_ROUNDS:-7}
	secs=${BENCH_STATIC_SECONDS:-3}
	master=$(cat "$data/run/nginx.pid")
	echo "== static read path (wrk -t2 -c32 on each, both at once, ${secs}s per target and round, $rounds rounds; medians)"
	for ((r = 1; r <= rounds; r++)); do
		pair bcp /ledger/checkpoint scp /ledger/checkpoint
		pair btile /ledger/tile/0/000 stile /ledger/tile/0/000
		pair bmark "/marks/$mark/bundle.json" smark "/api/v1/marks/$mark"
	done
	printf '  %-34s %8.0f req/s %8.0f req/CPU-s  (bare nginx %.0f, %.0f)\n' \
	    "GET /ledger/checkpoint" "$(med_rate scp)" "$(med_rate cscp)" "$(med_rate bcp)" "$(med_rate cbcp)" \
	    "GET /ledger/tile/0/000 (full)" "$(med_rate stile)" "$(med_rate cstile)" "$(med_rate btile)" "$(med_rate cbtile)" \
	    "GET /api/v1/marks/{id} (bundle)" "$(med_rate smark)" "$(med_rate csmark)" "$(med_rate bmark)" "$(med_rate cbmark)"
	for t in cp tile mark; do
		printf '  %-5s by round, per CPU-s:' "$t"
		for ((r = 1; r <= rounds; r++)); do printf ' %s' "$(ratio "${R[cs$t,$r]}" "${R[cb$t,$r]}")"; done
		printf ';  rates:'
		for ((r = 1; r <= rounds; r++)); do printf ' %s' "$(ratio "${R[s$t,$r]}" "${R[b$t,$r]}")"; done
		echo
	done
	printf '  %-34s %6sx %6sx %6sx\n' "rates' ratios (cp, tile, mark)" \
	    "$(med_ratio scp bcp)" "$(med_ratio stile btile)" "$(med_ratio smark bmark)"
	check "checkpoint / bare nginx (CPU)" "$(med_ratio cscp cbcp)" 0.9
	check "full tile / bare nginx (CPU)" "$(med_ratio cstile cbtile)" 0.9
	check "mark bundle / bare nginx (CPU)" "$(med_ratio csmark cbmark)" 0.9
	kill -TERM "$pid3" 2>/dev/null || true
	rounds=$r0 secs=$s0
}
cpu_ticks() {	# cpu_ticks MASTER -> user + system ticks of its workers
	local p t=0 f
	for p in $(pgrep -P "$1"); do
		read -r -a f < "/proc/$p/stat" || continue
		t=$((t + f[13] + f[14]))
	done
	echo "$t"
}
load() {	# load PORT PATH -> "requests/second requests" (non-2xx: 0 0)
	wrk -t2 -c32 -d"${secs}s" "http://127.0.0.1:$1$2" 2>&1 | awk '
	    /Non-2xx or 3xx responses/ { bad = 1 }
	    / requests in / { n = $1 }
	    /^Requests\/sec:/ { r = $2 }
	    END { print (bad ? "0 0" : (r + 0) " " (n + 0)) }'
}
pair() {	# pair BARE_TARGET BARE_PATH TARGET PATH, for this round ($r)
	local a b ta tb na nb hz
	hz=$(getconf CLK_TCK)
	ta=$(cpu_ticks "$pid3"); tb=$(cpu_ticks "$master")
	load "$port3" "$2" > "$bare/rate.a" & a=$!
	load "$port" "$4" > "$bare/rate.b" & b=$!
	wait "$a" "$b"
	ta=$(( $(cpu_ticks "$pid3") - ta )); tb=$(( $(cpu_ticks "$master") - tb ))
	read -r "R[$1,$r]" na < "$bare/rate.a"
	read -r "R[$3,$r]" nb < "$bare/rate.b"
	R[c$1,$r]=$(awk -v n="$na" -v t="$ta" -v hz="$hz" 'BEGIN { print (t > 0 ? n * hz / t : 0) }')
	R[c$3,$r]=$(awk -v n="$nb" -v t="$tb" -v hz="$hz" 'BEGIN { print (t > 0 ? n * hz / t : 0) }')
}
static_path
[ "$only" != static ] || exit 0

echo "== HTTP (wrk -t2 -c32, ${secs}s per target and round, $rounds rounds; medians)"
for ((r = 1; r <= rounds; r++)); do
	measure nginx /_nginx/ok
	measure ping /api/v1/ping
	measure reg /api/v1/register
	measure mark "/api/v1/marks/$mark"
	measure std /api/v1/standards/ST0116
	measure cp /api/v1/ledger/checkpoint
	measure tile /ledger/tile/0/000
done
printf '  %-34s %10.0f req/s\n' "bare nginx return 200" "$(med_rate nginx)" \
    "GET /api/v1/ping" "$(med_rate ping)" \
    "GET /api/v1/standards/ST0116" "$(med_rate std)" \
    "GET /api/v1/ledger/checkpoint" "$(med_rate cp)" \
    "GET /ledger/tile/0/000 (8 KiB)" "$(med_rate tile)" \
    "GET /api/v1/register (first page)" "$(med_rate reg)" \
    "GET /api/v1/marks/{id} (bundle)" "$(med_rate mark)"
check "ping / bare nginx" "$(med_ratio ping nginx)" 0.18
check "standards/ST0116 / ping" "$(med_ratio std ping)" 0.9
check "ledger/checkpoint / bare nginx" "$(med_ratio cp nginx)" 0.5
check "full tile / bare nginx" "$(med_ratio tile nginx)" 0.5
check "register first page / ping" "$(med_ratio reg ping)" 0.8
check "marks/{id} bundle / bare nginx" "$(med_ratio mark nginx)" 0.4

# The workflow: submits over HTTP, lone and 20 at once, against the
# primitive a submit cannot avoid (one durable ledger append and one
# publish, in process); reading one submission; listing page by page at
# 100 and at 10,000.
echo "== workflow (tests/bench/workflow.py; GET with wrk as above)"
python3 tests/bench/workflow.py "$port" "$data" "$BIN" "$data.wf" "$port2" "$data2"
. "$data.wf"
for ((r = 1; r <= rounds; r++)); do
	measure ping2 /api/v1/ping
	measure sub "/api/v1/submissions/$sub_id" "$approver_token"
done
printf '  %-34s %10.0f req/s\n' "GET /api/v1/ping" "$(med_rate ping2)" \
    "GET /api/v1/submissions/{id}" "$(med_rate sub)"
printf '  %-34s %7.3f ms p50 %7.3f ms p99\n' \
    "lone submit over HTTP (200 in a row)" "$http50_ms" "$http99_ms" \
    "append + publish (in-process)" "$prim50_ms" "$prim99_ms"
printf '  %-34s %10.0f /s\n' "lone submits" "$lone_rps" \
    "20 concurrent submitters" "$conc_rps"
printf '  %-34s %10.1f ms (%d answered 200, %d other, %d timeouts, %d socket errors)\n' \
    "  slowest answer" "$conc_max_ms" "$conc_ok" "$conc_other" "$conc_timeouts" "$conc_errors"
printf '  %-34s %10.3f ms (%d pages)\n' "a page of 100, 100 in all" "$page100_ms" 1 \
    "a page of 100, 10,000 in all" "$page10k_ms" "$pages10k"
echo "  (rates: medians of the rounds; ratios: medians of the rounds' own ratios)"
check "GET submission / ping" "$(med_ratio sub ping2)" 0.8
# a lone submit at most 2x (p50) and 4x (p99) the primitive: checked as
# primitive over HTTP, higher is better, at least 1/2 and 1/4
check "lone submit p50: primitive / HTTP" "$lone_p50_ratio" 0.5
check "lone submit p99: primitive / HTTP" "$lone_p99_ratio" 0.25
# 20 at once: every answer within 1 s (1,000 ms over the slowest, at
# least 1; a timeout or socket error fails it), at least the lone rate
slow_ratio=$(if [ "$conc_timeouts" -gt 0 ] || [ "$conc_errors" -gt 0 ]; then echo 0.00;
    else ratio 1000 "$conc_max_ms"; fi)
check "20 submitters: 1 s / slowest answer" "$slow_ratio" 1.0
check "20 submitters: rate / lone rate" "$conc_ratio" 1.0
# cost per page at 10,000 over at 100: the target is at most 2, so its
# inverse (checked like the others, higher is better) at least 0.5
check "page cost at 100 / at 10,000" "$(ratio "$page100_ms" "$page10k_ms")" 0.5
# A witness against the verifier, on the same checkpoints (issue 24):
# the witness verifies, makes its state durable and cosigns each one
echo "== witness (${BIN##*/}/htq-witness add-checkpoint vs htq-verify consistency, same checkpoints; medians of 3 rounds)"
if python3 tests/bench/witness.py "$port" "$data" "$BIN" "$data.wit"; then
	. "$data.wit"
	printf '  %-34s %10.0f /s\n' "witness add-checkpoint ($wit_n)" "$wit_rate" \
	    "htq-verify consistency ($wit_n)" "$wit_verify_rate"
	check "witness / htq-verify consistency" "$wit_ratio" 0.5
else
	check "witness / htq-verify consistency" 0.00 0.5
fi
rm -f "$data.out" "$data2.out" "$data.wf" "$data.wit"

# The portal at scale (tests/e2e/portal.mjs, run only here): 1,001 more
# submissions and 1,000 more marks made through the API, then the
# dashboard, a submission, the review page and the register timed in
# Chromium (its own stack)
echo "== portal with 1,000 more submissions and marks (Chromium; times from navigation to data shown)"
HTQ_SCALE=1 node tests/e2e/portal.mjs -k "1,000 submissions" 2>&1 | grep -E '^# (with|register|portal)' || echo "  the portal at scale did not run"

if [ -x "$BIN/tests/bench_ledger" ]; then
	echo "== ledger"
	"$BIN/tests/bench_ledger" "${BENCH_LEDGER_N:-500000}"
fi

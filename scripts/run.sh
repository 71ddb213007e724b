#!/usr/bin/env bash
# run.sh - initialise the data directory on first start, then run
# htq-fcgi and nginx in the foreground until Ctrl-C (SIGINT) or SIGTERM.
#
#   HTQ_PORT  listen port on 127.0.0.1 (default 8080)
#   HTQ_DATA  data directory (default ./var)
#   HTQ_WORKERS  FastCGI workers (default: number of cores)
#   HTQ_DEMO_PASSWORD  password of the demo accounts (first start only;
#                      default demo-password-htq)
#   HTQ_LOGIN_RATE, HTQ_LOGIN_BURST  logins per minute per client address
#                      after a burst (nginx limit_req; default 30 and 20)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-bin}
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
PORT=${HTQ_PORT:-8080}
DATA=${HTQ_DATA:-./var}
mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd)
export HTQ_DATA="$DATA"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

die() { echo "run.sh: $*" >&2; exit 1; }
LOGIN_RATE=${HTQ_LOGIN_RATE:-30}
LOGIN_BURST=${HTQ_LOGIN_BURST:-20}
for v in "$PORT" "$LOGIN_RATE" "$LOGIN_BURST"; do
	case "$v" in ''|*[!0-9]*) die "HTQ_PORT, HTQ_LOGIN_RATE and HTQ_LOGIN_BURST must be numbers" ;; esac
done
[ "$LOGIN_RATE" -ge 1 ] || die "HTQ_LOGIN_RATE must be at least 1"

# First start: database, ledger key, demo catalogue and accounts.
if [ ! -f "$DATA/db/data.mdb" ]; then
	echo "Initialising $DATA ..."
	"$BIN/htqctl" init
	"$BIN/htqctl" standards import "${HTQ_CATALOGUE:-$ROOT/data/standards.json}"
	"$BIN/htqctl" demo > "$DATA/demo-accounts.txt"
fi
mkdir -p "$DATA/run/tmp" "$DATA/log"

# Render the nginx configuration.
user=""
[ "$(id -u)" = 0 ] && user="user $(id -un) $(id -gn);"
expr=$(sed -nE 's/^#define HTQ_MAX_BODY[[:space:]]+\(([0-9 *]+)\).*/\1/p' "$ROOT/core/limits.h")
max_body=$(( ${expr:-0} ))
[ "$max_body" -gt 0 ] || die "cannot read HTQ_MAX_BODY from core/limits.h"
sed -e "s|@USER@|$user|" -e "s|@PORT@|$PORT|g" -e "s|@RUN@|$DATA/run|g" \
    -e "s|@LOG@|$DATA/log|g" -e "s|@WEB@|$ROOT/web|g" \
    -e "s|@SOCK@|$DATA/run/fcgi.sock|g" -e "s|@MAX_BODY@|$max_body|g" \
    -e "s|@LOGIN_RATE@|$LOGIN_RATE|g" -e "s|@LOGIN_BURST@|$LOGIN_BURST|g" \
    "$ROOT/nginx/htq.conf.in" > "$DATA/run/nginx.conf"
"$NGINX" -t -q -p "$DATA/run" -e "$DATA/log/nginx-error.log" \
    -c "$DATA/run/nginx.conf" || die "nginx configuration test failed"

fcgi_pid=""; nginx_pid=""
stop() {
	trap - INT TERM EXIT
	[ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null || true
	[ -n "$fcgi_pid" ] && kill -TERM "$fcgi_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	echo "htq stopped."
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

"$BIN/htq-fcgi" --data "$DATA" &
fcgi_pid=$!
for _ in $(seq 1 100); do
	[ -S "$DATA/run/fcgi.sock" ] && break
	kill -0 "$fcgi_pid" 2>/dev/null || die "htq-fcgi did not start"
	sleep 0.05
done
"$NGINX" -p "$DATA/run" -e "$DATA/log/nginx-error.log" -c "$DATA/run/nginx.conf" &
nginx_pid=$!
for _ in $(seq 1 100); do
	curl -fsS -o /dev/null "http://127.0.0.1:$PORT/api/v1/health" 2>/dev/null && break
	kill -0 "$nginx_pid" 2>/dev/null || die "nginx did not start (is port $PORT free? see $DATA/log/nginx-error.log)"
	sleep 0.05
done

cat <<MSG

  htq is running at http://127.0.0.1:$PORT/
  API:    http://127.0.0.1:$PORT/api/v1/health
  Data:   $DATA
  Logs:   $DATA/log/ (requests are also logged below)
  Stop:   Ctrl-C

MSG
[ -f "$DATA/demo-accounts.txt" ] && sed 's/^/  /' "$DATA/demo-accounts.txt" && echo

# Wait until either process exits or we are told to stop.
wait -n "$fcgi_pid" "$nginx_pid" || true
echo "run.sh: a server process exited; stopping" >&2
exit 1

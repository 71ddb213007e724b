#!/usr/bin/env bash
# run.sh - initialise the data directory on first start, then run
# htq-fcgi and nginx in the foreground until Ctrl-C (SIGINT) or SIGTERM.
#
#   HTQ_PORT  listen port on 127.0.0.1 (default 8080)
#   HTQ_DATA  data directory (default ./var)
#   HTQ_WORKERS  FastCGI workers (default: one per core, at most 16)
#   HTQ_DEMO_PASSWORD  password of the demo accounts (first start only;
#                      default demo-password-htq)
#   HTQ_LOGIN_RATE, HTQ_LOGIN_BURST  logins per minute per client address
#                      after a burst (nginx limit_req; default 30 and 20)
#   HTQ_CONN_PER_ADDR  open connections per client address (default 64)
#   HTQ_START_WAIT  seconds to wait for this instance's first health
#             answer before giving up (default 30)
#   HTQ_USER  service account when started as root (default htq, created
#             if missing): it owns the data directory and runs everything
#   HTQ_LOG_MAX  bytes an nginx log in $HTQ_DATA/log may reach before it
#             is renamed to NAME.1 (the one before is dropped) and nginx
#             opens a new one (default 67108864, 64 MiB; checked every 2 s)
#   HTQ_WITNESSES  0: no demo witnesses (default: two, see below)
#   HTQ_WITNESS_PORT  the demo witnesses' ports, this one and the next
#                     (default 8451, or any free pair when those are taken)
#   HTQ_WITNESS_MAX_AGE  the demo policy's max_age in seconds (default 600)
#   HTQ_SMTP_URL  smtp://host:port of a mail relay: messages are then also
#             e-mailed by htq-mailer, which this script starts (and starts
#             again should it stop); unset: the portal alone shows them
#   HTQ_MAIL_FROM  the sender address of those e-mails
#             (default noreply@htq.localhost)
#
# Started as root, this script does only what needs root: it creates the
# service account and the data directory (if missing), copies what the
# service runs (programs, web files, the nginx template, the catalogue)
# into a fresh root-owned folder the account can read, and runs itself
# from there as the account, nginx included (the port is unprivileged).
# Nothing running as root opens, creates, changes or deletes a path inside
# a directory the service account can write.  Without HTQ_DATA, the data
# directory is ./var, or /var/lib/htq when the account cannot reach the
# clone (a clone in root's home, mode 0700).
set -euo pipefail
umask 077	# the data directory and everything in it: the owner's only
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-bin}
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
PORT=${HTQ_PORT:-8080}
die() { echo "run.sh: $*" >&2; exit 1; }

if [ "$(id -u)" = 0 ]; then
	SVC=${HTQ_USER:-htq}
	if ! id -u "$SVC" >/dev/null 2>&1; then
		useradd --system --user-group --no-create-home \
		    --home-dir /nonexistent --shell /usr/sbin/nologin "$SVC" ||
		    die "cannot create the service account $SVC"
	fi
	[ "$(id -u "$SVC")" != 0 ] || die "HTQ_USER must not be root"
	as_svc() { setpriv --reuid="$SVC" --regid="$SVC" --init-groups -- "$@"; }
	if [ -n "${HTQ_DATA:-}" ]; then
		DATA=$HTQ_DATA
	elif as_svc test -x "$ROOT"; then
		DATA=$ROOT/var
	else
		DATA=/var/lib/htq
		echo "run.sh: $SVC cannot reach $ROOT (a private home?), so the data directory is $DATA"
	fi
	case "$DATA" in /*) ;; *) DATA=$PWD/$DATA ;; esac
	[ ! -L "$DATA" ] || die "$DATA is a symbolic link: name the directory itself"
	parent=$(dirname "$DATA")
	[ -d "$parent" ] || die "$parent does not exist"
	# root creates or hands over only a data directory of its own, that
	# nobody else may write, inside one the account cannot write (or a
	# sticky one like /tmp, where nobody else may move it): deepest
	# first, links not followed, the directory itself last, so the
	# account can reach nothing until root is done; a directory the
	# account owns already is left as it is
	if [ ! -e "$DATA" ] || { [ -O "$DATA" ] && [ -d "$DATA" ]; }; then
		[ -O "$parent" ] || [ -k "$parent" ] ||
		    die "$parent is not root's: create $DATA yourself, owned by $SVC"
		[ -e "$DATA" ] || mkdir -m 700 "$DATA"
		[ -z "$(find "$DATA" -maxdepth 0 -perm /022)" ] ||
		    die "$DATA may be written by others: chmod 700 it first"
		find "$DATA" -depth -exec chown -h "$SVC:" {} +
	elif [ "$(stat -c %U "$DATA")" != "$SVC" ]; then
		die "$DATA belongs to $(stat -c %U "$DATA"), not $SVC: chown -R $SVC: $DATA (if it is the data directory), or set HTQ_DATA"
	fi
	as_svc test -w "$DATA" -a -x "$DATA" ||
	    die "$SVC cannot reach $DATA: some directory above it is closed to other accounts; set HTQ_DATA to a directory it can reach (for example /var/lib/htq)"
	WWW=${HTQ_WWW:-$ROOT/build/www}
	[ -f "$WWW/index.html" ] || die "$WWW is missing: run make first"
	CAT=${HTQ_CATALOGUE:-$ROOT/data/standards.json}
	# what the service runs, read-only to it, in a folder only root writes
	APP=$(mktemp -d /tmp/htq-app.XXXXXX)
	trap 'rm -rf "$APP"' EXIT
	mkdir -p "$APP/bin" "$APP/scripts" "$APP/nginx" "$APP/data" "$APP/core/store" "$APP/build"
	cp "$BIN/htq-fcgi" "$BIN/htqctl" "$APP/bin/"
	[ ! -x "$BIN/htq-witness" ] || cp "$BIN/htq-witness" "$APP/bin/"
	[ ! -x "$BIN/htq-mailer" ] || cp "$BIN/htq-mailer" "$APP/bin/"
	cp "$0" "$APP/scripts/run.sh"
	cp "$ROOT/nginx/htq.conf.in" "$APP/nginx/"
	cp "$ROOT/core/store/limits.h" "$APP/core/store/"
	cp "$CAT" "$APP/data/standards.json"
	cp -R "$WWW" "$APP/build/www"
	chmod -R go+rX,go-w "$APP"
	child=""
	trap '[ -z "$child" ] || kill -TERM "$child" 2>/dev/null' INT TERM
	HTQ_DATA=$DATA BIN=$APP/bin HTQ_WWW=$APP/build/www \
	    HTQ_CATALOGUE=$APP/data/standards.json HOME=$DATA \
	    setpriv --reuid="$SVC" --regid="$SVC" --init-groups -- \
	    bash "$APP/scripts/run.sh" &
	child=$!
	# a wait cut short by a signal returns early: wait again for the
	# child's own status (0 after a clean stop)
	while :; do
		rc=0
		wait "$child" || rc=$?
		kill -0 "$child" 2>/dev/null || break
	done
	exit "$rc"
fi

DATA=${HTQ_DATA:-./var}
mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd)
export HTQ_DATA="$DATA"
# where the badges' QR codes send people (the public address of /verify)
export HTQ_PUBLIC_URL="${HTQ_PUBLIC_URL:-http://127.0.0.1:$PORT}"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
LOGIN_RATE=${HTQ_LOGIN_RATE:-30}
LOGIN_BURST=${HTQ_LOGIN_BURST:-20}
CONN_PER_ADDR=${HTQ_CONN_PER_ADDR:-64}
LOG_MAX=${HTQ_LOG_MAX:-67108864}
for v in "$PORT" "$LOGIN_RATE" "$LOGIN_BURST" "$CONN_PER_ADDR" "$LOG_MAX"; do
	case "$v" in ''|*[!0-9]*) die "HTQ_PORT, HTQ_LOGIN_RATE, HTQ_LOGIN_BURST, HTQ_CONN_PER_ADDR and HTQ_LOG_MAX must be numbers" ;; esac
done
[ "${#LOG_MAX}" -le 15 ] && [ "$LOG_MAX" -ge 4096 ] ||
    die "HTQ_LOG_MAX must be at least 4096 (bytes)"
[ "$LOGIN_RATE" -ge 1 ] || die "HTQ_LOGIN_RATE must be at least 1"
[ "$CONN_PER_ADDR" -ge 1 ] || die "HTQ_CONN_PER_ADDR must be at least 1"

chmod 700 "$DATA"

# First start: database, ledger key, demo catalogue and accounts.
if [ ! -f "$DATA/db/data.mdb" ]; then
	echo "Initialising $DATA ..."
	"$BIN/htqctl" init
	"$BIN/htqctl" standards import "${HTQ_CATALOGUE:-$ROOT/data/standards.json}"
	"$BIN/htqctl" demo > "$DATA/demo-accounts.txt"
fi
chmod 600 "$DATA/demo-accounts.txt" 2>/dev/null || true
mkdir -p "$DATA/run/tmp" "$DATA/log"
# The ledger's static files (C2SP tlog-tiles), derived from the database:
# the writers keep them up to date and htq-fcgi rebuilds what is missing
# at start.  Not replaced here, unlike www.
mkdir -p "$DATA/public"
chmod 755 "$DATA/public"

# The static site is served from a copy inside the data directory, which
# nginx's workers can read wherever the clone lives: build/www, which
# 'make' assembles from web/ (pages, and assets under content-hashed names).
# On a full disk the copy cannot be made: the one there is kept (reads
# go on being served), with a warning.
WWW=${HTQ_WWW:-$ROOT/build/www}
[ -f "$WWW/index.html" ] || die "$WWW is missing: run make first"
rm -rf "$DATA/www.new"
if cp -R "$WWW" "$DATA/www.new" 2>/dev/null; then
	rm -rf "$DATA/www"
	mv "$DATA/www.new" "$DATA/www"
else
	rm -rf "$DATA/www.new"
	[ -f "$DATA/www/index.html" ] ||
	    die "cannot copy $WWW into $DATA/www (is the disk full?)"
	echo "run.sh: warning: cannot copy $WWW into $DATA (is the disk full?); serving the copy already there" >&2
fi

# Render the nginx configuration.
expr=$(sed -nE 's/^#define HTQ_MAX_BODY[[:space:]]+\(([0-9 *]+)\).*/\1/p' "$ROOT/core/store/limits.h")
max_body=$(( ${expr:-0} ))
[ "$max_body" -gt 0 ] || die "cannot read HTQ_MAX_BODY from core/store/limits.h"
expr=$(sed -nE 's/^#define HTQ_MAX_SMALL_BODY[[:space:]]+\(([0-9 *]+)\).*/\1/p' "$ROOT/core/store/limits.h")
small_body=$(( ${expr:-0} ))
[ "$small_body" -gt 0 ] || die "cannot read HTQ_MAX_SMALL_BODY from core/store/limits.h"
expr=$(sed -nE 's/^#define HTQ_MAX_DOCUMENT[[:space:]]+\(([0-9 *]+)\).*/\1/p' "$ROOT/core/store/limits.h")
max_document=$(( ${expr:-0} ))
[ "$max_document" -gt 0 ] || die "cannot read HTQ_MAX_DOCUMENT from core/store/limits.h"
# nginx's connections per worker, and descriptors for them (one to the
# client, one to htq-fcgi), within what this process may open
conns=8192
nofile=$(ulimit -Hn)
case "$nofile" in unlimited) nofile=$((2 * conns + 64)) ;; esac
[ "$nofile" -le $((2 * conns + 64)) ] || nofile=$((2 * conns + 64))
[ $((2 * conns + 64)) -le "$nofile" ] || conns=$(( (nofile - 64) / 2 ))
[ "$conns" -ge 1024 ] || conns=1024	# never fewer than nginx's default
# Written only when it changes, so that a start on a full disk with the
# same settings keeps the configuration it has.
conf=$(sed -e "s|@PORT@|$PORT|g" -e "s|@RUN@|$DATA/run|g" \
    -e "s|@LOG@|$DATA/log|g" -e "s|@WEB@|$DATA/www|g" \
    -e "s|@PUBLIC@|$DATA/public|g" \
    -e "s|@SOCK@|$DATA/run/fcgi.sock|g" -e "s|@MAX_BODY@|$max_body|g" \
    -e "s|@LOGIN_RATE@|$LOGIN_RATE|g" -e "s|@LOGIN_BURST@|$LOGIN_BURST|g" \
    -e "s|@CONN_PER_ADDR@|$CONN_PER_ADDR|g" \
    -e "s|@SMALL_BODY@|$small_body|g" -e "s|@NOFILE@|$nofile|g" \
    -e "s|@MAX_DOCUMENT@|$max_document|g" \
    -e "s|@WORKER_CONNECTIONS@|$conns|g" \
    "$ROOT/nginx/htq.conf.in")
if [ "$conf" != "$(cat "$DATA/run/nginx.conf" 2>/dev/null)" ]; then
	printf '%s\n' "$conf" > "$DATA/run/nginx.conf.new" &&
	    mv "$DATA/run/nginx.conf.new" "$DATA/run/nginx.conf" ||
	    die "cannot write $DATA/run/nginx.conf (is the disk full?)"
fi
"$NGINX" -t -q -p "$DATA/run" -e "$DATA/log/nginx-error.log" \
    -c "$DATA/run/nginx.conf" || die "nginx configuration test failed"
# run.sh --prepare, the installed units' ExecStartPre (dist/systemd/):
# all of the above, then exit; the units run htq-fcgi and nginx.
[ "${1:-}" != --prepare ] || exit 0

fcgi_pid=""; nginx_pid=""; logs_pid=""; mailer_pid=""
stop() {
	trap - INT TERM EXIT
	[ -n "$mailer_pid" ] && kill -TERM "$mailer_pid" 2>/dev/null || true
	[ -n "$logs_pid" ] && kill -TERM "$logs_pid" 2>/dev/null || true
	[ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null || true
	[ -n "$fcgi_pid" ] && kill -TERM "$fcgi_pid" 2>/dev/null || true
	for p in ${witness_pids:-}; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	echo "htq stopped."
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

# ---- demo witnesses (issue 24; docs/ledger.md 8) ----------------------
# Two htq-witness processes with keys and state of their own under
# DATA/demo-witnesses/<name>/ (stand-ins for the qualifications regulator
# and the Office for Students, never real organisations' keys), on
# HTQ_WITNESS_PORT and the next port, and DATA/witnesses naming both with
# quorum 2: the log asks them to cosign every checkpoint, and the policy
# verifiers get (htqctl ledger policy, the pages) requires both.
# HTQ_WITNESSES=0 (or no htq-witness built) runs none, and removes a
# witness list this block wrote.
witness_pids=""
witness_banner=""
WITNESS_NAMES="regulator-standin.witness.localhost students-standin.witness.localhost"
WITNESS_MARK="# written by scripts/run.sh: the demo witnesses"
# The demo witnesses' keys, configurations and processes, and the
# witness list; 1 (said on stderr) when any of it cannot be done.
demo_witnesses() {
	local logpolicy list name wd started p
	# the log's origin and verifier keys (oldest first), as a verifier's
	# policy names them: every start, so that a rotated key reaches them
	logpolicy=$("$BIN/htqctl" ledger policy | grep -E '^(origin|key) ') || {
		echo "run.sh: cannot read the ledger's policy (htqctl ledger policy)" >&2; return 1; }
	list="$WITNESS_MARK
# (quorum 2: the default policy requires both; HTQ_WITNESSES=0: none)
"
	mkdir -p "$DATA/demo-witnesses" "$DATA/log" && chmod 700 "$DATA/demo-witnesses" || return 1
	for name in $WITNESS_NAMES; do
		wd="$DATA/demo-witnesses/$name"
		mkdir -p "$wd/state" && chmod 700 "$wd" "$wd/state" || return 1
		if [ ! -f "$wd/witness.key" ]; then
			"$BIN/htq-witness" keygen "$name" "$wd/witness.key" > "$wd/vkey" || {
				echo "run.sh: cannot make the key of demo witness $name" >&2; return 1; }
		fi
		# written anew (a full disk keeps the one there)
		if ! { printf 'name %s\nkeyfile %s\n%s\n' "$name" "$wd/witness.key" \
		    "$logpolicy" > "$wd/witness.conf.new" && mv "$wd/witness.conf.new" "$wd/witness.conf"; } 2>/dev/null; then
			rm -f "$wd/witness.conf.new"
			[ -f "$wd/witness.conf" ] || { echo "run.sh: cannot write $wd/witness.conf" >&2; return 1; }
			echo "run.sh: warning: cannot rewrite $wd/witness.conf (is the disk full?): it keeps the log keys it had" >&2
		fi
	done
	# both on ports base and base+1: 0 when both say they listen (their
	# own log line, so that another program on the port is not taken
	# for them), else 1 with neither left running
	start_witnesses() {
		local base=$1 p=$1 name wd log n pids="" ok=0
		for name in $WITNESS_NAMES; do
			wd="$DATA/demo-witnesses/$name"
			log="$DATA/log/witness-$name.log"
			n=$(cat "$log" 2>/dev/null | wc -l)
			"$BIN/htq-witness" serve --config "$wd/witness.conf" \
			    --state "$wd/state" --listen "127.0.0.1:$p" >> "$log" 2>&1 &
			pids="$pids $!"
			ok=0
			for _ in $(seq 1 200); do
				if tail -n +$((n + 1)) "$log" 2>/dev/null |
				    grep -q "on 127.0.0.1:$p\$"; then
					ok=1
					break
				fi
				kill -0 "$!" 2>/dev/null || break
				sleep 0.05
			done
			if [ "$ok" = 0 ]; then
				for w in $pids; do kill -TERM "$w" 2>/dev/null; wait "$w" 2>/dev/null; done
				return 1
			fi
			p=$((p + 1))
		done
		witness_pids=$pids
		wport=$base
		return 0
	}
	if ! start_witnesses "$wport"; then
		# the default ports are taken (another instance, a test's
		# stack): any free pair, unless the ports were asked for
		if [ -n "${HTQ_WITNESS_PORT:-}" ]; then
			echo "run.sh: the demo witnesses cannot listen on ports $wport and $((wport + 1))" >&2
			return 1
		fi
		started=0
		for _ in $(seq 1 20); do
			if start_witnesses $((20000 + RANDOM % 40000)); then
				started=1
				break
			fi
		done
		if [ "$started" != 1 ]; then
			echo "run.sh: the demo witnesses found no free ports, or could not say they listen" >&2
			return 1
		fi
		echo "run.sh: ports 8451 and 8452 are taken: the demo witnesses listen on $wport and $((wport + 1))" >&2
	fi
	p=$wport
	for name in $WITNESS_NAMES; do
		list="${list}witness $(cat "$DATA/demo-witnesses/$name/vkey") http://127.0.0.1:$p
"
		p=$((p + 1))
	done
	if ! { printf '%squorum 2\nmax_age %s\n' "$list" "$wage" > "$DATA/witnesses.new" &&
	    mv "$DATA/witnesses.new" "$DATA/witnesses"; } 2>/dev/null; then
		rm -f "$DATA/witnesses.new"
		echo "run.sh: warning: cannot write $DATA/witnesses (is the disk full?): the log asks the witnesses it lists already" >&2
	fi
	witness_banner="  Witnesses: two demo witnesses run (regulator-standin and
             students-standin.witness.localhost, ports $wport and $((wport + 1)));
             the default policy requires both (htqctl ledger policy).
"
}

want_witnesses=${HTQ_WITNESSES:-1}
if [ "$want_witnesses" != 0 ] && [ ! -x "$BIN/htq-witness" ]; then
	echo "run.sh: warning: $BIN/htq-witness is missing (run make): no demo witnesses" >&2
	want_witnesses=0
fi
if [ "$want_witnesses" = 0 ]; then
	if [ "$(head -n 1 "$DATA/witnesses" 2>/dev/null)" = "$WITNESS_MARK" ]; then
		rm -f "$DATA/witnesses"
	fi
else
	wport=${HTQ_WITNESS_PORT:-8451}
	wage=${HTQ_WITNESS_MAX_AGE:-600}
	case "$wport$wage" in ''|*[!0-9]*) die "HTQ_WITNESS_PORT and HTQ_WITNESS_MAX_AGE must be numbers" ;; esac
	[ "$wport" -ge 1 ] && [ "$wport" -le 65534 ] || die "HTQ_WITNESS_PORT must be 1 to 65534"
	# Everything from here may fail without stopping the start (a full
	# disk, ports taken): the service then runs without its witnesses,
	# and verifiers whose policy needs them say they could not check.
	if ! demo_witnesses; then
		echo "run.sh: warning: the demo witnesses are not running (see above and $DATA/log/witness-*.log); the service runs without them, and verifiers that need their cosignatures say they could not check" >&2
	fi
fi
# ---- end of the demo witnesses -----------------------------------------

# A nonce only this htq-fcgi knows: its health answers carry a hash of
# it, which the wait for the banner below compares (fcgi/h_public.c).
command -v b2sum >/dev/null || die "b2sum (coreutils) is missing"
instance=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
[ ${#instance} = 32 ] || die "cannot read /dev/urandom"
HTQ_INSTANCE=$instance "$BIN/htq-fcgi" --data "$DATA" &
fcgi_pid=$!
for _ in $(seq 1 100); do
	[ -S "$DATA/run/fcgi.sock" ] && break
	kill -0 "$fcgi_pid" 2>/dev/null || die "htq-fcgi did not start"
	sleep 0.05
done
# The e-mail sender, only with a relay configured (core/mail/mailer.c):
# one per data directory, its log in $DATA/log/mailer.log.
start_mailer() {
	[ -n "${HTQ_SMTP_URL:-}" ] || return 0
	"$BIN/htq-mailer" --data "$DATA" >> "$DATA/log/mailer.log" 2>&1 &
	mailer_pid=$!
}
if [ -n "${HTQ_SMTP_URL:-}" ]; then
	[ -x "$BIN/htq-mailer" ] || die "HTQ_SMTP_URL is set but $BIN/htq-mailer is missing (run make)"
	case "$HTQ_SMTP_URL" in smtp://?*) ;; *) die "HTQ_SMTP_URL must be smtp://host:port" ;; esac
	start_mailer
fi
# nginx must write its pid file to start.  A start with room keeps 64 KiB
# in run/reserve; a start on a full disk gives it up so that nginx can
# start and serve reads (writes are 507 until space is freed).
reserve="$DATA/run/reserve"
if ! { : > "$DATA/run/probe" && printf x > "$DATA/run/probe"; } 2>/dev/null; then
	rm -f "$reserve"
	echo "run.sh: warning: the disk of $DATA is full: writes will fail (507) until space is freed; reads are served" >&2
elif [ ! -f "$reserve" ]; then
	{ head -c 65536 /dev/zero > "$reserve.new" &&
	    mv "$reserve.new" "$reserve"; } 2>/dev/null || rm -f "$reserve.new"
fi
rm -f "$DATA/run/probe"
"$NGINX" -p "$DATA/run" -e "$DATA/log/nginx-error.log" -c "$DATA/run/nginx.conf" &
nginx_pid=$!
# The banner prints only once this instance answers its own health
# check: a 200 carrying X-HTQ-Instance, the BLAKE2b-128 of the nonce
# its htq-fcgi got above.  Another server on the port, or the workers of
# an earlier htq-fcgi still holding the socket, cannot know it: a 200
# without it stops the start with an error; a 502 (a stale socket file,
# htq-fcgi not listening yet) is waited on, for at most HTQ_START_WAIT s.
tag=$(printf %s "$instance" | b2sum -l 128 | cut -d' ' -f1)
re_status='^HTTP/[0-9.]+ ([0-9]{3})'
re_tag=$'\n[Xx]-[Hh][Tt][Qq]-[Ii]nstance: *([0-9a-f]*)\r'
start_wait=${HTQ_START_WAIT:-30}
case "$start_wait" in ''|*[!0-9]*|0) die "HTQ_START_WAIT must be a number of seconds, at least 1" ;; esac
up=""; status=""; deadline=$((SECONDS + start_wait))
while [ "$SECONDS" -lt "$deadline" ]; do
	kill -0 "$nginx_pid" 2>/dev/null || die "nginx did not start (is port $PORT free? see $DATA/log/nginx-error.log)"
	kill -0 "$fcgi_pid" 2>/dev/null || die "htq-fcgi exited while starting"
	hdr=$(curl -sS -m 2 -o /dev/null -D - \
	    "http://127.0.0.1:$PORT/api/v1/health" 2>/dev/null) || hdr=""
	status=""; got=""
	[[ $hdr =~ $re_status ]] && status=${BASH_REMATCH[1]}
	[[ $hdr =~ $re_tag ]] && got=${BASH_REMATCH[1]}
	if [ "$status" = 200 ]; then
		[ "$got" != "$tag" ] || { up=1; break; }
		die "port $PORT answers /api/v1/health, but not as this instance: another server listens there, or htq-fcgi of an earlier start still holds $DATA/run/fcgi.sock (see ss -ltnp; stop it, or set HTQ_PORT)"
	fi
	sleep 0.05
done
[ -n "$up" ] || die "htq did not answer its health check on port $PORT within $start_wait s (last status: ${status:-none}; see $DATA/log/; HTQ_START_WAIT sets the wait)"

# --- bounded logs ---------------------------------------------------
# nginx's and the demo witnesses' logs in $DATA/log are kept under
# HTQ_LOG_MAX bytes each (plus
# what two seconds bring): a log over it is renamed NAME.1, replacing the
# one before, and nginx's master told to open new files (USR1).  This
# runs as the service account, which owns the files (never as root).
# htq-fcgi's log is its stderr, this script's output: the terminal here,
# the journal under systemd (nginx/htq.logrotate for installed logs).
rotate_logs() {
	local f sz sp=""
	trap '[ -z "$sp" ] || kill "$sp" 2>/dev/null; exit 0' TERM
	while kill -0 "$nginx_pid" 2>/dev/null; do
		sleep 2 & sp=$!
		wait "$sp" || true
		sp=""
		for f in "$DATA/log/nginx-access.log" "$DATA/log/nginx-error.log"; do
			sz=$(stat -c %s "$f" 2>/dev/null) || continue
			[ "$sz" -gt "$LOG_MAX" ] || continue
			mv -f "$f" "$f.1" && kill -USR1 "$nginx_pid" 2>/dev/null ||
			    echo "run.sh: warning: cannot rotate $f" >&2
		done
		# the demo witnesses and the mailer append to theirs (O_APPEND) and cannot
		# be told to reopen: copied to NAME.1, then emptied in place
		for f in "$DATA"/log/witness-*.log "$DATA/log/mailer.log"; do
			sz=$(stat -c %s "$f" 2>/dev/null) || continue
			[ "$sz" -gt "$LOG_MAX" ] || continue
			cp -f "$f" "$f.1" && : > "$f" ||
			    echo "run.sh: warning: cannot rotate $f" >&2
		done
	done
}
rotate_logs &
logs_pid=$!
# ----------------------------------------------------------------------

cat <<MSG

  htq is running at http://127.0.0.1:$PORT/
  Sign in:  http://127.0.0.1:$PORT/sign-in/  (with a demo account below)
  Register: http://127.0.0.1:$PORT/register/  (public: verify a quality mark)
  API:    http://127.0.0.1:$PORT/api/v1/health
  Data:   $DATA
  Logs:   $DATA/log/ (requests are also logged below)
  Stop:   Ctrl-C

MSG
[ -z "$witness_banner" ] || printf '%s\n' "$witness_banner"
[ -f "$DATA/demo-accounts.txt" ] && sed 's/^/  /' "$DATA/demo-accounts.txt" && echo

# Wait until either process exits or we are told to stop.  wait -n sees
# only a process that ends while it waits: one that died before (a kill -9
# of htq-fcgi as the banner was printed) would be waited for in vain, so
# the check is made again at least every second.
while kill -0 "$fcgi_pid" 2>/dev/null && kill -0 "$nginx_pid" 2>/dev/null; do
	sleep 1 & tick=$!
	wait -n "$fcgi_pid" "$nginx_pid" "$tick" || true
	kill "$tick" 2>/dev/null || true
	# a sender that stopped (killed, or its relay's address gone) is
	# started again: it resends what it left half sent
	if [ -n "$mailer_pid" ] && ! kill -0 "$mailer_pid" 2>/dev/null; then
		wait "$mailer_pid" 2>/dev/null || true
		start_mailer
	fi
done
echo "run.sh: a server process exited; stopping" >&2
exit 1

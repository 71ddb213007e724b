#!/bin/sh
# deps.sh GROUP... - install the Debian packages a group needs, if missing.
# Groups: build (compile, web assets, run), test (with the browser), bench, fuzz.
# As root it runs apt-get; otherwise it prints the exact line to run.
set -eu
need=""
want() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed' || need="$need $1"; }
for g in "$@"; do
	case "$g" in
	build)	for p in gcc make pkg-config libfcgi-dev liblmdb-dev libsodium-dev libjansson-dev libqrencode-dev zlib1g-dev curl; do want $p; done
		command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || want nginx-light
		# Node.js and npm build the web assets (make web); a Node.js
		# that bundles its own npm is taken as it is.
		command -v node >/dev/null 2>&1 || want nodejs
		command -v npm >/dev/null 2>&1 || want npm ;;
	test)	for p in python3 python3-jsonschema python3-cryptography python3-prometheus-client time lmdb-utils golang-go golang-golang-x-mod-dev; do want $p; done
		# The browser tests (tests/e2e) drive Debian's Chromium.
		[ -x /usr/bin/chromium ] || want chromium ;;
	bench)	want wrk ;;
	fuzz)	for p in clang libclang-rt-14-dev; do want $p; done ;;
	*)	echo "deps.sh: unknown group $g" >&2; exit 2 ;;
	esac
done
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "missing packages; run:  sudo apt-get install -y$need" >&2
	exit 1
fi
echo "installing:$need" >&2
# Try with the package lists we have; refresh them once if that fails.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null || {
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null; }

#!/bin/sh
# run.sh - build every libFuzzer target with clang and run each for
# FUZZ_SECONDS, growing its corpus in tests/fuzz/corpus/<name>/.  New
# crashing inputs are left in tests/fuzz/out/<name>/.
set -eu
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-30}
make --no-print-directory FUZZ=1 fuzzers
for f in bin/fuzz/fuzz_*; do
	name=$(basename "$f" | sed 's/^fuzz_//')
	mkdir -p "tests/fuzz/corpus/$name" "tests/fuzz/out/$name"
	echo "== fuzz $name for ${secs}s"
	"$f" -max_total_time="$secs" -max_len=65536 -timeout=10 \
	    -artifact_prefix="tests/fuzz/out/$name/" \
	    "tests/fuzz/corpus/$name" 2>&1 | tail -n 3
done

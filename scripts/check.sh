#!/bin/sh
# make check: run every Criterion binary given, then the scenario suite when
# it exists; fail if anything failed.  Each binary prints its own summary.
set -u
# Criterion's runner leaks a little on its own; do not blame the tests.
LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
failed=0
ran=0
for bin in "$@"; do
	echo "== $bin"
	if "$bin" --jobs 2; then
		ran=$((ran + 1))
	else
		echo "FAILED: $bin" >&2
		failed=$((failed + 1))
	fi
done
if [ -f scripts/check-scenarios.sh ]; then
	echo "== scenarios"
	if sh scripts/check-scenarios.sh; then ran=$((ran + 1)); else failed=$((failed + 1)); fi
fi
echo "check: $ran suites passed, $failed failed"
[ "$failed" -eq 0 ]

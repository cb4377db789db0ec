#!/bin/sh
# make check: every Criterion binary given, then the scenario suite; the
# last line totals the tests of both ("make check: N passed, N failed").  Fails if
# anything failed, including a binary that died before its summary.
set -u
BUILD=${BUILD:-build}
export BUILD
# Criterion's runner leaks a little on its own; do not blame the tests.
LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
# SAN=thread: a report fails the process that made it (a test, the
# launcher) rather than only its exit status; tests/tsan.supp says why each
# of its suppressions is there.  atexit_sleep_ms=0 and
# report_thread_leaks=0: libffd's pidfd path makes children with a raw
# clone(), which TSan does not see as a fork, so a child of a threaded test
# can inherit TSan's thread registry locked by another thread, and TSan's
# exit (which counts the threads for both) then deadlocks in the child
# (test_ffd's threads_200_children on the pidfd path).  Races are still
# reported; only the exit-time thread census goes.
TSAN_OPTIONS="suppressions=$(pwd)/tests/tsan.supp:halt_on_error=1:atexit_sleep_ms=0:report_thread_leaks=0${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
export TSAN_OPTIONS
out=$(mktemp)
trap 'rm -f "$out"' EXIT
passed=0
failed=0
for bin in "$@"; do
	echo "== $bin"
	"$bin" --jobs 2 >"$out" 2>&1
	rc=$?
	cat "$out"
	line=$(grep 'Synthesis: Tested' "$out" | tail -n 1)
	ok=$(echo "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	bad=$(echo "$line" | sed -n 's/.*Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1 \2/p' | awk '{print $1 + $2}')
	if [ -z "$line" ] || { [ "$rc" -ne 0 ] && [ "${bad:-0}" -eq 0 ]; }; then
		echo "FAILED: $bin exited $rc without reporting its failures" >&2
		bad=$((${bad:-0} + 1))
	fi
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${bad:-0}))
done
echo "== scenarios"
sh scripts/check-scenarios.sh >"$out" 2>&1
rc=$?
cat "$out"
# one summary line per forkchaos check run (the suite, the real targets)
scn=$(grep '^check: [0-9]* passed' "$out")
passed=$((passed + $(echo "$scn" | sed -n 's/^check: \([0-9]*\) passed.*/\1/p' | awk '{n += $1} END {print n + 0}')))
scn_bad=$(echo "$scn" | sed -n 's/^check: [0-9]* passed, \([0-9]*\) failed, [0-9]* xfail, \([0-9]*\) xpass, \([0-9]*\) errors.*/\1 \2 \3/p' | awk '{n += $1 + $2 + $3; k++} END {if (k) print n}')
failed=$((failed + ${scn_bad:-1}))
if [ "$rc" -ne 0 ] && [ "${scn_bad:-1}" -eq 0 ]; then
	echo "FAILED: the mutation matrix: a defect survived or the fixed library failed" >&2
	failed=$((failed + 1))
fi
echo "== race reproducers (make stress with N=10; make stress runs 200)"
if N=10 sh scripts/stress.sh; then
	passed=$((passed + 1))
else
	echo "FAILED: a race reproducer showed its bug (see above; replay with make stress)" >&2
	failed=$((failed + 1))
fi
echo "== fuzz corpus replay (make fuzz-replay; make fuzz fuzzes)"
if sh fuzz/replay.sh; then
	passed=$((passed + 1))
else
	echo "FAILED: a fuzz target failed on an input of its corpus (see above)" >&2
	failed=$((failed + 1))
fi
echo "make check: $passed passed, $failed failed (tests, scenarios and race reproducers)"
[ "$failed" -eq 0 ]

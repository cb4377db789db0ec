#!/bin/sh
# make fuzz: each target NAME fuzzed FUZZ_SECONDS (60), one after the other,
# from the corpus in the tree (fuzz/corpus/NAME/, read only) and a work
# corpus of its own (build/fuzz/corpus/NAME/, where libFuzzer adds what it
# finds).  An input that crashes a target, breaks one of its invariants,
# hangs it (10 s) or takes more than 2 GB is saved in fuzz/crashes/NAME/
# and the run exits 1 when the others are done; 2 when a target could not
# be run at all.
# make fuzz-merge (--merge): the work corpus minimized into the tree's.
set -u
FUZZ_BUILD=${FUZZ_BUILD:-build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
merge=0
if [ "${1:-}" = --merge ]; then
	merge=1
	shift
fi
case $FUZZ_SECONDS in '' | *[!0-9]* | 0)
	echo "fuzz: FUZZ_SECONDS must be a positive number of seconds, not '$FUZZ_SECONDS'" >&2
	exit 2
	;;
esac

# Inputs past the parsers' own limits, so that those limits are tried too:
# plans past FC_PLAN_MAX (4096), scenario lines past 8192.
max_len() {
	case $1 in
	plan) echo 8192 ;;
	scenario | trace) echo 20000 ;;
	*) echo 4096 ;;
	esac
}

crashed=0
broken=0
for name in "$@"; do
	bin=$FUZZ_BUILD/$name
	work=$FUZZ_BUILD/corpus/$name
	crashes=fuzz/crashes/$name
	log=$FUZZ_BUILD/$name.log
	if [ ! -x "$bin" ] || [ ! -d "fuzz/corpus/$name" ]; then
		echo "fuzz: $bin or fuzz/corpus/$name is missing (make fuzz-build)" >&2
		broken=1
		continue
	fi
	mkdir -p "$work" "$crashes"
	if [ "$merge" = 1 ]; then
		echo "fuzz: merging $work into fuzz/corpus/$name"
		"$bin" -merge=1 -artifact_prefix="$crashes/" "fuzz/corpus/$name" "$work" >"$log" 2>&1 || {
			tail -n 20 "$log" >&2
			broken=1
		}
		continue
	fi
	dict=
	[ -f "fuzz/$name.dict" ] && dict=-dict=fuzz/$name.dict
	before=$(ls "$crashes" | wc -l)
	printf 'fuzz: %-9s %ss ... ' "$name" "$FUZZ_SECONDS"
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$name")" \
		-use_value_profile=1 -print_final_stats=1 -artifact_prefix="$crashes/" $dict \
		"$work" "fuzz/corpus/$name" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	after=$(ls "$crashes" | wc -l)
	if [ "$rc" -eq 0 ] && [ "$after" -eq "$before" ]; then
		echo "${runs:-?} runs, no crash"
		continue
	fi
	echo "FAILED (exit $rc after ${runs:-?} runs)"
	sed -n '/^==[0-9]*==ERROR\|SUMMARY\|invariant broken\|^artifact_prefix\|Test unit written\|^Base64/p' "$log" | head -n 20
	echo "fuzz: the log is $log; replay the input with: $FUZZ_BUILD/$name FILE (or build/fuzz-replay/$name FILE)"
	crashed=1
done
if [ "$broken" = 1 ]; then
	exit 2
fi
if [ "$crashed" = 1 ]; then
	echo "fuzz: a target failed: fix it, then move its input from fuzz/crashes/ into fuzz/corpus/ as a regression" >&2
	exit 1
fi
[ "$merge" = 1 ] || echo "fuzz: no target failed in ${FUZZ_SECONDS}s each"

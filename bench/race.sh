# bench/race.sh, sourced by scripts/bench.sh: race-reproduction power.
# For each race-window scenario (a `window:` and a `defect:`), on its
# defect's build: how many runs fail per second with the scenario's plan
# (injected), against a naive stress loop of the same command without the
# plan (stress), side by side over the same wall time, judged by the same
# oracle: the one the scenario's own check names when it fails there.
# Both loops run `forkchaos run --check ORACLE` (exit 1: reproduced), in
# RACE_ROUNDS rounds of RACE_S / RACE_ROUNDS seconds (at least one run
# each; the stress loop runs until the injected one is done).  A stress
# failure counts only if the fixed library, without the plan, passes that
# oracle (some drivers check the plan's effect itself: without it they
# fail on any library, which is no reproduction).  Rows: samples "race
# SCENARIO injected|stress rate|repros|runs|seconds ROUND VALUE", and
# why a side has no row (why) or what to know of it (note).
RACE_ROUNDS=3

# A scenario file's KEY: value.
scn_key() { sed -n "s/^$2: *//p" "$1" | head -n 1; }

# run_loop OUT BUDGET_NS DONE_FILE LIB [--plan PLAN]: runs until BUDGET_NS
# have passed (and, for the stress loop, DONE_FILE exists); "runs repros
# errors ns" into OUT.  Uses $oracle $timeout $driver $args of the caller.
run_loop() {
	out=$1 budget=$2 done_file=$3 lib=$4
	shift 4
	runs=0 repros=0 errors=0 start=$(now_ns)
	while :; do
		rc=0
		# shellcheck disable=SC2086
		"$FC" run -q --check "$oracle" --timeout "$timeout" "$@" -- \
			env FORKCHAOS_LIB="$lib" "$BUILD/drivers/$driver" $args >/dev/null 2>&1 </dev/null || rc=$?
		runs=$((runs + 1))
		case $rc in 0) ;; 1) repros=$((repros + 1)) ;; *) errors=$((errors + 1)) ;; esac
		elapsed=$(($(now_ns) - start))
		[ "$elapsed" -lt "$budget" ] && continue
		[ -z "$done_file" ] || [ -e "$done_file" ] || continue
		break
	done
	echo "$runs $repros $errors $elapsed" >"$out"
}

# The loops' results of one round as samples of SIDE.
race_samples() { # SCENARIO SIDE FILE
	read -r runs repros errors ns <"$3"
	sample race "$1" "$2" runs "$runs"
	sample race "$1" "$2" repros "$repros"
	sample race "$1" "$2" seconds "$(awk -v ns="$ns" 'BEGIN { printf "%.3f", ns / 1e9 }')"
	sample race "$1" "$2" rate "$(awk -v r="$repros" -v ns="$ns" 'BEGIN { printf "%.4f", r / (ns / 1e9) }')"
	[ "$errors" = 0 ] || sample race "$1" "$2" note "$errors runs could not be judged (harness error)"
}

race_section() {
	budget=$((RACE_S * 1000000000 / RACE_ROUNDS))
	for scn in scenarios/*.scn; do
		defect=$(scn_key "$scn" defect)
		window=$(scn_key "$scn" window)
		case "$window" in '' | -) continue ;; esac
		[ -n "$defect" ] || continue
		name=$(scn_key "$scn" name)
		plan=$(scn_key "$scn" plan)
		set -- $(scn_key "$scn" target)
		driver=$1
		shift
		args="$*"
		timeout=$(scn_key "$scn" timeout)
		lib=$BUILD/defects/libffd-$defect.so
		progress "race: $name"
		# the oracle the scenario's check names on its defect
		oracle=$("$FC" check --out "$tmp/check" --repeat 1 --lib "$lib" "$scn" 2>/dev/null | sed -n '1s/.*runs failed  \[\([a-z-]*\)\].*/\1/p')
		round=0
		sample race "$name" injected oracle "${oracle:-?}"
		if [ -z "$oracle" ]; then
			sample race "$name" injected why "the scenario's check did not fail on libffd-$defect"
			continue
		fi
		if [ -z "$plan" ]; then
			sample race "$name" stress why "no plan: the driver alone reproduces it, no injection to compare with"
		fi
		round=1
		while [ "$round" -le "$RACE_ROUNDS" ]; do
			rm -f "$tmp/race.done"
			if [ -n "$plan" ]; then
				(run_loop "$tmp/race.inj" "$budget" "" "$lib" --plan "$plan" && : >"$tmp/race.done") &
				run_loop "$tmp/race.stress" "$budget" "$tmp/race.done" "$lib"
				wait
				race_samples "$name" stress "$tmp/race.stress"
				read -r _ stress_repros _ _ <"$tmp/race.stress"
				[ "$stress_repros" = 0 ] || : >"$tmp/race.stress-reproduced"
			else
				run_loop "$tmp/race.inj" "$budget" "" "$lib"
			fi
			race_samples "$name" injected "$tmp/race.inj"
			round=$((round + 1))
		done
		# stress failures are reproductions only where the fixed library,
		# without the plan, passes the same oracle
		if [ -e "$tmp/race.stress-reproduced" ]; then
			rm -f "$tmp/race.stress-reproduced"
			rc=0
			# shellcheck disable=SC2086
			"$FC" run -q --check "$oracle" --timeout "$timeout" -- \
				env FORKCHAOS_LIB="$BUILD/libffd.so" "$BUILD/drivers/$driver" $args >/dev/null 2>&1 </dev/null || rc=$?
			[ "$rc" = 0 ] || sample race "$name" stress why \
				"without its plan the driver fails [$oracle] on the fixed library too: its stress failures are no reproduction"
		fi
	done
}

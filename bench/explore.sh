# bench/explore.sh, sourced by scripts/bench.sh: explore's time to its
# first finding on each seeded defect, with no plan.  It runs make
# explore-matrix's script (scripts/explore-matrix.sh: `ffdriver workload`
# under forkchaos explore -j 2 --seed 1, the fixed library and each
# defect) with a shorter budget, BENCH_EXPLORE_BUDGET (10s: the slowest
# defect's first finding is about 5 s on this machine class; make
# explore-matrix's own is 60s), BENCH_EXPLORE_ROUNDS times (1: one matrix
# is 14 explores, each its budget plus the minimizing of what it found).
# Each explore's own folder is read, not the matrix's csv: run.json's
# first_finding_ms, and in findings.jsonl the finding found first (its
# oracle, the run that found it).  A library with no finding in the
# budget says so (the fixed library's row must).  Rows: samples "explore
# LIBRARY -j 2 seconds|runs_to_first|findings|runs ROUND VALUE", a note or
# an oracle.
EXPLORE_BUDGET=${BENCH_EXPLORE_BUDGET:-10s}
EXPLORE_ROUNDS=${BENCH_EXPLORE_ROUNDS:-1}

# The first-found finding of FOLDER's findings.jsonl: "MS RUN ORACLE".
explore_first() {
	sed -n 's/.*"oracle":"\([^"]*\)".*"found_ms":\([0-9]*\).*"first_run":\([0-9]*\).*/\2 \3 \1/p' "$1/findings.jsonl" 2>/dev/null |
		sort -n | head -n 1
}

explore_section() {
	if ! "$FC" explore --help >/dev/null 2>&1; then
		sample explore - - note "this forkchaos has no explore subcommand"
		return
	fi
	case $EXPLORE_ROUNDS in '' | *[!0-9]* | 0)
		echo "bench: BENCH_EXPLORE_ROUNDS must be a positive whole number, not '$EXPLORE_ROUNDS'" >&2
		exit 2
		;;
	esac
	[ -d "$BUILD/defects" ] || {
		echo "bench: explore: no $BUILD/defects (make defects builds them)" >&2
		exit 2
	}
	round=1
	while [ "$round" -le "$EXPLORE_ROUNDS" ]; do
		progress "explore: round $round of $EXPLORE_ROUNDS (budget $EXPLORE_BUDGET per library)"
		matrix=$tmp/explore-matrix-$round
		start=$(now_ns)
		# its exit is 1 when a defect survived or the fixed library had a
		# finding: each row says which, below
		BUILD=$BUILD BUDGET=$EXPLORE_BUDGET JOBS=2 OUT=$matrix sh scripts/explore-matrix.sh >"$tmp/explore.log" 2>&1 || true
		sample explore all-libraries "-j 2" seconds "$(awk -v ns="$(($(now_ns) - start))" 'BEGIN { printf "%.3f", ns / 1e9 }')"
		found=0
		for dir in "$matrix"/explores/*/; do
			[ -f "$dir/run.json" ] || continue
			dir=${dir%/}
			name=${dir##*/}
			sample explore "$name" "-j 2" budget "$EXPLORE_BUDGET"
			runs=$(sed -n 's/.*"runs":\([0-9]*\).*/\1/p' "$dir/run.json" | head -n 1)
			ms=$(sed -n 's/.*"first_finding_ms":\([0-9]*\).*/\1/p' "$dir/run.json" | head -n 1)
			[ -z "$runs" ] || sample explore "$name" "-j 2" runs "$runs"
			n=0
			[ ! -f "$dir/findings.jsonl" ] || n=$(grep -c '"oracle"' "$dir/findings.jsonl" || true)
			sample explore "$name" "-j 2" findings "$n"
			if [ -z "$ms" ]; then
				sample explore "$name" "-j 2" note "no finding in $EXPLORE_BUDGET ($runs runs)"
				continue
			fi
			found=$((found + 1))
			sample explore "$name" "-j 2" seconds "$(awk -v ms="$ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
			set -- $(explore_first "$dir")
			[ $# -lt 3 ] || {
				sample explore "$name" "-j 2" runs_to_first "$2"
				sample explore "$name" "-j 2" oracle "$3"
			}
		done
		[ "$found" -gt 0 ] || {
			echo "bench: explore: no library had a finding (see below)" >&2
			tail -n 5 "$tmp/explore.log" >&2
		}
		round=$((round + 1))
	done
	round=0
}

#!/bin/sh
# make explore-matrix: the automatic mutation score.  forkchaos explore,
# with no plan, on `ffdriver workload` (an ordinary use of libffd) against
# the fixed library and each seeded defect (build/defects/libffd-*.so):
# the fixed library must give no finding, each defect at least one finding
# minimized to at most 2 rules (it fails 5 runs out of 5).  Prints each
# library's time to its first finding and the score (13/13), and keeps a
# folder: explore-matrix.csv, each explore's own folder under explores/,
# run.json, and the report (forkchaos report).  Exit 1 when the fixed
# library has a finding or a defect survived.
#   BUDGET  each explore's budget (default 60s); JOBS runs at once (2);
#   OUT     the folder (default results/explore-matrix-TIME)
set -u
BUILD=${BUILD:-build}
BUDGET=${BUDGET:-60s}
JOBS=${JOBS:-2}
OUT=${OUT:-results/explore-matrix-$(date -u +%Y%m%dT%H%M%SZ)}
FC=$BUILD/forkchaos
CSV_AWK=scripts/plots/csv.awk

if [ -e "$OUT" ]; then
	echo "explore-matrix: $OUT is there already; expected a new folder" >&2
	exit 2
fi
mkdir -p "$OUT/explores" || exit 2
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
matrix=$OUT/explore-matrix.csv
echo "library,kind,findings,first_ms,first_oracle,rules,minimized,runs,folder" >"$matrix"

# One explore's folder into a row: its findings, the first one's time and
# oracle, the fewest rules of a finding minimized (confirmed 5/5).
summarize() { # NAME KIND FOLDER
	runs=$(sed -n 's/.*"runs":\([0-9]*\).*/\1/p' "$3/run.json" 2>/dev/null | head -1)
	first=$(sed -n 's/.*"first_finding_ms":\([0-9]*\).*/\1/p' "$3/run.json" 2>/dev/null | head -1)
	# csv.awk's functions and the rules in one program text: -e (after
	# -f) is gawk's alone, and Debian's awk is mawk.
	awk "$(cat "$CSV_AWK")"'
		{ n = csv_record(f); if (n < 0 || csv_header) next }
		{
			found++
			if (found == 1) oracle = f[csv_col["oracle"]]
			if (f[csv_col["confirmed"]] == "5/5" && (best == "" || f[csv_col["rules"]] + 0 < best + 0))
				best = f[csv_col["rules"]]
		}
		END {
			ok = found && best != "" && best + 0 <= 2 ? "yes" : "no"
			printf "%s,%s,%d,%s,%s,%s,%s,%s,%s\n", name, kind, found, first, oracle, best, ok, runs, folder
		}' name="$1" kind="$2" first="$first" runs="$runs" folder="explores/$1" "$3/findings.csv"
}

for lib in "$BUILD/libffd.so" "$BUILD"/defects/libffd-*.so; do
	case $lib in
	*/defects/*) name=$(basename "$lib" .so | sed 's/^libffd-//') kind=defect ;;
	*) name=fixed kind=fixed ;;
	esac
	printf 'explore-matrix: %-20s ' "$name"
	"$FC" explore -j "$JOBS" --budget "$BUDGET" --seed 1 --lib "$lib" --out "$OUT/explores/$name" \
		-- "$BUILD/drivers/ffdriver" workload >"$OUT/explores/$name.log" 2>&1
	rc=$?
	if [ "$rc" -gt 1 ] || [ ! -f "$OUT/explores/$name/findings.csv" ]; then
		echo "error (exit $rc; see $OUT/explores/$name.log)"
		echo "$name,$kind,0,,,,no,,explores/$name" >>"$matrix"
		continue
	fi
	# its own report: the full points x perturbations map the matrix's sums up
	"$FC" report --no-plots "$OUT/explores/$name" >/dev/null 2>&1
	row=$(summarize "$name" "$kind" "$OUT/explores/$name")
	echo "$row" >>"$matrix"
	echo "$row" | awk -F, '{ printf "%d finding%s%s\n", $3, $3 == 1 ? "" : "s", $3 ? sprintf(", the first after %.1f s (%s), minimized to %s rule(s)", $4 / 1000, $5, $6 == "" ? "-" : $6) : "" }'
done

# The score: the fixed library clean, each defect found and minimized.
awk -F, 'NR > 1 {
		if ($2 == "fixed") fixed = $3
		else { defects++; if ($7 == "yes") caught++ }
	}
	END {
		printf "explore-matrix: fixed library: %d finding%s; defects found and minimized to <= 2 rules: %d/%d\n", fixed, fixed == 1 ? "" : "s", caught, defects
		exit !(fixed == 0 && caught == defects && defects > 0)
	}' "$matrix"
score=$?
ended=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat >"$OUT/run.json" <<EOF
{"forkchaos":"$("$FC" --version | sed 's/^forkchaos //')","kind":"explore-matrix","command":["scripts/explore-matrix.sh"],"seed":"1","started":"$started","ended":"$ended","options":{"budget":"$BUDGET","jobs":$JOBS},"exit":$score}
EOF
"$FC" report --no-plots "$OUT" >/dev/null 2>&1 || true
echo "explore-matrix: results in $OUT/ (report.html, explore-matrix.csv)"
exit "$score"

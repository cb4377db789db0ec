#!/bin/sh
# make replay: each scenario that declares its defect must fail every run on
# that defect's build and pass every run on the fixed library (N runs each,
# default 20): the race is replayed by the shim, not caught by luck.  Each
# check keeps its verdicts and failing traces in results/replay/RUN-ID/ and
# prints progress on stderr while it runs.
set -u
N=${N:-20}
FC=build/forkchaos
OUT=${OUT:-results/replay}
bad=0
# The first line of a check's output: its one scenario's verdict.  The
# whole output is read (not `head -n 1`, which would end the check by
# SIGPIPE before it wrote its results folder).
first_line() {
	out=$("$FC" check -j 2 --out "$OUT" --repeat "$N" "$@")
	printf '%s\n' "$out" | sed -n 1p
}
for scn in scenarios/*.scn; do
	defect=$(sed -n 's/^defect: *//p' "$scn")
	[ -n "$defect" ] || continue
	name=$(sed -n 's/^name: *//p' "$scn")
	echo "replay: $name: $N runs on libffd-$defect, $N on the fixed library" >&2
	on_defect=$(first_line --lib "build/defects/libffd-$defect.so" "$scn")
	on_fixed=$(first_line "$scn")
	failed_defect=$(echo "$on_defect" | sed -n 's/.* \([0-9]*\)\/[0-9]* runs failed.*/\1/p')
	failed_fixed=$(echo "$on_fixed" | sed -n 's/.* \([0-9]*\)\/[0-9]* runs failed.*/\1/p')
	verdict=ok
	if [ "$failed_defect" != "$N" ] || [ "$failed_fixed" != 0 ]; then verdict=BAD; bad=$((bad + 1)); fi
	printf '%-4s %-22s on %-22s failed %3s/%s   on the fixed library failed %3s/%s\n' \
		"$verdict" "$name" "$defect" "${failed_defect:-?}" "$N" "${failed_fixed:-?}" "$N"
done
echo "replay: $bad scenario(s) not deterministic"
[ "$bad" -eq 0 ]

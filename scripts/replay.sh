#!/bin/sh
# make replay: each scenario that declares its defect must fail every run on
# that defect's build and pass every run on the fixed library (N runs each,
# default 20): the race is replayed by the shim, not caught by luck.
set -u
N=${N:-20}
FC=build/forkchaos
bad=0
for scn in scenarios/*.scn; do
	defect=$(sed -n 's/^defect: *//p' "$scn")
	[ -n "$defect" ] || continue
	name=$(sed -n 's/^name: *//p' "$scn")
	on_defect=$("$FC" check -j 2 --repeat "$N" --lib "build/defects/libffd-$defect.so" "$scn" | head -n 1)
	on_fixed=$("$FC" check -j 2 --repeat "$N" "$scn" | head -n 1)
	failed_defect=$(echo "$on_defect" | sed -n 's/.* \([0-9]*\)\/[0-9]* runs failed.*/\1/p')
	failed_fixed=$(echo "$on_fixed" | sed -n 's/.* \([0-9]*\)\/[0-9]* runs failed.*/\1/p')
	verdict=ok
	if [ "$failed_defect" != "$N" ] || [ "$failed_fixed" != 0 ]; then verdict=BAD; bad=$((bad + 1)); fi
	printf '%-4s %-22s on %-22s failed %3s/%s   on the fixed library failed %3s/%s\n' \
		"$verdict" "$name" "$defect" "${failed_defect:-?}" "$N" "${failed_fixed:-?}" "$N"
done
echo "replay: $bad scenario(s) not deterministic"
[ "$bad" -eq 0 ]

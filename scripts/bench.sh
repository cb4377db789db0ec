#!/bin/sh
# make bench: per-call cost of the shim, as ratios against the same call
# without it, measured side by side (configurations interleaved in each
# round) and reported as medians of ROUNDS rounds.  Results also go to
# results/bench.txt.
set -eu
ROUNDS=${ROUNDS:-7}
N=${N:-2000000}
SHIM=$(pwd)/build/libforkchaos.so
COST=build/bench/callcost
out=results/bench.txt
mkdir -p results
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name | environment | call
configs="base||
shim-no-plan|LD_PRELOAD=$SHIM|
shim-other-rule|LD_PRELOAD=$SHIM FORKCHAOS_PLAN=pipe2:error=EMFILE|
shim-rule-never-fires|LD_PRELOAD=$SHIM FORKCHAOS_PLAN=CALL:when=999999999:error=EIO|
shim-caller-rule|LD_PRELOAD=$SHIM FORKCHAOS_PLAN=CALL:caller=nosuchfunction:error=EIO|"

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

for call in malloc dup sigprocmask; do
	n=$N
	[ "$call" = malloc ] || n=$((N / 4))
	round=1
	while [ "$round" -le "$ROUNDS" ]; do
		echo "$configs" | while IFS='|' read -r name envs _; do
			[ -n "$name" ] || continue
			envs=$(echo "$envs" | sed "s/CALL/$call/g")
			# shellcheck disable=SC2086
			env $envs "$COST" "$call" "$n" >>"$tmp/$call.$name"
		done
		round=$((round + 1))
	done
done

round=1
while [ "$round" -le "$ROUNDS" ]; do
	echo "$configs" | while IFS='|' read -r name envs _; do
		[ -n "$name" ] || continue
		envs=$(echo "$envs" | sed "s/CALL/malloc/g")
		# shellcheck disable=SC2086
		env $envs "$COST" rss >>"$tmp/rss.$name"
	done
	round=$((round + 1))
done

{
	echo "forkchaos bench: ns per call, median of $ROUNDS interleaved rounds ($(nproc) CPUs, $(date -u +%F))"
	printf '%-12s %-24s %10s %8s\n' call configuration ns/call ratio
	for call in malloc dup sigprocmask; do
		base=$(median <"$tmp/$call.base")
		for f in base shim-no-plan shim-other-rule shim-rule-never-fires shim-caller-rule; do
			m=$(median <"$tmp/$call.$f")
			printf '%-12s %-24s %10s %8s\n' "$call" "$f" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN{printf "%.2f", a/b}')"
		done
	done
	echo
	echo "peak memory of one process (VmHWM, KiB), median of $ROUNDS runs:"
	printf '%-12s %-24s %10s %8s\n' process configuration KiB ratio
	for f in base shim-no-plan shim-other-rule shim-rule-never-fires shim-caller-rule; do
		m=$(median <"$tmp/rss.$f")
		b=$(median <"$tmp/rss.base")
		printf '%-12s %-24s %10s %8s\n' callcost "$f" "$m" "$(awk -v a="$m" -v b="$b" 'BEGIN{printf "%.2f", a/b}')"
	done
} | tee "$out"

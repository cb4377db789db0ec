#!/bin/sh
# make bench: per-call cost of the shim (and of the syscall level), as ratios against the same call
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

# The syscall level (runner/seccomp*.c), on the two calls that are one or
# two syscalls each: forkchaos run with an entry-point rule on another call
# (the shim as in every run, no layer), the layer on with a rule on another
# syscall (what every syscall a rule does not name pays: one BPF run; the
# "vs run" column compares the two), a rule on this
# very syscall that never fires (each call a round trip to the
# supervisor), and strace injecting into the same syscalls (two ptrace
# stops per call; its when= stops at 65535, so it fires once there).
# Trapped calls cost microseconds: fewer of them (N_TRAPPED).
N_TRAPPED=${N_TRAPPED:-20000}
FC=build/forkchaos
sys_configs="run-other-rule layer-other-syscall layer-rule-never-fires strace-inject"
sys_run() { # CONFIG CALL N
	case "$2" in
	sigprocmask) sys=sys_rt_sigprocmask set=rt_sigprocmask ;;
	*) sys=sys_dup,sys_close set=dup,close ;;
	esac
	case "$1" in
	run-other-rule) "$FC" run -q --plan pipe2:error=EMFILE -- "$COST" "$2" "$3" ;;
	layer-other-syscall) "$FC" run -q --plan sys_pipe2:error=EMFILE -- "$COST" "$2" "$3" ;;
	layer-rule-never-fires) "$FC" run -q --plan "$sys:when=999999999:error=EIO" -- "$COST" "$2" "$3" ;;
	strace-inject) strace -f -qq -o /dev/null -e trace="$set" -e inject="$set:error=EIO:when=65535" "$COST" "$2" "$3" ;;
	esac
}
have_strace=$(command -v strace >/dev/null && echo 1 || echo 0)
for call in dup sigprocmask; do
	round=1
	while [ "$round" -le "$ROUNDS" ]; do
		"$COST" "$call" "$((N / 4))" >>"$tmp/sys-$call.base"
		for f in $sys_configs; do
			n=$((N / 4))
			case "$f" in layer-rule-never-fires | strace-inject) n=$N_TRAPPED ;; esac
			[ "$f" != strace-inject ] || [ "$have_strace" = 1 ] || continue
			sys_run "$f" "$call" "$n" >>"$tmp/sys-$call.$f"
		done
		round=$((round + 1))
	done
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
	echo "syscall-level injection: ns per call, median of $ROUNDS interleaved rounds (goal: layer-other-syscall"
	echo "x1.00-1.02 of run-other-rule, the same run without the layer; a trapped call is a round trip out):"
	printf '%-12s %-24s %10s %8s %8s\n' call configuration ns/call ratio "vs run"
	for call in dup sigprocmask; do
		base=$(median <"$tmp/sys-$call.base")
		run=$(median <"$tmp/sys-$call.run-other-rule")
		printf '%-12s %-24s %10s %8s\n' "$call" base "$base" 1.00
		for f in $sys_configs; do
			[ -s "$tmp/sys-$call.$f" ] || { printf '%-12s %-24s %10s\n' "$call" "$f" "(strace missing)"; continue; }
			m=$(median <"$tmp/sys-$call.$f")
			printf '%-12s %-24s %10s %8s %8s\n' "$call" "$f" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN{printf "%.2f", a/b}')" \
				"$(awk -v a="$m" -v b="$run" 'BEGIN{printf "%.2f", a/b}')"
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

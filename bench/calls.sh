# bench/calls.sh, sourced by scripts/bench.sh: the per-call overhead.
# Every configuration of CONFIGS runs every loop of LOOPS it can run, in
# pairs with the plain loop (plain, config, config, plain in odd rounds,
# the other way round in even ones; each side the faster of its two runs),
# ROUNDS rounds, all loops and configurations interleaved in each round; a
# pair's ratio is its two ns/op, each the fastest of callcost's chunks.  Rows: samples "calls LOOP CONFIG ns|ratio ROUND VALUE".

# loop|iterations|the call a rule names|an errno it documents|its syscall
# (strace)|libfiu's failure point|what one iteration is.  Iterations: about
# 50 ms of the plain loop on this machine class (fork's, about 170 ms: the
# cost of a fork swings with the machine's load the most); the slow
# configurations, strace and the trace, run fewer (the second column of
# CONFIGS).
LOOPS='sigaction|300000|sigaction|EINVAL|rt_sigaction|posix/proc/sigaction|sigaction(SIGUSR1, act, oldact)
pipe2|30000|pipe2|EMFILE|pipe2||pipe2 + 2 close
fork|2000|fork|EAGAIN|clone|posix/proc/fork|fork + _exit + waitpid
read|300000|read|EIO|read|posix/io/rw/read|read of 1 byte from a pipe
malloc|4000000|malloc|ENOMEM||libc/mm/malloc|malloc(32) + free
dup|100000|dup|EMFILE|dup,close||dup + close
sigprocmask|300000|sigprocmask|EINVAL|rt_sigprocmask||sigprocmask(SIG_BLOCK, NULL, old)'
# The loops the shim's own configurations run; the syscall level's run on
# the last two (one or two syscalls each).
MAIN_LOOPS='sigaction pipe2 fork read malloc'
LAYER_LOOPS='dup sigprocmask'

# configuration|its loops|fewer iterations by|clock|needs (a command, or -)|
# the command, eval'd with $COST $loop $n $call $err $sys $sysrule $fiu $FC
# $SHIM $tmp.  The shim runs as its users run it, under forkchaos run
# (which counts in a shared region; the loop's own time is measured inside
# callcost).  clock: which of callcost's two times the pair compares: cpu
# (the process's own, and its children's: what the configuration adds to
# it, whatever else the machine runs: the syscall layer's filter runs in
# it too) or wall (strace, a call the layer traps: their work is in another
# process, the tracer or the supervisor, and in the switches to it).  A configuration that cannot do a loop says why
# (why_not below) and is not run there.  write-floor is no shim: the plain
# loop writing one line of a trace's size per iteration, the least a trace
# of one write per event can cost (shim-trace's floor); preload-floor is
# no shim either: an empty library preloaded (bench/empty.c), what any
# LD_PRELOAD costs the loop (shim-no-plan's floor: for fork, a library's
# mappings are copied at every fork and torn down at every exit).
# The syscall level (runner/seccomp*.c): run-other-rule is forkchaos run
# with an entry-point rule on another call (the shim as in every run, no
# layer), layer-other-syscall the layer on with a rule on another syscall
# (what every syscall a rule does not name pays: one BPF run; its goal is
# against run-other-rule), layer-rule-never-fires a rule on this very
# syscall that never fires (each call a round trip to the supervisor).
CONFIGS='preload-floor|main|1|cpu|-|env LD_PRELOAD="$BUILD/bench/libempty.so" "$COST" $loop $n
shim-no-plan|main|1|cpu|-|"$FC" run -q -- "$COST" $loop $n
shim-rule-never-fires|main|1|cpu|-|"$FC" run -q --plan "$call:when=999999999:error=$err" -- "$COST" $loop $n
shim-caller-rule|main|1|cpu|-|"$FC" run -q --plan "$call:caller=loop_$loop:when=999999999:error=$err" -- "$COST" $loop $n
shim-trace|main|10|cpu|-|"$FC" run -q --trace "$tmp/trace.jsonl" -- "$COST" $loop $n
write-floor|main|10|cpu|-|CALLCOST_WRITE="$tmp/trace.jsonl" "$COST" $loop $n
fiu-never-fires|main|1|cpu|fiu-run|fiu-run -x -f "" -c "enable_random name=$fiu,probability=0" "$COST" $loop $n
run-other-rule|layer|1|cpu|-|"$FC" run -q --plan pipe2:error=EMFILE -- "$COST" $loop $n
layer-other-syscall|layer|1|cpu|-|"$FC" run -q --plan sys_pipe2:error=EMFILE -- "$COST" $loop $n
layer-rule-never-fires|layer|15|wall|-|"$FC" run -q --plan "$sysrule:when=999999999:error=EIO" -- "$COST" $loop $n
strace-inject|all|30|wall|strace|strace -f -qq -o /dev/null -e trace="$sys" -e inject="$sys:error=$err:when=65535" "$COST" $loop $n
strace-inject-pinned|main|30|wall|strace|taskset -c 0 strace -f -qq -o /dev/null -e trace="$sys" -e inject="$sys:error=$err:when=65535" "$COST" $loop $n'

# Whether CONFIG's loops (main, layer, all) hold this loop.
runs_loop() {
	case "$1" in
	all) return 0 ;;
	main) set -- $MAIN_LOOPS ;;
	layer) set -- $LAYER_LOOPS ;;
	esac
	for l in "$@"; do [ "$l" != "$loop" ] || return 0; done
	return 1
}

# The goals (issues 16 and 13): configuration|loops|the most its median
# ratio may be|against (a configuration: the ratio of the two ratios), or -
GOALS='shim-no-plan|sigaction pipe2 fork|1.02|-
shim-rule-never-fires|sigaction pipe2 fork|1.05|-
shim-caller-rule|sigaction pipe2 fork|1.5|-
shim-trace|sigaction|3|-
layer-other-syscall|dup sigprocmask|1.02|run-other-rule'

# BENCH_LOOPS, BENCH_CONFIGS: only these (names, space-separated)
only() { # NAME LIST
	[ -z "$2" ] && return 0
	for w in $2; do [ "$w" != "$1" ] || return 0; done
	return 1
}
LOOPS=$(echo "$LOOPS" | while IFS= read -r l; do if only "${l%%|*}" "${BENCH_LOOPS:-}"; then echo "$l"; fi; done)
CONFIGS=$(echo "$CONFIGS" | while IFS= read -r l; do if only "${l%%|*}" "${BENCH_CONFIGS:-}"; then echo "$l"; fi; done)

# Why CONFIG cannot run this loop, or nothing.
why_not() {
	case "$1" in
	fiu-*) [ -n "$fiu" ] || echo "libfiu does not wrap $call" ;;
	strace-*) [ -n "$sys" ] || echo "$call makes no syscall: strace cannot inject into it" ;;
	esac
}

# A loop's fields into $loop $iters $call $err $sys $fiu $what, and
# $sysrule: its syscalls as a plan names them (sys_NAME).
loop_fields() {
	IFS='|' read -r loop iters call err sys fiu what <<EOF
$1
EOF
	sysrule=$(echo "$sys" | sed 's/[^,][^,]*/sys_&/g')
}

# Run CONFIG's command (or the plain loop: CONFIG plain) with N iterations;
# its ns/op by CLOCK and its page faults per iteration on stdout, nothing
# when it failed.
calls_run() { # CONFIG N CLOCK COMMAND
	n=$2
	if [ "$1" = plain ]; then
		"$COST" "$loop" "$n" 2>>"$tmp/calls.err"
	else
		eval "$4" 2>>"$tmp/calls.err"
	fi | awk -v clock="$3" 'NF == 3 { print (clock == "wall" ? $2 : $1), $3 }'
	rm -f "$tmp/trace.jsonl"
}

# The goal of CONFIG on this loop ("MOST AGAINST"), or nothing.
goal_of() {
	echo "$GOALS" | while IFS='|' read -r name which most against; do
		[ "$name" = "$1" ] || continue
		for l in $which; do
			[ "$l" != "$loop" ] || echo "$most $against"
		done
	done
}

faster() { # A B ("NS FAULTS" each): the one of fewer ns, or the one there is
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "") print b; else if (b == "" || a + 0 <= b + 0) print a; else print b }'
}

calls_section() {
	# every row first, in the table's order: each loop's plain, then each
	# configuration, with why it cannot run the loop or its goal
	echo "$LOOPS" | while IFS= read -r l; do
		loop_fields "$l"
		sample calls "$loop" plain what "$what"
		sample calls "$loop" plain cmd '"$COST" $loop $n'
		echo "$CONFIGS" | while IFS='|' read -r name which div clock needs cmd; do
			runs_loop "$which" || continue
			why=$(why_not "$name")
			[ "$needs" = - ] || command -v "$needs" >/dev/null 2>&1 || why="$needs is not installed"
			sample calls "$loop" "$name" cmd "$cmd"
			sample calls "$loop" "$name" clock "$clock"
			if [ -n "$why" ]; then
				sample calls "$loop" "$name" why "$why"
			else
				set -- $(goal_of "$name")
				[ $# = 0 ] || sample calls "$loop" "$name" goal "$1"
				[ $# -lt 2 ] || [ "$2" = - ] || sample calls "$loop" "$name" against "$2"
			fi
		done
	done
	round=1
	while [ "$round" -le "$ROUNDS" ]; do
		progress "calls: round $round of $ROUNDS"
		echo "$LOOPS" | while IFS= read -r l; do
			loop_fields "$l"
			echo "$CONFIGS" | while IFS='|' read -r name which div clock needs cmd; do
				runs_loop "$which" || continue
				[ -z "$(why_not "$name")" ] || continue
				[ "$needs" = - ] || command -v "$needs" >/dev/null 2>&1 || continue
				n=$((iters * SCALE / div))
				[ "$n" -ge 5 ] || n=5
				# plain, config, config, plain (the other way round in
				# even rounds): each side the faster of its two runs
				if [ $((round % 2)) = 1 ]; then
					p1=$(calls_run plain "$n" "$clock")
					c1=$(calls_run "$name" "$n" "$clock" "$cmd")
					c2=$(calls_run "$name" "$n" "$clock" "$cmd")
					p2=$(calls_run plain "$n" "$clock")
				else
					c1=$(calls_run "$name" "$n" "$clock" "$cmd")
					p1=$(calls_run plain "$n" "$clock")
					p2=$(calls_run plain "$n" "$clock")
					c2=$(calls_run "$name" "$n" "$clock" "$cmd")
				fi
				base=$(faster "$p1" "$p2")
				ns=$(faster "$c1" "$c2")
				if [ -z "$ns" ] || [ -z "$base" ]; then
					echo "bench: calls: $loop under $name gave no time (see below)" >&2
					tail -n 3 "$tmp/calls.err" >&2
					continue
				fi
				sample calls "$loop" plain "ns_$clock" "${base% *}"
				sample calls "$loop" plain faults "${base#* }"
				sample calls "$loop" "$name" ns "${ns% *}"
				sample calls "$loop" "$name" faults "${ns#* }"
				sample calls "$loop" "$name" ratio "$(awk -v a="${ns% *}" -v b="${base% *}" 'BEGIN { printf "%.4f", a / b }')"
			done
		done
		round=$((round + 1))
	done
}

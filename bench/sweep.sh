# bench/sweep.sh, sourced by scripts/bench.sh: sweep and explore throughput.
# The ffd_fork sweeps of make demo (one ffd_fork + ffd_wait cycle of the
# campaign driver, both paths, the calls libffd makes, every site x its
# valid errnos x occurrences: forkchaos sweep's defaults), each with -j 1
# and -j 2, ROUNDS rounds: runs per second and the whole sweep's seconds.
# Explore's time to a first finding is bench/explore.sh's.  Rows: samples
# "sweep NAME -j J runs_per_s|seconds|runs ROUND VALUE" or a note.
SWEEP_CALLS=fork,posix_spawn,sys_clone3,sys_clone,sys_pidfd_open,sys_waitid,eventfd,pipe2,fcntl,close,read,write,poll,waitid,wait4,sigaction,pthread_sigmask
SWEEP_CHECK=fds,strays,chained,errno,double-close
# name|the driver's flags
SWEEPS='ffd_fork-generic|--generic
ffd_fork-pidfd|--pidfd'

sweep_section() {
	if ! "$FC" sweep --help >/dev/null 2>&1; then
		sample sweep - - note "this forkchaos has no sweep subcommand"
	else
		round=1
		while [ "$round" -le "$ROUNDS" ]; do
			progress "sweep: round $round of $ROUNDS"
			echo "$SWEEPS" | while IFS='|' read -r name flags; do
				for j in 1 2; do
					rm -rf "$tmp/sweep"
					start=$(now_ns)
					rc=0
					# shellcheck disable=SC2086
					"$FC" sweep --seed 1 -j "$j" --calls "$SWEEP_CALLS" --check "$SWEEP_CHECK" --out "$tmp/sweep" \
						-- env FORKCHAOS_LIB="$BUILD/libffd.so" "$BUILD/drivers/campaign" leak --count 1 --every 0 $flags \
						>"$tmp/sweep.log" 2>&1 || rc=$?
					ns=$(($(now_ns) - start))
					runs=$(($(wc -l <"$tmp/sweep/outcomes.csv" 2>/dev/null || echo 1) - 1))
					if [ "$rc" -gt 1 ] || [ "$runs" -le 0 ]; then
						echo "bench: sweep $name -j $j failed (exit $rc): $(tail -n 1 "$tmp/sweep.log")" >&2
						continue
					fi
					sample sweep "$name" "-j $j" runs "$runs"
					sample sweep "$name" "-j $j" seconds "$(awk -v ns="$ns" 'BEGIN { printf "%.3f", ns / 1e9 }')"
					sample sweep "$name" "-j $j" runs_per_s "$(awk -v r="$runs" -v ns="$ns" 'BEGIN { printf "%.2f", r / (ns / 1e9) }')"
				done
			done
			round=$((round + 1))
		done
	fi
	round=0
}

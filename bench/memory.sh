# bench/memory.sh, sourced by scripts/bench.sh: peak memory of a small
# target (callcost rss: a few calls of each loop) without the shim, with it
# loaded and no plan, with a caller= rule (the symbol index of every loaded
# object) and with the trace on, ROUNDS rounds.  Two measures: VmHWM, the
# target image's own peak, which it prints; and ru_maxrss (/usr/bin/time
# %M), which is the most of every image the process was (here also env's
# and time's child's before their exec).  Rows: samples "memory
# small-target CONFIG hwm_kib|maxrss_kib|ratio ROUND VALUE".
# configuration|the command before callcost rss (the shim preloaded by
# hand: under forkchaos run, ru_maxrss would be the launcher's child's)
MEMORY='no-shim|env
shim-no-plan|env LD_PRELOAD=$SHIM
shim-caller-rule|env LD_PRELOAD=$SHIM FORKCHAOS_PLAN=pipe2:caller=loop_pipe2:when=999999999:error=EMFILE
shim-trace|env LD_PRELOAD=$SHIM FORKCHAOS_TRACE=$tmp/rss.jsonl'

memory_section() {
	have_time=0
	[ -x /usr/bin/time ] && have_time=1
	[ "$have_time" = 1 ] || sample memory small-target no-shim note "/usr/bin/time is missing: no ru_maxrss"
	round=1
	while [ "$round" -le "$ROUNDS" ]; do
		progress "memory: round $round of $ROUNDS"
		base=
		echo "$MEMORY" | while IFS='|' read -r name prefix; do
			eval "set -- $prefix"
			if [ "$have_time" = 1 ]; then
				hwm=$(/usr/bin/time -f %M -o "$tmp/rss.time" "$@" "$COST" rss 2>/dev/null) || continue
				sample memory small-target "$name" maxrss_kib "$(cat "$tmp/rss.time")"
			else
				hwm=$("$@" "$COST" rss 2>/dev/null) || continue
			fi
			rm -f "$tmp/rss.jsonl"
			sample memory small-target "$name" hwm_kib "$hwm"
			[ -n "$base" ] || base=$hwm
			sample memory small-target "$name" ratio "$(awk -v a="$hwm" -v b="$base" 'BEGIN { printf "%.4f", a / b }')"
		done
		round=$((round + 1))
	done
}

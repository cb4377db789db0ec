#!/bin/sh
# make stress: each race reproducer of issue 9 (tests/targets/hostile_*.c)
# run N times (N=200, `N=` to change) under the shim, one run at a time;
# prints k/N per reproducer, k the runs that showed the bug (a reproducer
# exits 1 when its run did; a hang, 124, or a death by a signal counts
# too).  Exit 0 when every k is 0, 1 when any is not, 2 when a run could
# not be made at all (exit 2: a bad plan, a missing program).
# `make stress-quick` is the same with N=10.
set -u
BUILD=${BUILD:-build}
N=${N:-200}
FC=$BUILD/forkchaos
T=$BUILD/targets
case $N in '' | *[!0-9]* | 0)
	echo "stress: N must be a positive number, not '$N'" >&2
	exit 2
	;;
esac
for f in "$FC" "$T/hostile_rawclone"; do
	[ -x "$f" ] || {
		echo "stress: $f is not built (make first)" >&2
		exit 2
	}
done
trace=$(mktemp /tmp/forkchaos-stress-XXXXXX)
out=$(mktemp /tmp/forkchaos-stress-out-XXXXXX)
trap 'rm -f "$trace" "$out"' EXIT

# One line per reproducer: name|plan (- for none)|trace (yes/no)|command
# after build/targets/|what it shows.  Each is a race (or a lock wait that
# depends on timing) the issue saw k times out of N.
REPRODUCERS='rawclone|pipe2:when=1..100000:error=EMFILE|no|hostile_rawclone 100000 100000|exact counts from two raw clone() threads (finding 9)
guarded|pipe:caller=busy:depth=2:error=EMFILE;dup:error=EMFILE|no|hostile_guarded 2000|a handler'"'"'s calls while its thread is in the shim'"'"'s guard (finding 10)
juggler|-|yes|hostile_juggler 200|no trace line out of a pipe dup2()ed over the trace (finding 8)
loader-lock|-|yes|hostile_jit|a handler'"'"'s JIT call while another thread holds the loader lock (finding 5)
fork-child|-|yes|hostile_forkchild 50|a threaded program'"'"'s fork child never hangs on the loader lock (finding 6)
plugin-swap|pipe:caller=alpha:error=EMFILE|no|hostile_plugin swap|caller=alpha never fires on beta loaded where alpha was (finding 11)'

echo "stress: $N runs of each race reproducer (k/N: the runs that showed the bug)"
bugs=0
errors=0
started=$(date +%s)
# the list is read from a here-document: the loop runs in this shell, and
# its counts survive it
while IFS='|' read -r name plan traced cmd what; do
	k=0
	e=0
	last=
	i=0
	while [ "$i" -lt "$N" ]; do
		i=$((i + 1))
		rm -f "$trace"
		set -- "$FC" run --quiet --timeout 30s
		[ "$plan" = - ] || set -- "$@" --plan "$plan"
		[ "$traced" = yes ] && set -- "$@" --trace "$trace"
		# shellcheck disable=SC2086 # the command's words split on purpose
		"$@" -- $T/$cmd >"$out" 2>&1
		rc=$?
		case $rc in
		0) ;;
		2)
			e=$((e + 1))
			last=$(tail -n 1 "$out")
			;;
		*)
			k=$((k + 1))
			last="exit $rc: $(tail -n 1 "$out")"
			;;
		esac
	done
	printf '  %-12s %7s   %s\n' "$name" "$k/$N" "$what"
	if [ "$k" -gt 0 ] || [ "$e" -gt 0 ]; then
		printf '  %-12s           last bad run: %s\n' "" "$last"
		printf '  %-12s           reproduce: %s run%s%s -- %s\n' "" "$FC" \
			"$([ "$plan" = - ] || printf " --plan '%s'" "$plan")" \
			"$([ "$traced" = yes ] && printf ' --trace t.jsonl')" "$T/$cmd"
	fi
	[ "$e" -gt 0 ] && printf '  %-12s           %d runs could not be made (exit 2)\n' "" "$e"
	[ "$k" -gt 0 ] && bugs=$((bugs + 1))
	[ "$e" -gt 0 ] && errors=$((errors + 1))
done <<EOF
$REPRODUCERS
EOF
count=$(printf '%s\n' "$REPRODUCERS" | wc -l)
echo "stress: $bugs of $count reproducers showed a bug, $errors could not run ($(($(date +%s) - started)) s)"
[ "$errors" -gt 0 ] && exit 2
[ "$bugs" -gt 0 ] && exit 1
exit 0

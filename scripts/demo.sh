#!/bin/sh
# make demo: the campaigns behind the robustness report, into a fresh
# results/RUN-ID/ (design.md, "Results folder"; written as .partial-RUN-ID
# and renamed when complete; results/latest points at it):
#   latency   exit-to-wait latency, pidfd path, generic path, generic path
#             under a delay in the wait calls        -> latency.csv
#   matrix    the scenarios on the fixed library and every defect
#             (forkchaos check --matrix)             -> verdicts.csv/.jsonl, junit.xml
#   leak      ffd_fork + ffd_wait cycles under seeded fork/pipe2 failures,
#             fixed library and each leaking defect  -> leak.csv
#   sweep     forkchaos sweep of ffd_fork and ffd_spawn on both paths
#             (when the subcommand exists)           -> sweeps/NAME/
#   overhead  make bench's per-call rows (run first, or
#             its last ones), if any                  -> overhead.csv, bench/
# then the plots (scripts/plots.sh) and the report (forkchaos report, when
# it exists), a summary table and the time it took.  Exit 1 when the fixed
# library failed anything (defects failing is the point) or a defect
# survived the matrix; 2 harness error; 3 interrupted.
# Knobs (environment):
#   BUILD (build)          FORKCHAOS ($BUILD/forkchaos)   DEMO_RESULTS (results)
#   DEMO_SEED (1)          DEMO_LIB (the library called fixed: $BUILD/libffd.so)
#   DEMO_LEAK_CYCLES (10000)   DEMO_LEAK_DEFECTS (the *_LEAK lines of lib/defects.def)
#   DEMO_LATENCY_CHILDREN (2000)
#   DEMO_REPEAT (runs per scenario; default: each scenario's own)
#   DEMO_FILTER (a scenario glob; the mutation score is then not judged)
#   DEMO_SWEEPS (1; 0: none)   DEMO_SWEEP_MAX_N (4)
#   DEMO_BENCH_RUN (1: run make bench's calls section first, into bench/,
#                   DEMO_BENCH_ROUNDS rounds (3); 0: use DEMO_BENCH as it is)
#   DEMO_BENCH (results/bench/overhead.csv, what make bench writes)
set -eu
cd "$(dirname "$0")/.."
t0=$(date +%s)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
FC=${FORKCHAOS:-$BUILD/forkchaos}
DRIVER=$BUILD/drivers/campaign
LIB=${DEMO_LIB:-$BUILD/libffd.so}
root=${DEMO_RESULTS:-results}
seed=${DEMO_SEED:-1}
cycles=${DEMO_LEAK_CYCLES:-10000}
children=${DEMO_LATENCY_CHILDREN:-2000}
bench=${DEMO_BENCH:-results/bench/overhead.csv}
leak_plan="fork:prob=0.1:seed=$seed:error=EAGAIN;pipe2:prob=0.05:seed=$seed:error=EMFILE"
delay_plan='%wait:delay=200us'
leak_defects=${DEMO_LEAK_DEFECTS:-$(sed -n 's/^D.\([A-Z0-9_]*LEAK\),.*/\1/p' lib/defects.def | tr A-Z_ a-z-)}
# the calls libffd makes (lib/DEFECTS.md): the sweep fails these, not the
# driver's own (its report file, its descriptor limit)
sweep_calls=fork,posix_spawn,sys_clone3,sys_clone,sys_pidfd_open,sys_waitid,eventfd,pipe2,fcntl,close,read,write,poll,waitid,wait4,sigaction,pthread_sigmask
# and judges them by every oracle but eintr: the driver makes no blocking
# call of its own, and libffd's poll, which a SIGCHLD interrupts or not as
# the timing goes (and which it retries), would make the outcomes vary
sweep_check=fds,strays,chained,errno,double-close
for f in "$FC" "$DRIVER" "$LIB"; do
	[ -e "$f" ] || {
		echo "demo: $f is missing; run make demo (it builds first)" >&2
		exit 2
	}
done

id=$(date -u +%Y%m%dT%H%M%SZ)-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
tmp=$root/.partial-$id
final=$root/$id
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
mkdir -p "$tmp/logs"
matrix_pid=
cleanup() {
	[ -z "$matrix_pid" ] || kill "$matrix_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; echo "demo: interrupted; nothing kept" >&2; exit 3' INT TERM

failures=0
fail() { # what failed, for the summary and the exit status
	echo "demo: FAILED: $*" >&2
	echo "$*" >>"$tmp/logs/failures.txt"
	failures=$((failures + 1))
}
# An argument as the shell reads it back, for the commands run.json keeps.
shell_word() {
	case "$1" in
	*[!A-Za-z0-9_./=:,%+@-]* | '') printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
	*) printf '%s' "$1" ;;
	esac
}
# Run a command, and keep it (one line) for run.json's "commands".
logged() {
	line=""
	for a in "$@"; do line="$line${line:+ }$(shell_word "$a")"; done
	printf '%s\n' "$line" >>"$tmp/logs/commands.txt"
	"$@"
}
campaigns=""

echo "make demo: $final (seed $seed)"
# ---- latency first, alone, on a quiet machine
echo "config,latency_ns" >"$tmp/latency.csv"
for config in "pidfd|--pidfd|" "generic|--generic|" "generic+delay|--generic|$delay_plan"; do
	IFS='|' read -r label flag plan <<EOF
$config
EOF
	logged "$FC" run --seed "$seed" --quiet ${plan:+--plan "$plan"} -- env FORKCHAOS_LIB="$LIB" \
		"$DRIVER" latency --count "$children" --label "$label" "$flag" >>"$tmp/latency.csv" 2>>"$tmp/logs/latency.txt" ||
		fail "latency $label: the fixed library failed a wait (logs/latency.txt)"
done
campaigns="$campaigns latency"

# ---- make bench's per-call rows, while the machine is still quiet (its
# medians are timing), into bench/ (bench.json, overhead.csv), read below
if [ "${DEMO_BENCH_RUN:-1}" = 1 ]; then
	bench=$tmp/bench/overhead.csv
	logged env BENCH_SECTIONS=calls ROUNDS="${DEMO_BENCH_ROUNDS:-3}" BENCH_OUT="$tmp/bench" sh scripts/bench.sh >"$tmp/logs/bench.txt" 2>&1 ||
		echo "demo: make bench failed (logs/bench.txt)" >&2
fi

# ---- the matrix in the background: it mostly waits on its hang scenarios'
# timeouts, so the leak campaign and the sweeps run meanwhile
set -- --matrix -j 2 --lib "$LIB" --seed "$seed" --out "$tmp/.matrix"
[ -z "${DEMO_REPEAT:-}" ] || set -- "$@" --repeat "$DEMO_REPEAT"
[ -z "${DEMO_FILTER:-}" ] || set -- "$@" --filter "$DEMO_FILTER"
logged "$FC" check "$@" scenarios/ >"$tmp/logs/matrix.txt" 2>&1 &
matrix_pid=$!

# ---- leak: the fixed library and each leaking defect
echo "library,cycle,fds,children,zombies" >"$tmp/leak.csv"
for lib in fixed $leak_defects; do
	rc=0
	path=$LIB
	[ "$lib" = fixed ] || path=$BUILD/defects/libffd-$lib.so
	logged "$FC" run --seed "$seed" --quiet --plan "$leak_plan" -- env FORKCHAOS_LIB="$path" \
		"$DRIVER" leak --count "$cycles" --generic --label "$lib" >>"$tmp/leak.csv" 2>>"$tmp/logs/leak.txt" || rc=$?
	# exit 1: libffd reported the injected failures, as it should
	[ "$rc" -le 1 ] || fail "leak $lib: the driver could not run, exit $rc (logs/leak.txt)"
done
campaigns="$campaigns leak"
# the fixed library must hold nothing more at the end than at the start
awk -F, '$1 == "fixed" { if (!n++) first = $3; last = $3; if ($4 + $5 > held) held = $4 + $5 }
	END { exit !(n && first == last && !held) }' "$tmp/leak.csv" ||
	fail "leak: the fixed library's descriptors, children or zombies grew (leak.csv)"

# ---- sweeps, when this forkchaos has them (issue 11)
if [ "${DEMO_SWEEPS:-1}" = 0 ]; then
	echo "sweep: skipped (DEMO_SWEEPS=0)" >"$tmp/logs/sweep.txt"
elif ! "$FC" sweep --help >/dev/null 2>&1; then
	echo "sweep: skipped: this forkchaos has no sweep subcommand yet (issue 11, branch i11-w)" >"$tmp/logs/sweep.txt"
else
	: >"$tmp/logs/sweep.txt"
	mkdir -p "$tmp/sweeps"
	for spec in "ffd_fork-generic|--generic" "ffd_fork-pidfd|--pidfd" "ffd_spawn-generic|--generic --spawn" "ffd_spawn-pidfd|--pidfd --spawn"; do
		name=${spec%%|*}
		# -j 1: the matrix runs beside it; 1 leaves its scenarios room
		rc=0
		# shellcheck disable=SC2086
		logged "$FC" sweep --seed "$seed" -j 1 --max-n "${DEMO_SWEEP_MAX_N:-4}" --calls "$sweep_calls" --check "$sweep_check" --out "$tmp/sweeps/$name" \
			-- env FORKCHAOS_LIB="$LIB" "$DRIVER" leak --count 1 --every 0 ${spec#*|} \
			>"$tmp/logs/sweep-$name.txt" 2>&1 || rc=$?
		[ "$rc" -le 1 ] || fail "sweep $name: exit $rc (logs/sweep-$name.txt)"
		echo "$name: $(grep '^sweep: ' "$tmp/logs/sweep-$name.txt" | tail -n 1 | sed 's/^sweep: //')" >>"$tmp/logs/sweep.txt"
	done
	campaigns="$campaigns sweep"
fi

# ---- overhead: make bench's results (run above, or its last ones)
if [ -f "$bench" ]; then
	[ "$bench" = "$tmp/overhead.csv" ] || cp "$bench" "$tmp/overhead.csv"
	json=$(dirname "$bench")/bench.json
	# named as it will be found: the folder's own bench/ after the rename
	case $bench in "$tmp"/*) shown=$final${bench#"$tmp"} ;; *) shown=$bench ;; esac
	echo "overhead: from $shown ($(sed -n 's/.*"machine":"\([^"]*\)".*/\1/p' "$json" 2>/dev/null))" >"$tmp/logs/overhead.txt"
	campaigns="$campaigns overhead"
else
	echo "overhead: skipped: no $bench (make bench writes it)" >"$tmp/logs/overhead.txt"
fi

# ---- the matrix's results, moved up into the folder
rc=0
wait "$matrix_pid" || rc=$?
matrix_pid=
m=$(ls -d "$tmp"/.matrix/2* 2>/dev/null | head -n 1)
if [ "$rc" -ge 2 ] || [ -z "$m" ] || [ ! -f "$m/verdicts.csv" ]; then
	fail "matrix: forkchaos check exit $rc (logs/matrix.txt)"
else
	mv "$m/verdicts.csv" "$m/verdicts.jsonl" "$m/junit.xml" "$tmp/"
	[ ! -d "$m/traces" ] || mv "$m/traces" "$tmp/"
	mv "$m/run.json" "$tmp/matrix.json"
	campaigns="matrix $campaigns"
	awk -F, -v lib="$LIB" 'NR > 1 && $2 == lib && $3 != "PASS" && $3 != "XFAIL" { bad++ } END { exit bad > 0 }' "$tmp/verdicts.csv" ||
		fail "matrix: the fixed library failed a scenario (verdicts.csv)"
	# (a filtered matrix leaves defects its scenarios do not catch)
	[ -n "${DEMO_FILTER:-}" ] || grep -q '^mutation score \([0-9]*\)/\1$' "$tmp/logs/matrix.txt" ||
		fail "matrix: a defect survived: $(grep '^mutation score' "$tmp/logs/matrix.txt")"
fi
rm -rf "$tmp/.matrix"
# Which defect each scenario is written for (its defect: line), for the
# replay plot and the report: verdicts.csv does not say.
{
	echo "scenario,window,defect"
	for scn in scenarios/*.scn; do
		awk '/^name:/ { n = $2 } /^window:/ { w = $2 } /^defect:/ { d = $2 } END { print n "," w "," d }' "$scn"
	done
} >"$tmp/scenarios.csv"

# ---- the plots and the report come next, from the folder alone: their
# command (as a user re-runs it, on the final folder) goes in run.json too
if "$FC" report --help >/dev/null 2>&1; then
	set -- "$FC" report
else
	set -- sh scripts/plots.sh
fi
printf '%s %s\n' "$*" "$(shell_word "$final")" >>"$tmp/logs/commands.txt"

# ---- run.json: design.md's members, kind demo, the campaigns present and
# every command run
json_str() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g; s/	/\\t/g')"; }
json_list() { # the lines of stdin as a JSON array of strings
	sep=""
	printf '['
	while IFS= read -r item; do
		printf '%s%s' "$sep" "$(json_str "$item")"
		sep=","
	done
	printf ']'
}
opt_str() { if [ -n "$1" ]; then json_str "$1"; else printf null; fi; }
{
	printf '{"forkchaos":%s,"kind":"demo","id":%s,' "$(json_str "$("$FC" --version | sed 's/^forkchaos //')")" "$(json_str "$id")"
	printf '"command":%s,"commands":%s,' "$(printf '%s\n' sh scripts/demo.sh | json_list)" "$(json_list <"$tmp/logs/commands.txt")"
	printf '"plan":%s,"seed":%s,"started":%s,"ended":%s,' "$(json_str "$leak_plan")" "$(json_str "$seed")" "$(json_str "$started")" \
		"$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
	printf '"host":{"kernel":%s,"glibc":%s,"cpus":%d},' "$(json_str "$(uname -r)")" \
		"$(json_str "$(getconf GNU_LIBC_VERSION 2>/dev/null | sed 's/^glibc //')")" "$(nproc)"
	printf '"options":{"leak_cycles":%d,"leak_plan":%s,"leak_defects":%s,"latency_children":%d,"delay_plan":%s,' \
		"$cycles" "$(json_str "$leak_plan")" "$(echo $leak_defects | tr ' ' '\n' | json_list)" "$children" "$(json_str "$delay_plan")"
	printf '"repeat":%s,"filter":%s,"sweep_max_n":%d,"bench":%s},' "$(opt_str "${DEMO_REPEAT:-}")" "$(opt_str "${DEMO_FILTER:-}")" \
		"${DEMO_SWEEP_MAX_N:-4}" "$(json_str "${bench#"$tmp/"}")"
	printf '"campaigns":%s,"failures":%d}\n' "$(echo $campaigns | tr ' ' '\n' | json_list)" "$failures"
} >"$tmp/run.json"

# ---- plots and the report.  The report exits 1 when the folder holds a
# failure, which the defects' always are: only 2 or more is its failure.
if [ "$1" = sh ]; then
	echo "report: this forkchaos has no report subcommand yet (issue 12, branch i12-r); plots only" >"$tmp/logs/report.txt"
fi
rc=0
"$@" "$tmp" >>"$tmp/logs/report.txt" 2>&1 || rc=$?
if [ "$1" = sh ] && [ "$rc" -ne 0 ]; then
	fail "plots: scripts/plots.sh exit $rc (logs/report.txt)"
elif [ "$rc" -ge 2 ]; then
	fail "report: forkchaos report exit $rc (logs/report.txt)"
fi

mv "$tmp" "$final"
trap - EXIT INT TERM
ln -sfn "$id" "$root/latest"
sh scripts/demo-summary.sh "$final" "$(($(date +%s) - t0))" | tee "$final/summary.txt"
[ "$failures" -eq 0 ]

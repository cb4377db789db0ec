#!/bin/sh
# make demo: a showcase of injections against build/targets/probe, each run
# under `forkchaos run` with a trace, then the scenario suite on libffd
# (JUnit, TAP) and the defect x scenario matrix; results in results/latest/.
# Written into a fresh folder that is renamed into place only when complete.
set -eu
FC=build/forkchaos
PROBE=build/targets/probe
stamp=$(date -u +%Y%m%dT%H%M%SZ)
tmp=results/.partial-$stamp
final=results/$stamp
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT INT TERM

summary=$tmp/summary.txt
failures=0
show() { # name plan expect-regex probe-args...
	name=$1 plan=$2 expect=$3
	shift 3
	code=0
	"$FC" run --timeout 20s --plan "$plan" --trace "$tmp/$name.trace.jsonl" -- "$PROBE" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err" || code=$?
	injected=$(grep -c '"injected":"' "$tmp/$name.trace.jsonl" || true)
	if grep -Eq "$expect" "$tmp/$name.out"; then verdict=SHOWN; else verdict=MISSING; failures=$((failures + 1)); fi
	printf '%-8s %-22s exit=%-3s injected=%-3s plan=%s\n' "$verdict" "$name" "$code" "$injected" "$plan" | tee -a "$summary"
}

echo "forkchaos showcase ($stamp)" | tee "$summary"
show third-pipe2-emfile 'pipe2:when=3:error=EMFILE' '^pipe2 3 -1 EMFILE' pipe2 5
show second-fork-eagain 'fork:when=2:error=EAGAIN' '^fork 2 -1 EAGAIN' fork 3
show torn-oldact-window 'sigaction:sig=SIGCHLD:at=inside:signal=SIGCHLD' 'saw_oldact_filled 0' inside
show caller-only 'pipe:caller=from_alpha:error=EMFILE' '^beta 1 0 OK' caller 1
show child-counts-from-1 'pipe2:when=1:error=EMFILE' 'child2-pipe2 1 -1 EMFILE' fork 2 2
show seeded-prob 'dup:prob=0.2:seed=42:error=EMFILE' '^pattern .*x' prob 60
show delay-50ms 'pipe2:delay=50ms' '^delay 0 [5-9][0-9]{4}' delay
show syscall-by-number 'sys_close:error=EINTR' '^sys_close 1 -1 EINTR' sys
show threads-atomic-count 'pipe2:when=1..50:error=EMFILE' 'failures 50 of 800' threads 200

echo "scenario suite on the fixed library:" | tee -a "$summary"
"$FC" check -j 2 --out "$tmp/check" --junit "$tmp/junit.xml" scenarios/ | tee -a "$summary" || failures=$((failures + 1))
"$FC" check -j 2 --out "$tmp/check" --tap scenarios/ >"$tmp/scenarios.tap" || true
echo "mutation matrix (one run per cell):" | tee -a "$summary"
"$FC" check --out "$tmp/check" --matrix -j 2 --repeat 1 scenarios/ >"$tmp/matrix.txt" || failures=$((failures + 1))
sed -n '/^mutation matrix/,/^mutation score/p' "$tmp/matrix.txt" | tee -a "$summary"

mv "$tmp" "$final"
trap - EXIT INT TERM
ln -sfn "$stamp" results/latest
echo "results: results/latest/ ($final): summary.txt, NAME.out, NAME.trace.jsonl, junit.xml, scenarios.tap, matrix.txt"
[ "$failures" -eq 0 ]

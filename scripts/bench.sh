#!/bin/sh
# make bench: what the shim costs and what the harness buys, side by side
# in one run (bench/*.sh, one section each):
#   calls   per-call overhead of five loops, plain / the shim (no plan, a
#           rule that never fires, a caller= rule, the trace) / libfiu's
#           fiu-run / strace --inject, as ratios of alternated pairs
#   race    reproductions per second of each race-window scenario on its
#           defect, with its plan and as a naive stress loop without it
#   sweep   runs per second of the ffd_fork sweeps (-j 1, -j 2) and the
#           time of each
#   explore explore's time to its first finding on each defect variant
#   memory  peak RSS of a small target, without and with the shim
# Medians of ROUNDS rounds with their min and max.  Prints the table and
# writes BENCH_OUT (results/bench/): bench.txt (the table), bench.json
# (every row), overhead.csv (the calls rows, for scripts/plots.sh and the
# demo) and plots/overhead.png, .svg.
# Knobs: ROUNDS (7), BENCH_SECTIONS ("calls race sweep explore memory"),
# BENCH_SCALE (iterations of the calls loops times this, 1), BENCH_RACE_S
# (seconds per scenario and side, 3), BENCH_EXPLORE_BUDGET (each explore's,
# 10s), BENCH_EXPLORE_ROUNDS (1), BENCH_OUT, BUILD (build).
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-7}
SECTIONS=${BENCH_SECTIONS:-calls race sweep explore memory}
SCALE=${BENCH_SCALE:-1}
RACE_S=${BENCH_RACE_S:-3}
OUT=${BENCH_OUT:-results/bench}
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
SHIM=$BUILD/libforkchaos.so
COST=$BUILD/bench/callcost
FC=$BUILD/forkchaos
for f in "$SHIM" "$COST" "$FC"; do
	[ -x "$f" ] || [ -f "$f" ] || {
		echo "bench: $f is missing (make bench builds it)" >&2
		exit 2
	}
done
for n in ROUNDS SCALE RACE_S; do
	eval "v=\$$n"
	case $v in '' | *[!0-9]* | 0)
		echo "bench: $n must be a positive whole number, not '$v'" >&2
		exit 2
		;;
	esac
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
t0=$(date +%s)

# One measurement: SECTION ROW CONFIG METRIC VALUE, in round $round.
round=0
sample() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$round" "$5" >>"$tmp/samples.tsv"
}
progress() {
	echo "bench: $* ($(($(date +%s) - t0)) s)" >&2
}
now_ns() { date +%s%N; }

: >"$tmp/samples.tsv"
for s in $SECTIONS; do
	[ -f "bench/$s.sh" ] || {
		echo "bench: no section '$s' (calls, race, sweep, explore, memory)" >&2
		exit 2
	}
	. "bench/$s.sh"
	"${s}_section"
done

mkdir -p "$OUT"
rm -f "$OUT/bench.json" "$OUT/overhead.csv"
machine="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs, Linux $(uname -r), glibc $(getconf GNU_LIBC_VERSION | sed 's/^glibc //')"
awk -F '\t' -v machine="$machine" -v date="$(date -u +%F)" -v rounds="$ROUNDS" -v secs="$(($(date +%s) - t0))" \
	-v json="$OUT/bench.json" -v csv="$OUT/overhead.csv" -f bench/report.awk "$tmp/samples.tsv" >"$tmp/bench.txt"
mv "$tmp/bench.txt" "$OUT/bench.txt"
cat "$OUT/bench.txt"
if [ -s "$OUT/overhead.csv" ]; then
	sh scripts/plots.sh "$OUT" >&2 || echo "bench: the overhead plot failed" >&2
fi

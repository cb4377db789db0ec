#!/bin/sh
# plots.sh DIR: the plots of a results folder, from its CSVs alone, into
# DIR/plots/NAME.png (pngcairo) and DIR/plots/NAME.svg, for each NAME whose
# data DIR holds (see the table below).  make demo and `forkchaos report`
# run it; a user can re-run it on any results folder.  Each plot is an awk
# preparation (scripts/plots/NAME.awk, with csv.awk: the CSV reader) and a
# gnuplot script (scripts/plots/NAME.gp, with common.gp), so that adding a
# plot is a line here and those two files.
# Exit: 0 every plot with data made (or gnuplot is missing: one line on
# stderr says so and nothing is made), 1 a plot failed, 2 usage (DIR is
# not a folder).
set -u
here=$(cd "$(dirname "$0")" && pwd)
plotdir=${FORKCHAOS_PLOTS:-$here/plots}
usage="usage: plots.sh DIR   (DIR: a results folder; writes DIR/plots/NAME.png and NAME.svg)"
case "${1:-}" in
-h | --help)
	echo "$usage"
	exit 0
	;;
esac
if [ $# -ne 1 ]; then
	echo "$usage" >&2
	exit 2
fi
dir=$1
if [ ! -d "$dir" ]; then
	echo "plots: $dir is not a folder (expected a results folder: results/RUN-ID)" >&2
	exit 2
fi
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "plots: gnuplot is not installed (Debian: apt-get install gnuplot-nox); no plots made" >&2
	exit 0
fi

# NAME|the CSVs it reads, relative to DIR (globs; the first may be optional)
plots="leak|leak.csv
latency|latency.csv
sweep-map|sweeps/*/outcomes.csv
replay|scenarios.csv verdicts.csv
overhead|overhead.csv"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$dir/plots" || exit 1

# A path as a gnuplot single-quoted string ('' is a quote inside one).
gp_quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }

failed=0
made=""
echo "$plots" | {
	while IFS='|' read -r name inputs; do
		files=""
		for pattern in $inputs; do
			for f in "$dir"/$pattern; do
				[ -f "$f" ] && files="$files
$f"
			done
		done
		# The last input is the one the plot needs (scenarios.csv only helps).
		last=$(echo "$inputs" | awk '{print $NF}')
		if ! echo "$files" | grep -q "/${last##*/}\$"; then
			rm -f "$dir/plots/$name.png" "$dir/plots/$name.svg"
			continue
		fi
		# Every line of $files is one path: read them back as arguments.
		set --
		while IFS= read -r f; do
			[ -n "$f" ] && set -- "$@" "$f"
		done <<EOF
$files
EOF
		awk -v data="$tmp/$name.dat" -v vars="$tmp/$name.vars.gp" -f "$plotdir/csv.awk" -f "$plotdir/$name.awk" "$@"
		rc=$?
		if [ "$rc" -eq 3 ]; then
			echo "plots: $name: no data rows in $*; skipped" >&2
			rm -f "$dir/plots/$name.png" "$dir/plots/$name.svg"
			continue
		fi
		ok=$rc
		for fmt in png svg; do
			[ "$ok" -eq 0 ] || break
			gnuplot -e "fmt='$fmt'; out=$(gp_quote "$tmp/$name"); data=$(gp_quote "$tmp/$name.dat"); plotdir=$(gp_quote "$plotdir")" \
				-e "load $(gp_quote "$tmp/$name.vars.gp")" "$plotdir/$name.gp" 2>"$tmp/$name.err"
			ok=$?
			# gnuplot's warnings (an empty range it widened) are no failure
			grep -iv 'warning' "$tmp/$name.err" >&2
			[ -s "$tmp/$name.$fmt" ] || ok=1
		done
		if [ "$ok" -ne 0 ]; then
			echo "plots: $name: failed (from $*)" >&2
			failed=1
			continue
		fi
		mv -f "$tmp/$name.png" "$tmp/$name.svg" "$dir/plots/" || failed=1
		made="$made $name"
	done
	echo "plots:${made:- none} in $dir/plots/"
	exit "$failed"
}

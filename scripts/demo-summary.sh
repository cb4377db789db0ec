#!/bin/sh
# demo-summary.sh DIR [SECONDS]: the short table make demo prints at its
# end, from the demo folder DIR alone (its CSVs and logs/), one line per
# campaign; SECONDS: how long the demo took.
set -u
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
row() { printf '  %-9s %s\n' "$1" "$2"; }

echo "make demo: $dir${2:+ in $(($2 / 60))m$(($2 % 60))s}"
# the library under test: check's own run.json names it
lib=$(sed -n 's/.*"options":{[^}]*"lib":"\([^"]*\)".*/\1/p' "$dir/matrix.json" 2>/dev/null)
if [ -f "$dir/verdicts.csv" ]; then
	cells=$(awk -F, -v lib="$lib" 'NR > 1 { if (!($1 in s)) { s[$1] = 1; ns++ } if (!($2 in l)) { l[$2] = 1; nl++ }
		if ($2 == lib && $3 != "PASS" && $3 != "XFAIL") bad++ }
		END { printf "%d scenarios x %d libraries; fixed library: %s", ns, nl, (bad ? bad " FAILED" : "all pass") }' "$dir/verdicts.csv")
	score=$(grep -h '^mutation score' "$dir/logs/matrix.txt" 2>/dev/null | tail -n 1)
	row matrix "$cells${score:+; $score}"
else
	row matrix "not run (logs/matrix.txt)"
fi
if [ -f "$dir/leak.csv" ]; then
	# per library: descriptors at the first and the last sample, the most
	# children and zombies held at a sample
	row leak "$(awk -F, 'NR > 1 { if (!($1 in first)) { first[$1] = $3; order[++n] = $1 } last[$1] = $3; c = $4 + $5; if (c > held[$1]) held[$1] = c }
		END { for (i = 1; i <= n; i++) { k = order[i]; printf "%s%s fds %d->%d%s", (i > 1 ? "; " : ""), k, first[k], last[k], (held[k] ? ", " held[k] " children/zombies held" : "") } }' "$dir/leak.csv")"
fi
if [ -f "$dir/latency.csv" ]; then
	row latency "$(awk -v data=/dev/null -v vars=/dev/stdout -f "$here/plots/csv.awk" -f "$here/plots/latency.awk" "$dir/latency.csv" |
		sed -n "s/^title[0-9]* = '\(.*\)'$/\1/p" | paste -sd ';' | sed 's/;/; /g')"
fi
for campaign in sweep overhead; do
	[ -f "$dir/logs/$campaign.txt" ] || continue
	first=1
	while IFS= read -r line; do
		line=${line#"$campaign: "}
		if [ "$first" = 1 ]; then row "$campaign" "$line"; else row "" "$line"; fi
		first=0
	done <"$dir/logs/$campaign.txt"
done
[ ! -f "$dir/logs/failures.txt" ] || row FAILED "$(paste -sd ';' "$dir/logs/failures.txt" | sed 's/;/; /g')"
if [ -f "$dir/report.html" ]; then
	row report "$dir/report.html"
else
	row report "$(head -n 1 "$dir/logs/report.txt" 2>/dev/null | sed 's/^report: //')"
	row plots "$dir/plots/: $(ls "$dir/plots" 2>/dev/null | paste -sd ' ')"
fi

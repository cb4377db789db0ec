# sweep-map.awk: sweeps/NAME/outcomes.csv (one row per run: site, proc,
# action, outcome) -> a heat map cell per (sweep, site, process) x errno:
# the worst outcome over the occurrences tried (a failed oracle over
# handled over ok; the first failed oracle when several).  Data: x y colour
# (one line per cell); vars: w, h, the tics, the separators between
# sweeps, n and outcome1..n / colour1..n for the legend (the outcomes
# present, in the vocabulary's order).  Exit 3: no rows.
BEGIN {
	# The outcome vocabulary (design.md's oracles, ok, handled, error),
	# each with its colour: calm for ok/handled, warm to dark for failures.
	nv = split("ok handled differs fds strays chained errno eintr double-close status api-errno flags foreign-close hang crash error", vocab, " ")
	split("#d9ead3 #9ecae1 #fdd49e #e34a33 #b30000 #f768a1 #fc8d59 #fec44f #8c510a #d95f0e #ef6548 #bf812d #7f0000 #54278f #000000 #969696", hex, " ")
	for (i = 1; i <= nv; i++) {
		order[vocab[i]] = i
		colour_of[vocab[i]] = hex[i]
	}
}
function severity(o) {
	return o == "ok" ? 0 : o == "handled" ? 1 : 2
}
{
	if ((n = csv_record(f)) < 0)
		next
	sweep = FILENAME
	sub(/\/outcomes\.csv$/, "", sweep)
	sub(/.*\//, "", sweep)
	site = csv_get(f, "site")
	proc = csv_get(f, "proc")
	row = sweep SUBSEP site SUBSEP proc
	if (!(row in row_index)) {
		row_index[row] = ++rows
		label = site
		sub(/:caller=/, " @ ", label)
		row_label[rows] = sweep ": " label (proc == "child" ? " (child)" : "")
		row_sweep[rows] = sweep
	}
	e = csv_get(f, "action")
	if (e ~ /error=/) {
		sub(/.*error=/, "", e)
		sub(/:.*/, "", e)
	}
	if (!(e in col_index)) {
		col_index[e] = ++cols
		col_label[cols] = e
	}
	o = csv_get(f, "outcome")
	cell = row_index[row] SUBSEP col_index[e]
	if (!(cell in worst) || severity(o) > severity(worst[cell]))
		worst[cell] = o
}
END {
	if (!rows)
		exit 3
	for (cell in worst) {
		split(cell, rc, SUBSEP)
		o = worst[cell]
		c = (o in colour_of) ? colour_of[o] : "#ff00ff"
		printf "%d %d %d\n", rc[2], rc[1], strtonum_hex(c) > data
		present[o] = 1
	}
	printf "w = %d\nh = %d\ncols = %d\nrows = %d\n", 640 + 24 * cols, 220 + 17 * rows, cols, rows > vars
	printf "set xtics (" > vars
	for (k = 1; k <= cols; k++)
		printf "%s%s %d", (k > 1 ? ", " : ""), gp_str(col_label[k]), k > vars
	printf ")\nset ytics (" > vars
	for (k = 1; k <= rows; k++)
		printf "%s%s %d", (k > 1 ? ", " : ""), gp_str(row_label[k]), k > vars
	printf ")\n" > vars
	for (k = 2; k <= rows; k++)
		if (row_sweep[k] != row_sweep[k - 1])
			printf "set arrow from 0.5, %g to %d.5, %g nohead front lw 2 lc rgb '#333333'\n", k - 0.5, cols, k - 0.5 > vars
	m = 0
	for (i = 1; i <= nv; i++)
		if (vocab[i] in present) {
			m++
			printf "outcome%d = %s\ncolour%d = %s\n", m, gp_str(vocab[i]), m, gp_str(hex[i]) > vars
		}
	for (o in present)
		if (!(o in order)) {
			m++
			printf "outcome%d = %s\ncolour%d = '#ff00ff'\n", m, gp_str(o), m > vars
		}
	printf "n = %d\n", m > vars
}
# "#rrggbb" as a number (awk has no hex input): gnuplot's rgb variable.
function strtonum_hex(s,    i, v) {
	v = 0
	for (i = 2; i <= length(s); i++)
		v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
	return v
}

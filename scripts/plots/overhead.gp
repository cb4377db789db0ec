# overhead.gp: the shim's per-call cost as a ratio to the same call
# without it (make bench's medians), per call and configuration; the
# dashed line is 1 (no cost).
load plotdir . "/common.gp"
set title "Shim overhead: time per call under the shim ÷ without it (make bench, medians)" font ",13"
set ylabel "time per call, shim ÷ plain (ratio)"
set xlabel "intercepted call"
set xrange [0.4:groups + 0.6]
set key top center horizontal
set offsets 0, 0, graph 0.12, 0
set yrange [0:*]
set style fill solid 0.9 border lc rgb "#333333"
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "#333333" front
bw = 0.8 / n
x(g, s) = g + (s - (n + 1) / 2.0) * bw
plot for [s = 1:n] data using (x($1, s)):(column(s + 1)):(bw) with boxes lc rgb colour(s) title value("series" . s), \
	for [s = 1:n] data using (x($1, s)):(column(s + 1)):(sprintf("%.2f", column(s + 1))) with labels offset 0, 0.6 font ",9" notitle

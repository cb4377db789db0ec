# overhead.gp: the shim's per-call cost as a ratio to the same call
# without it (make bench's medians), per call and configuration, the
# peers' beside it; log scale (strace's ratios are a hundred times the
# shim's); the dashed line is 1 (no cost).
load plotdir . "/common.gp"
set title "Shim overhead: time per call under the shim or a peer ÷ without (make bench, medians)" font ",13"
set ylabel "time per call ÷ plain (ratio, log scale)"
set xlabel "intercepted call"
set xrange [0.4:groups + 0.6]
set key top center horizontal
set offsets 0, 0, graph 0.12, 0
set logscale y
set yrange [0.5:*]
set format y "%g"
set style fill solid 0.9 border lc rgb "#333333"
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "#333333" front
bw = 0.8 / n
# a dozen configurations: common.gp's 8 colours would repeat
array bar_palette[12] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", \
	"#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a"]
bar_colour(i) = bar_palette[(i - 1) % 12 + 1]
x(g, s) = g + (s - (n + 1) / 2.0) * bw
plot for [s = 1:n] data using (x($1, s)):(column(s + 1)):(bw) with boxes lc rgb bar_colour(s) title value("series" . s), \
	for [s = 1:n] data using (x($1, s)):(column(s + 1)):(sprintf(column(s + 1) < 10 ? "%.2f" : "%.0f", column(s + 1))) with labels offset 0, 0.6 font ",8" rotate by 90 left notitle

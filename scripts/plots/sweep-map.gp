# sweep-map.gp: call site x errno -> outcome, one cell per site (and the
# process it is in) and errno the sweep failed it with; the colours are the
# outcome vocabulary, the legend lists the outcomes present.
load plotdir . "/common.gp"
set title "Sweep: each call site × errno, the worst outcome of its runs" font ",13"
set xlabel "errno injected"
set ylabel "sweep: call @ caller (process)"
set xtics rotate by 90 right font ",10" nomirror
set ytics font ",10" nomirror
set xrange [0.5:cols + 0.5]
set yrange [rows + 0.5:0.5]
set grid noxtics noytics
set key outside right top title "outcome" box
set style fill solid 1.0 noborder
plot data using 1:2:(0.5):(0.5):3 with boxxyerror lc rgb variable notitle, \
	for [i = 1:n] keyentry with boxes fc rgb value("colour" . i) title value("outcome" . i)

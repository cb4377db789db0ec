# latency.gp: the CDF of exit-to-wait latency (a child's stamp just before
# _exit to ffd_wait's return in the parent), log x, one curve per
# configuration, its p50 and p99 in the legend.
load plotdir . "/common.gp"
set title "Latency campaign: from a child's exit to ffd_wait's return" font ",13"
set logscale x 10
set format x "%g"
set xlabel "latency (µs, log scale)"
set ylabel "fraction of children at or below (CDF)"
set yrange [0:1.02]
set ytics 0.1
set key bottom right
plot for [i = 1:n] data index (i - 1) using 1:2 with steps lw 2 lc rgb colour(i) title value("title" . i)

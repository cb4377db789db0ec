# leak.gp: what the process holds (descriptors, live children, zombies)
# against the cycles done, one curve per library (the first, the fixed
# library, drawn again last so that a defect's curve never hides it),
# three panels stacked.
h = 960
load plotdir . "/common.gp"
set multiplot layout 3, 1 title "Leak campaign: what the process holds as ffd_fork + ffd_wait cycles go on under injected failures" font ",13"
set xlabel "cycles done (ffd_fork + ffd_wait + ffd_close)"
set key top left
set ylabel "open descriptors (count)"
set yrange [0:1<*]
plot for [i = 1:n] data index (i - 1) using 1:2 with linespoints pt 7 ps 0.4 lw 2 lc rgb colour(i) title value("lib" . i), \
	data index 0 using 1:2 with lines lw 2 lc rgb colour(1) notitle
set ylabel "live children (count)"
plot for [i = 1:n] data index (i - 1) using 1:3 with linespoints pt 7 ps 0.4 lw 2 lc rgb colour(i) title value("lib" . i), \
	data index 0 using 1:3 with lines lw 2 lc rgb colour(1) notitle
set ylabel "zombies (count)"
plot for [i = 1:n] data index (i - 1) using 1:4 with linespoints pt 7 ps 0.4 lw 2 lc rgb colour(i) title value("lib" . i), \
	data index 0 using 1:4 with lines lw 2 lc rgb colour(1) notitle
unset multiplot

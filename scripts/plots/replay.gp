# replay.gp: per race-window scenario, the share of its runs that failed
# on the defect it was written for (it should be all of them) and on the
# fixed library (it should be none), each bar labelled failed/runs.
load plotdir . "/common.gp"
set title "Race-window replay: runs that failed, on the scenario's defect and on the fixed library" font ",13"
set ylabel "runs that failed (%)"
set xlabel "scenario [its defect, when named otherwise]"
set xtics rotate by -40 left nomirror font ",10"
set xrange [0.4:n + 0.6]
set yrange [0:118]
set ytics 0, 20, 100
set key top right horizontal
set style fill solid 0.9 border lc rgb "#333333"
bw = 0.36
pct(failed, runs) = runs > 0 ? 100.0 * failed / runs : 0
plot data using ($1 - bw / 2):(pct($2, $3)):(bw) with boxes lc rgb colour(2) title "on its defect", \
	data using ($1 + bw / 2):(pct($4, $5)):(bw) with boxes lc rgb colour(1) title "fixed library", \
	data using ($1 - bw / 2):(pct($2, $3)):(sprintf("%d/%d", $2, $3)) with labels offset 0, 0.7 font ",9" notitle, \
	data using ($1 + bw / 2):(pct($4, $5)):(sprintf("%d/%d", $4, $5)) with labels offset 0, 0.7 font ",9" notitle

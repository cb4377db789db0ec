# common.gp: what every plot shares, loaded first by each NAME.gp.
# plots.sh sets fmt (png or svg), out (the file without its extension),
# data (the prepared data file) and loads NAME's vars (w, h when the size
# depends on the data).  Text is not "enhanced": the names of calls and
# functions hold underscores, which enhanced text would make subscripts.
if (!exists("w")) w = 1000
if (!exists("h")) h = 620
set encoding utf8
if (fmt eq "svg") {
	set terminal svg size w, h dynamic noenhanced font "Sans,12" background rgb "white"
} else {
	set terminal pngcairo size w, h noenhanced font "Sans,11" background rgb "white"
}
set output out . "." . fmt
set grid lc rgb "#dddddd" lw 1
set border lc rgb "#555555"
set key opaque box lc rgb "#bbbbbb"
# One colour per series, fixed first: the fixed library (or the first
# configuration) is always the same green.
array palette[8] = ["#1a9850", "#d73027", "#4575b4", "#f46d43", "#984ea3", "#8c6d31", "#e7298a", "#666666"]
colour(i) = palette[(i - 1) % 8 + 1]

# overhead.awk: overhead.csv (call,shim_ns,plain_ns,ratio; call as
# CALL/CONFIGURATION, e.g. malloc/shim-no-plan, or a bare CALL) -> per call
# a group of bars, one per configuration: the ratio of the shim's time per
# call to the plain call's.  Data: group ratio1..ratioN (NaN: not
# measured); vars: n, groups, series1..N, xtics.  Exit 3: no rows.
{
	if ((n = csv_record(f)) < 0)
		next
	call = csv_get(f, "call")
	config = "shim"
	if (index(call, "/")) {
		config = substr(call, index(call, "/") + 1)
		call = substr(call, 1, index(call, "/") - 1)
	}
	if (!(config in si)) {
		si[config] = ++series
		sname[series] = config
	}
	ratio[group(call), si[config]] = csv_get(f, "ratio")
}
END {
	if (!groups)
		exit 3
	for (g = 1; g <= groups; g++) {
		line = g
		for (s = 1; s <= series; s++)
			line = line " " (((g, s) in ratio) && ratio[g, s] != "" ? ratio[g, s] : "NaN")
		print line > data
		tics = tics (g > 1 ? ", " : "") gp_str(group_name[g]) " " g
	}
	printf "n = %d\ngroups = %d\nset xtics (%s)\n", series, groups, tics > vars
	for (s = 1; s <= series; s++)
		printf "series%d = %s\n", s, gp_str(sname[s]) > vars
}

# replay.awk: [scenarios.csv (scenario,window,defect)] verdicts.csv ->
# per race-window scenario, the runs that failed on its defect and on the
# fixed library.  Its defect is the one scenarios.csv declares, else (a
# folder of `check --matrix` alone) the defect build it failed most runs
# on; a scenario with neither is no race-window scenario and is left out.
# Data: i defect_failed defect_runs fixed_failed fixed_runs; vars: n,
# xtics.  Exit 3: no such scenario.
{
	if ((n = csv_record(f)) < 0)
		next
	if (FILENAME ~ /(^|\/)scenarios\.csv$/) {
		if (csv_get(f, "defect") != "")
			declared[csv_get(f, "scenario")] = csv_get(f, "defect")
		next
	}
	s = csv_get(f, "scenario")
	lib = lib_label(csv_get(f, "library"))
	group(s)
	runs[s, lib] = csv_get(f, "runs") + 0
	failed[s, lib] = csv_get(f, "failed_runs") + 0
	if (lib != "fixed" && failed[s, lib] > 0 && (!(s in most) || failed[s, lib] > failed[s, most[s]]))
		most[s] = lib
}
END {
	for (k = 1; k <= groups; k++) {
		s = group_name[k]
		d = (s in declared) ? declared[s] : (s in most) ? most[s] : ""
		if (d == "" || !((s, d) in runs) || !((s, "fixed") in runs))
			continue
		m++
		printf "%d %d %d %d %d\n", m, failed[s, d], runs[s, d], failed[s, "fixed"], runs[s, "fixed"] > data
		tics = tics (m > 1 ? ", " : "") gp_str(d == s ? s : s " [" d "]") " " m
	}
	if (!m)
		exit 3
	printf "n = %d\nw = %d\nset xtics (%s)\n", m, (m < 10 ? 920 : 360 + 56 * m), tics > vars
}

# bench/report.awk: make bench's samples (SECTION ROW CONFIG METRIC ROUND
# VALUE, tab-separated) -> the table on stdout, every row with its median,
# min and max in JSON (json=FILE), the calls rows as overhead.csv (csv=FILE:
# call,shim_ns,plain_ns,ratio,ratio_min,ratio_max, call as LOOP/CONFIG, the
# columns scripts/plots/overhead.awk and the demo read).  Numeric metrics
# are summarised over their rounds; text metrics (what, why, note, oracle)
# keep their last value.  vars: machine, date, rounds, secs.
BEGIN { text["what"] = text["why"] = text["note"] = text["oracle"] = text["cmd"] = text["clock"] = text["against"] = text["budget"] = 1 }
{
	key = $1 SUBSEP $2 SUBSEP $3
	if (!(key in seen)) {
		seen[key] = 1
		order[++nkeys] = key
	}
	m = key SUBSEP $4
	if ($4 in text) {
		txt[m] = $6
		next
	}
	nval[m]++
	val[m, nval[m]] = $6 + 0
	sum[m] += $6
}

function stats(m,    n, i, j, t, a) {
	n = nval[m]
	if (!n)
		return 0
	for (i = 1; i <= n; i++)
		a[i] = val[m, i]
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	MED = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	MIN = a[1]; MAX = a[n]; N = n; SUM = sum[m]
	return 1
}
function num(x) { return x == int(x) ? sprintf("%d", x) : sprintf("%.4g", x) }
function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, " ", s); return "\"" s "\"" }
function jstats(m, name) {
	if (!stats(m))
		return ""
	return sprintf(",%s:{\"median\":%s,\"min\":%s,\"max\":%s,\"n\":%d}", jstr(name), num(MED), num(MIN), num(MAX), N)
}
function range(m, fmt) { return stats(m) ? sprintf(fmt " [" fmt "-" fmt "]", MED, MIN, MAX) : "" }

# One row of the JSON: its identity, each numeric metric summarised (the
# row's main metric also as median/min/max at the top), its texts.
function json_row(key,    p, line, m, k, main) {
	split(key, p, SUBSEP)
	line = sprintf("{\"section\":%s,\"row\":%s,\"config\":%s", jstr(p[1]), jstr(p[2]), jstr(p[3]))
	main = p[1] == "calls" ? (p[3] == "plain" ? "ns_cpu" : "ns") : p[1] == "race" ? "rate" : p[1] == "sweep" ? "runs_per_s" : p[1] == "memory" ? "hwm_kib" : p[1] == "explore" ? "seconds" : ""
	line = line ",\"unit\":" jstr(unit[p[1]])
	if (main != "" && stats(key SUBSEP main))
		line = line sprintf(",\"median\":%s,\"min\":%s,\"max\":%s,\"n\":%d", num(MED), num(MIN), num(MAX), N)
	for (k = 1; k <= nmetrics; k++) {
		m = key SUBSEP metrics[k]
		if (m in txt)
			line = line "," jstr(metrics[k]) ":" jstr(txt[m])
		else
			line = line jstats(m, metrics[k])
	}
	if (key in goal_met)
		line = line ",\"goal_met\":" (goal_met[key] ? "true" : "false")
	if (key in race_ratio)
		line = line ",\"ratio_vs_stress\":" race_ratio[key]
	if (key in against_ratio)
		line = line ",\"ratio_vs_against\":" against_ratio[key]
	return line "}"
}

# A goal: the median ratio at most GOAL, or (AGAINST: another
# configuration) the ratio of the two median ratios.
function goal_text(key,    g, p, r, ag) {
	if (!stats(key SUBSEP "goal"))
		return ""
	g = MED
	if (!stats(key SUBSEP "ratio"))
		return ""
	r = MED
	ag = txt[key SUBSEP "against"]
	if (ag != "") {
		split(key, p, SUBSEP)
		if (!stats(p[1] SUBSEP p[2] SUBSEP ag SUBSEP "ratio"))
			return ""
		r = r / MED
		against_ratio[key] = sprintf("%.4f", r)
	}
	goal_met[key] = r <= g
	return sprintf("%s<=x%s %s", ag != "" ? sprintf("x%.2f of %s, ", r, ag) : "", num(g), r <= g ? "met" : "MISSED")
}

function calls_rows(    i, p, key, plain, r, what, clk, c, first) {
	print "Per-call overhead: ns per iteration (the fastest of 5 chunks), median [min-max] of the rounds, in CPU"
	print "time (cpu: the process's and its children's) or wall time (strace, the syscall layer: their work is"
	print "in another process);"
	print "ratio: median [min-max] of alternated pairs (the configuration and plain back to back, same clock);"
	print "faults: page faults per iteration (the process's and its children's: what load does not change)"
	printf "%-12s %-22s %-32s %-22s %-7s %s\n", "loop", "configuration", "ns/op", "ratio to plain", "faults", "goal"
	for (i = 1; i <= nkeys; i++) {
		split(order[i], p, SUBSEP)
		if (p[1] != "calls")
			continue
		key = order[i]
		if ((key SUBSEP "why") in txt) {
			printf "%-12s %-22s n/a: %s\n", p[2], p[3], txt[key SUBSEP "why"]
			continue
		}
		if (p[3] == "plain") {
			plain = key
			what = txt[key SUBSEP "what"]
			first = 1
			for (c = 1; c <= 2; c++) {
				clk = c == 1 ? "cpu" : "wall"
				if (!stats(key SUBSEP "ns_" clk))
					continue
				printf "%-12s %-22s %-32s %-22s %-7s %s\n", first ? p[2] : "", first ? "plain" : "", clk " " range(key SUBSEP "ns_" clk, "%.1f"), first ? "1" : "", first ? faults_of(key) : "", first ? what : ""
				first = 0
			}
			continue
		}
		clk = txt[key SUBSEP "clock"]
		r = range(key SUBSEP "ratio", "%.2f")
		printf "%-12s %-22s %-32s %-22s %-7s %s\n", p[2], p[3], clk " " range(key SUBSEP "ns", "%.1f"), r, faults_of(key), goal_text(key)
		if (csv != "" && stats(key SUBSEP "ratio")) {
			rm = MED; rmin = MIN; rmax = MAX
			base = stats(plain SUBSEP "ns_" clk) ? MED : 0
			stats(key SUBSEP "ns")
			printf "%s/%s,%.2f,%.2f,%.4f,%.4f,%.4f\n", p[2], p[3], MED, base, rm, rmin, rmax > csv
		}
	}
	print ""
}

# The median page faults per iteration of KEY's runs.
function faults_of(key) { return stats(key SUBSEP "faults") ? sprintf("%.2f", MED) : "" }

function race_rows(    i, p, key, inj, st, ri, rs, line) {
	print "Race-reproduction power: failing runs per second on the scenario's defect, with its plan"
	print "(injected) and as a naive stress loop without it, the same wall time, judged by the same oracle;"
	print "rate: median [min-max] of the rounds, then the reproductions and the seconds in all"
	printf "%-22s %-13s %-34s %-34s %s\n", "scenario", "oracle", "injected: /s (repros in s)", "stress: /s (repros in s)", "ratio"
	for (i = 1; i <= nkeys; i++) {
		split(order[i], p, SUBSEP)
		if (p[1] != "race" || p[3] != "injected")
			continue
		inj = order[i]
		st = p[1] SUBSEP p[2] SUBSEP "stress"
		line = sprintf("%-22s %-13s ", p[2], txt[inj SUBSEP "oracle"])
		if ((inj SUBSEP "why") in txt) {
			print line "n/a: " txt[inj SUBSEP "why"]
			continue
		}
		ri = race_total(inj)
		line = line sprintf("%-34s ", range(inj SUBSEP "rate", "%.2f") " (" TXT ")")
		if ((st SUBSEP "why") in txt) {
			print line "stress n/a: " txt[st SUBSEP "why"]
			continue
		}
		rs = race_total(st)
		line = line sprintf("%-34s ", range(st SUBSEP "rate", "%.2f") " (" TXT ")")
		if (rs > 0) {
			race_ratio[inj] = sprintf("%.4g", ri / rs)
			line = line sprintf("x%.3g", ri / rs)
		} else if (ri > 0) {
			# had the stress loop reproduced it once, the ratio would be this
			race_ratio[inj] = "null"
			line = line sprintf("> x%.3g (stress 0 in %.0f s)", ri * STS, STS)
		}
		print line
	}
	print ""
}
# The reproductions per second in all of KEY's rounds; TXT "R in S s".
function race_total(key,    r, s) {
	r = stats(key SUBSEP "repros") ? SUM : 0
	s = stats(key SUBSEP "seconds") ? SUM : 0
	STS = s
	TXT = sprintf("%d in %.1f s", r, s)
	return s > 0 ? r / s : 0
}

function simple_rows(section, title, metric, fmt, unitname, extra,    i, p, key) {
	print title
	printf "%-20s %-22s %-30s %s\n", "row", "configuration", unitname, extra
	for (i = 1; i <= nkeys; i++) {
		split(order[i], p, SUBSEP)
		if (p[1] != section)
			continue
		key = order[i]
		if ((key SUBSEP "note") in txt && !stats(key SUBSEP metric)) {
			printf "%-20s %-22s %s\n", p[2], p[3], txt[key SUBSEP "note"]
			continue
		}
		printf "%-20s %-22s %-30s %s\n", p[2], p[3], range(key SUBSEP metric, fmt), extra_col(section, key)
	}
	print ""
}
function extra_col(section, key) {
	if (section == "sweep")
		return range(key SUBSEP "seconds", "%.2f") " s, " (stats(key SUBSEP "runs") ? num(MED) : "?") " runs"
	if (section == "memory")
		return range(key SUBSEP "maxrss_kib", "%.0f") "   x" (stats(key SUBSEP "ratio") ? sprintf("%.2f", MED) : "?")
	if (section == "explore" && (key SUBSEP "oracle") in txt)
		return txt[key SUBSEP "oracle"] ", run " (stats(key SUBSEP "runs_to_first") ? num(MED) : "?") " of " (stats(key SUBSEP "runs") ? num(MED) : "?") \
			", " (stats(key SUBSEP "findings") ? num(MED) : "?") " finding(s) in " txt[key SUBSEP "budget"]
	return ""
}

END {
	unit["calls"] = "ns/op"; unit["race"] = "reproductions/s"; unit["sweep"] = "runs/s"; unit["memory"] = "KiB"; unit["explore"] = "s"
	nmetrics = split("ns ns_cpu ns_wall ratio faults goal rate repros runs seconds runs_per_s hwm_kib maxrss_kib runs_to_first findings budget what why note oracle cmd clock against", metrics, " ")
	for (i = 1; i <= nkeys; i++) {
		split(order[i], p, SUBSEP)
		has[p[1]] = 1
	}
	printf "forkchaos make bench, %s: %s; %d rounds, %d s\n\n", date, machine, rounds, secs
	if (csv != "" && has["calls"])
		print "call,shim_ns,plain_ns,ratio,ratio_min,ratio_max" > csv
	if (has["calls"])
		calls_rows()
	if (has["race"])
		race_rows()
	if (has["sweep"])
		simple_rows("sweep", "Sweep throughput: runs per second [min-max], the sweep's seconds [min-max], its runs", "runs_per_s", "%.1f", "runs/s", "seconds, runs")
	if (has["explore"])
		simple_rows("explore", "Explore: seconds to the first finding per library (no plan; ffdriver workload; -j 2, seed 1), median [min-max]\nof the rounds; the finding found first: its oracle, the run that found it of the runs in the budget", "seconds", "%.2f", "s", "first finding: oracle, run of runs, findings")
	if (has["memory"])
		simple_rows("memory", "Memory: peak RSS of a small target (callcost rss): VmHWM KiB [min-max]; ru_maxrss (/usr/bin/time %M)", "hwm_kib", "%.0f", "VmHWM KiB", "maxrss KiB, ratio")
	if (json == "")
		exit
	printf "{\"bench\":\"forkchaos\",\"date\":%s,\"machine\":%s,\"rounds\":%d,\"seconds\":%d,\"rows\":[", jstr(date), jstr(machine), rounds, secs > json
	for (i = 1; i <= nkeys; i++)
		printf "%s\n%s", (i > 1 ? "," : ""), json_row(order[i]) > json
	print "]}" > json
}

# latency.awk: latency.csv (config,latency_ns) -> per configuration a data
# block of its empirical CDF (latency in µs, fraction of children at or
# below it), and its p50 and p99 (nearest rank: the smallest latency with
# at least that fraction of children at or below it) in the legend;
# vars: n, title1..titlen.  Exit 3: no rows.
function sift(a, i, len,    c, t) {
	while ((c = 2 * i) <= len) {
		if (c < len && a[c + 1] > a[c])
			c++
		if (a[i] >= a[c])
			return
		t = a[i]
		a[i] = a[c]
		a[c] = t
		i = c
	}
}
function sort_numbers(a, len,    i, t) { # heapsort: awk has no sort of its own
	for (i = int(len / 2); i >= 1; i--)
		sift(a, i, len)
	for (i = len; i > 1; i--) {
		t = a[1]
		a[1] = a[i]
		a[i] = t
		sift(a, 1, i - 1)
	}
}
function rank(len, p,    r) {
	r = int(p * len)
	if (r < p * len)
		r++
	return r < 1 ? 1 : r
}
function us(ns) {
	return ns >= 100000 ? sprintf("%.0f", ns / 1000) : sprintf("%.1f", ns / 1000)
}
{
	if ((n = csv_record(f)) < 0)
		next
	k = group(csv_get(f, "config"))
	values[k, ++count[k]] = csv_get(f, "latency_ns") + 0
}
END {
	if (!groups)
		exit 3
	print "n = " groups > vars
	for (k = 1; k <= groups; k++) {
		len = count[k]
		for (i = 1; i <= len; i++)
			v[i] = values[k, i]
		sort_numbers(v, len)
		for (i = 1; i <= len; i++)
			printf "%.3f %.6f\n", v[i] / 1000, i / len > data
		printf "\n\n" > data
		print "title" k " = " gp_str(sprintf("%s (n %d): p50 %s µs, p99 %s µs", group_name[k], len, us(v[rank(len, 0.5)]), us(v[rank(len, 0.99)]))) > vars
	}
}

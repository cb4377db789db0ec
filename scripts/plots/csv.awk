# csv.awk: the CSV reader every plot's preparation shares (awk -f csv.awk
# -f NAME.awk).  The results folder's CSVs quote fields that hold commas,
# quotes or newlines (details, reproducing commands), so a field split on
# ',' is not enough.  csv_record(f) puts the fields of the current record
# in f[1..n] and returns n, or -1 while a quoted field goes on to the next
# line; the first record of each file is its header: csv_col["name"] is
# then that column's index (0: the file has none).

function csv_split(s, f,    n, i, c, field, quoted) {
	n = 0
	field = ""
	quoted = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (quoted) {
			if (c != "\"")
				field = field c
			else if (substr(s, i + 1, 1) == "\"") {
				field = field c
				i++
			} else
				quoted = 0
		} else if (c == "\"")
			quoted = 1
		else if (c == ",") {
			f[++n] = field
			field = ""
		} else
			field = field c
	}
	if (quoted)
		return -1
	f[++n] = field
	return n
}

function csv_record(f,    n, i, rec) {
	if (FNR == 1) {
		csv_pending = ""
		csv_header = 1
		for (i in csv_col)
			delete csv_col[i]
	}
	sub(/\r$/, "")
	rec = csv_pending == "" ? $0 : csv_pending "\n" $0
	n = csv_split(rec, f)
	if (n < 0) {
		csv_pending = rec
		return -1
	}
	csv_pending = ""
	if (csv_header) {
		csv_header = 0
		for (i = 1; i <= n; i++)
			csv_col[f[i]] = i
		return -1
	}
	return n
}

# A field by column name ("" when the file has no such column).
function csv_get(f, name) {
	return (name in csv_col) ? f[csv_col[name]] : ""
}

# The index of KEY among the keys met so far, in the order first met (a
# new one: the next); group_name[i] is the i-th key, groups their count.
function group(key) {
	if (!(key in group_of)) {
		group_of[key] = ++groups
		group_name[groups] = key
	}
	return group_of[key]
}

# A string as a gnuplot single-quoted literal ('' is a quote inside one).
function gp_str(s) {
	gsub(/'/, "''", s)
	return "'" s "'"
}

# libffd.so -> fixed, .../libffd-NAME.so -> NAME: the labels of leak.csv.
function lib_label(path,    base) {
	base = path
	sub(/.*\//, "", base)
	if (base ~ /^libffd\.so/)
		return "fixed"
	sub(/^libffd-/, "", base)
	sub(/\.so.*$/, "", base)
	return base
}

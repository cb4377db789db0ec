# leak.awk: leak.csv (library,cycle,fds,children,zombies) -> one data block
# per library (cycle fds children zombies), in the order the libraries
# first appear; vars: n, lib1..libn.  Exit 3: no rows.
{
	if ((n = csv_record(f)) < 0)
		next
	k = group(csv_get(f, "library"))
	rows[k] = rows[k] csv_get(f, "cycle") " " csv_get(f, "fds") " " csv_get(f, "children") " " csv_get(f, "zombies") "\n"
}
END {
	if (!groups)
		exit 3
	for (k = 1; k <= groups; k++)
		printf "%s\n\n", rows[k] > data
	print "n = " groups > vars
	for (k = 1; k <= groups; k++)
		print "lib" k " = " gp_str(group_name[k]) > vars
}

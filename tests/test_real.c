/* Real targets, code nobody here wrote (scenarios/libuv/, scenarios/real/):
 * an XFAIL is a detection (without its injection it XPASSes; each fails
 * by the oracle it names first), the findings section of the report, the
 * summary of a trace of a real program (CPython's subprocess) and of our
 * probe, and what running CPython under the shim once broke. */
#include "check_scenario.h"

TestSuite(real, .fini = remove_dir);

#define FOREIGN "scenarios/libuv/uv-foreign-reaper.scn"

/* forkchaos check -j 2 --out DIR/results ARGS... (paths relative to the
 * tree the tests run from) */
static int check_paths(const char *const args[])
{
	const char *argv[64] = { fc_build_path("forkchaos"), "check", "-j", "2", "--out", out_dir() };
	int n = 6;
	for (int i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return fc_exec(&r, (char *const *)argv);
}

/* SRC copied into the test's folder as NAME, less its lines starting
 * with DROP (NULL: none). */
static const char *copy_without(const char *src, const char *name, const char *drop)
{
	char line[1024];
	FILE *in = fopen(src, "r"), *out = fopen(in_dir(name), "w");
	cr_assert(in && out, "cannot copy %s", src);
	while (fgets(line, sizeof line, in))
		if (!drop || strncmp(line, drop, strlen(drop)))
			fputs(line, out);
	fclose(in);
	fclose(out);
	return in_dir(name);
}

Test(real, xfail_libuv_scenario_fails_with_its_injection, .timeout = 60)
{
	cr_assert_eq(check_paths((const char *const[]){ FOREIGN, NULL }), 0, "out: %s\nerr: %s", r.out, r.err);
	cr_expect(fc_line(r.out, "XFAIL uv-foreign-reaper"), "out: %s", r.out);
	cr_expect(strstr(r.out, "detected: [status] child 1: exit status never delivered"), "out: %s", r.out);
}

Test(real, xfail_libuv_scenario_without_its_injection_xpasses, .timeout = 60)
{
	const char *bare = copy_without(FOREIGN, "uv-foreign-reaper.scn", "plan:");
	cr_assert_eq(check_paths((const char *const[]){ bare, NULL }), 1, "out: %s\nerr: %s", r.out, r.err);
	cr_expect(fc_line(r.out, "XPASS uv-foreign-reaper"), "the detection is the plan's doing: %s", r.out);
	cr_expect(strstr(r.out, "0 xfail, 1 xpass"), "out: %s", r.out);
}

/* Every scenario expected to fail fails by the first oracle of its check:
 * line, not by another (a harness error or a timeout would be an XFAIL
 * too, and hide that the detection broke). */
Test(real, every_xfail_fails_by_the_oracle_it_names_first, .timeout = 120)
{
	const char *find[] = { "/bin/sh", "-c", "grep -l '^expect: *xfail' scenarios/libuv/*.scn scenarios/real/*.scn", NULL };
	static struct fc_result found;
	cr_assert_eq(fc_exec(&found, (char *const *)find), 0, "%s", found.err);
	const char *args[48];
	int n = 0;
	for (char *p = strtok(found.out, "\n"); p && n < 47; p = strtok(NULL, "\n"))
		args[n++] = p;
	args[n] = NULL;
	cr_assert_gt(n, 5, "the xfail scenarios: %d", n);
	cr_assert_eq(check_paths(args), 0, "out: %s\nerr: %s", r.out, r.err);
	char verdicts[512];
	snprintf(verdicts, sizeof verdicts, "%s/latest/verdicts.csv", out_dir());
	const char *py[] = {
		"/usr/bin/python3", "-c",
		"import csv, glob, re, sys\n"
		"first = {}\n"
		"for f in glob.glob('scenarios/libuv/*.scn') + glob.glob('scenarios/real/*.scn'):\n"
		"    text = open(f).read()\n"
		"    name = re.search(r'^name: *(\\S+)', text, re.M).group(1)\n"
		"    first[name] = re.search(r'^check: *(\\S+)', text, re.M).group(1)\n"
		"for row in csv.DictReader(open(sys.argv[1])):\n"
		"    ok = row['state'] == 'XFAIL' and row['oracle'] == first[row['scenario']]\n"
		"    print(('ok ' if ok else 'WRONG ') + row['scenario'], row['state'], row['oracle'], first[row['scenario']])\n",
		verdicts, NULL
	};
	static struct fc_result q;
	cr_assert_eq(fc_exec(&q, (char *const *)py), 0, "%s", q.err);
	cr_expect_eq(fc_count_prefix(q.out, "ok "), n, "%s", q.out);
	cr_expect(!strstr(q.out, "WRONG"), "%s", q.out);
}

/* forkchaos report on the test's latest results folder: its report.md. */
static const char *report_md(void)
{
	static char md[200000];
	char folder[512], path[600];
	snprintf(folder, sizeof folder, "%s/latest", out_dir());
	const char *argv[] = { fc_build_path("forkchaos"), "report", folder, NULL };
	static struct fc_result rep;
	cr_assert_lt(fc_exec(&rep, (char *const *)argv), 2, "%s", rep.err);
	snprintf(path, sizeof path, "%s/report.md", folder);
	FILE *f = fopen(path, "r");
	cr_assert(f, "no %s", path);
	md[fread(md, 1, sizeof md - 1, f)] = 0;
	fclose(f);
	return md;
}

Test(real, report_shows_findings_under_the_targets_name_with_plan_and_command, .timeout = 60)
{
	cr_assert_eq(check_paths((const char *const[]){ FOREIGN, "scenarios/libuv/uv-spawn.scn",
							"scenarios/real/python-popen-pipe2-emfile.scn", NULL }),
		     0, "out: %s", r.out);
	const char *md = report_md(), *libuv = strstr(md, "### libuv"), *python = strstr(md, "### CPython");
	cr_assert(strstr(md, "## Findings by target") && libuv && python, "%s", md);
	cr_expect(strstr(libuv, "**uv-foreign-reaper**: known behaviour of the target (XFAIL"), "%s", libuv);
	cr_expect(strstr(libuv, "detected by `status`: child 1: exit status never delivered"), "%s", libuv);
	cr_expect(strstr(libuv, "plan `waitpid:lib=libuv:signal=SIGUSR2`"), "%s", libuv);
	cr_expect(strstr(libuv, "--check status --plan waitpid:lib=libuv:signal=SIGUSR2"), "the command: %s", libuv);
	cr_expect(strstr(libuv, "Tried and held:") && strstr(libuv, "**uv-spawn** `no fault`"), "%s", libuv);
	cr_expect(strstr(python, "**python-popen-pipe2-emfile**: a bug of the target (XFAIL"), "%s", python);
	cr_expect(strstr(python, "detected by `fds`"), "%s", python);
}

Test(real, report_of_libffd_scenarios_has_no_findings_section, .timeout = 60)
{
	cr_assert_eq(check_paths((const char *const[]){ "scenarios/spawn.scn", NULL }), 0, "out: %s", r.out);
	cr_expect(!strstr(report_md(), "Findings by target"), "libffd is ours, not a target's");
}

/* forkchaos run --trace T -- ARGV..., then forkchaos trace T: r.out */
static void traced_summary(const char *const argv[])
{
	const char *run[24] = { fc_build_path("forkchaos"), "run", "--trace", in_dir("t.jsonl"), "--" };
	int n = 5;
	for (int i = 0; argv[i] && n < 23; i++)
		run[n++] = argv[i];
	run[n] = NULL;
	cr_assert_eq(fc_exec(&r, (char *const *)run), 0, "%s", r.err);
	const char *sum[] = { fc_build_path("forkchaos"), "trace", in_dir("t.jsonl"), NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)sum), 0, "%s", r.err);
}

#define HAS(text, a, b) (strstr(text, a) && strstr(strstr(text, a), b))

Test(real, python_subprocess_trace_summary_names_each_child_its_site_and_reaping, .timeout = 60)
{
	if (access("/usr/bin/python3", X_OK))
		cr_skip_test("no /usr/bin/python3");
	traced_summary((const char *const[]){ "/usr/bin/python3", "-c",
					      "import subprocess; subprocess.run(['/bin/true']); "
					      "subprocess.run(['/bin/sh', '-c', 'trap : CHLD; exit 3'])",
					      NULL });
	const char *children = strstr(r.out, "\nchildren (2 made, 2 reaped, 0 never reaped)");
	cr_assert(children, "%s", r.out);
	/* the vfork child's own line has no site; its parent's vfork line has */
	cr_expect(HAS(children, "vfork      at python3", "exited:0"), "%s", children);
	cr_expect(HAS(children, "vfork      at python3", "exited:3"), "%s", children);
	cr_expect(!strstr(children, "at ?"), "%s", children);
	cr_expect(HAS(r.out, "/usr/bin/true", "reaped by"), "%s", r.out);
	cr_expect(strstr(r.out, "\nnot seen: the calls glibc makes inside fork, posix_spawn"), "%s", r.out);
	/* by whom: dash's trap installs a handler */
	const char *sigchld = strstr(r.out, "\nSIGCHLD dispositions");
	cr_assert(sigchld, "%s", r.out);
	cr_expect(HAS(sigchld, "dash       sigaction", "-> dash+0x"), "%s", sigchld);
}

Test(real, system_children_are_known_by_their_exec_line_only, .timeout = 60)
{
	if (access("/usr/bin/python3", X_OK))
		cr_skip_test("no /usr/bin/python3");
	/* os.system is libc's system(): its clone and wait4 are glibc's own */
	traced_summary((const char *const[]){ "/usr/bin/python3", "-c", "import os; os.system('exit 0')", NULL });
	cr_expect(strstr(r.out, "children (0 made, 0 reaped, 0 never reaped):\n  1 process of the trace made by no call in it"),
		  "%s", r.out);
	cr_expect(HAS(r.out, "processes (2,", "/usr/bin/dash -c 'exit 0'"), "%s", r.out);
}

Test(real, summary_of_a_syscall_level_trace_says_both_levels_were_seen, .timeout = 60)
{
	traced_summary((const char *const[]){ fc_build_path("targets/probe"), "spawn", NULL });
	cr_expect(strstr(r.out, "\nnot seen: the calls glibc makes inside"), "entry points only: %s", r.out);
	const char *run[] = {
		fc_build_path("forkchaos"),     "run",   "--trace", in_dir("s.jsonl"), "--plan", "sys_clone3:delay=1ms", "--",
		fc_build_path("targets/probe"), "spawn", NULL
	};
	cr_assert_eq(fc_exec(&r, (char *const *)run), 0, "%s", r.err);
	const char *sum[] = { fc_build_path("forkchaos"), "trace", in_dir("s.jsonl"), NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)sum), 0, "%s", r.err);
	if (strstr(r.out, "\nnot seen: "))
		cr_skip_test("no syscall level here (seccomp user notification): %s", r.out);
	cr_expect(strstr(r.out, "\nseen at two levels: the entry points, and the syscalls the plan names"), "%s", r.out);
	cr_expect(strstr(r.out, "\n  here: 1 posix_spawn; each call, its result and its child are in the trace\n"), "%s", r.out);
}

Test(real, probe_fork_summary_says_what_was_injected_where, .timeout = 30)
{
	const char *run[] = { fc_build_path("forkchaos"),
			      "run",
			      "--explain",
			      "--plan",
			      "pipe2:when=2:error=EMFILE",
			      "--",
			      fc_build_path("targets/probe"),
			      "fork",
			      "2",
			      "2",
			      NULL };
	cr_assert_eq(fc_exec(&r, (char *const *)run), 0, "%s", r.err);
	cr_expect(strstr(r.err, "\ninjected (2 times at 1 site):\n        2  rule 1   pipe2            do_fork"), "%s", r.err);
	cr_expect(strstr(r.err, "error=EMFILE  (n=2)"), "%s", r.err);
	cr_expect(strstr(r.err, "children (2 made, 2 reaped, 0 never reaped)"), "%s", r.err);
	cr_expect(strstr(r.err, "here: 2 fork; each call, its result and its child are in the trace"), "%s", r.err);
	cr_expect(HAS(r.err, "fork       at do_fork", "reaped by"), "%s", r.err);
}

Test(real, probe_vfork_child_gets_its_parents_vfork_site, .timeout = 30)
{
	traced_summary((const char *const[]){ fc_build_path("targets/probe"), "vfork", NULL });
	const char *children = strstr(r.out, "\nchildren (1 made, 1 reaped");
	cr_assert(children, "%s", r.out);
	cr_expect(strstr(children, "vfork      at ") && !strstr(children, "at ?"), "%s", children);
}

/* Python's vfork child sets every handler back to SIG_DFL before exec; the
 * shim once let that reset clear its parent's record, and the parent's
 * next SIGCHLD was dropped: this script then waits forever. */
Test(real, python_sigchld_handler_survives_its_vfork_childs_reset, .timeout = 60)
{
	if (access("/usr/bin/python3", X_OK))
		cr_skip_test("no /usr/bin/python3");
	const char *run[] = {
		fc_build_path("forkchaos"),        "run", "--timeout", "20s", "--check", "chained", "--", "/usr/bin/python3",
		"scenarios/real/py_wait_eintr.py", NULL
	};
	cr_expect_eq(fc_exec(&r, (char *const *)run), 0, "out: %s\nerr: %s", r.out, r.err);
	cr_expect(fc_line(r.out, "first exited 3 second exited 0"), "out: %s", r.out);
}

/* forkchaos sweep on syscall-level sites (issue 13): --calls sys_NAME makes
 * the clean run trap and trace those syscalls wherever they are made (a
 * static binary's, the clone inside glibc's fork()), each site named from
 * the trapped call's instruction pointer, and every run of the list
 * selects its site and occurrence as the layer counts them. */
#include "test_sweep_util.h"

static void cleanup(void)
{
	remove_dir();
}

TestSuite(sweep_sys, .fini = cleanup);

/* static_pipe sweep: two pipe2 in libc's pipe2, the first failure handled
 * (exit 1), the second not (abort) */
static const char *const static_args[] = {
	"--calls", "sys_pipe2", "--errnos", "EMFILE", "--", NULL, "sweep", NULL,
};

static int sweep_static(const char *out)
{
	const char *args[sizeof static_args / sizeof static_args[0]];
	memcpy(args, static_args, sizeof args);
	args[5] = fc_build_path("targets/static_pipe");
	return sweep_into(out, args);
}

Test(sweep_sys, static_binary_lists_its_pipe2_site_via_syscall, .timeout = 120)
{
	cr_assert_eq(sweep_static("static"), 1, "out: %s\nerr: %s", r.out, r.err);
	char *sites = slurp("static", "sites.csv");
	/* both calls, one site (the function that made them), most 2: when=2 is reached */
	cr_expect(strstr(sites, "\nsys_pipe2:caller=pipe2:via=syscall,sys_pipe2,pipe2,parent,2,2,"), "sites: %s", sites);
	free(sites);
	char *trace = slurp("static", "baseline/trace.jsonl");
	cr_expect(strstr(trace, "\"call\":\"sys_pipe2\"") && strstr(trace, "\"site\":\"static_pipe+0x"), "trace: %s", trace);
	free(trace);
}

Test(sweep_sys, static_binary_rows_inject_and_judge_each_occurrence, .timeout = 120)
{
	cr_assert_eq(sweep_static("rows"), 1, "out: %s\nerr: %s", r.out, r.err);
	const char *first[] = {
		"\"n\":1,", "\"action\":\"when=1:error=EMFILE\"", "\"outcome\":\"handled\"", "\"exit\":1,", "\"injected\":1", NULL
	};
	const char *second[] = { "\"n\":2,", "\"outcome\":\"crash\"", "\"injected\":1", NULL };
	cr_expect_eq(rows_with("rows", first), 1, "out: %s", slurp("rows", "outcomes.jsonl"));
	cr_expect_eq(rows_with("rows", second), 1, "out: %s", slurp("rows", "outcomes.jsonl"));
	cr_expect(strstr(r.out, "FAIL  crash at sys_pipe2:caller=pipe2:via=syscall"), "out: %s", r.out);
}

Test(sweep_sys, static_binary_row_reproduces_the_injected_emfile, .timeout = 120)
{
	char line[8192];
	cr_assert_eq(sweep_static("repro"), 1, "out: %s\nerr: %s", r.out, r.err);
	cr_assert(row_value("repro", "\"outcome\":\"handled\"", "reproduce", line, sizeof line), "rows: %s",
		  slurp("repro", "outcomes.jsonl"));
	cr_expect(strstr(line, "--plan sys_pipe2:caller=pipe2:via=syscall:when=1:error=EMFILE"), "line: %s", line);
	const char *sh[] = { "/bin/sh", "-c", line, NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)sh), 1, "line: %s\nerr: %s", line, r.err);
	cr_expect(fc_line(r.out, "static pipe2 1 EMFILE"), "the target did not see EMFILE: %s", r.out);
}

/* fork() makes its clone inside libc (_Fork), out of an entry-point
 * rule's reach: the site is libc's, and when=2 is the second fork */
Test(sweep_sys, dynamic_fork_lists_the_clone_site_inside_libc, .timeout = 120)
{
	const char *args[] = { "--calls", "sys_clone", "--errnos", "EAGAIN", "--", fc_build_path("targets/syslayer"),
			       "fork",    "2",         NULL };
	cr_assert_eq(sweep_into("clone", args), 0, "out: %s\nerr: %s", r.out, r.err);
	char *trace = slurp("clone", "baseline/trace.jsonl");
	cr_expect(strstr(trace, "\"call\":\"sys_clone\"") && strstr(trace, "\"site\":\"libc.so.6+0x") &&
			  strstr(trace, "\"via\":\"syscall\""),
		  "trace: %s", trace);
	free(trace);
	const char *libc_site[] = { "\"call\":\"sys_clone\"", ":via=syscall\"", "\"injected\":1", NULL };
	const char *main_site[] = { "\"caller\":\"main\"", NULL };
	cr_expect_eq(rows_with("clone", libc_site), 2, "rows: %s", slurp("clone", "outcomes.jsonl"));
	cr_expect_eq(rows_with("clone", main_site), 0, "rows: %s", slurp("clone", "outcomes.jsonl"));
	char line[8192];
	cr_assert(row_value("clone", "\"n\":2,", "reproduce", line, sizeof line));
	const char *sh[] = { "/bin/sh", "-c", line, NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)sh), 0, "line: %s\nerr: %s", line, r.err);
	cr_expect(fc_line(r.out, "fork 1 OK") && fc_line(r.out, "fork 2 -1 EAGAIN"), "line: %s\nout: %s", line, r.out);
}

/* Without --calls naming a syscall the clean run arms nothing: a sweep of
 * the entry points costs what it did. */
Test(sweep_sys, entry_point_calls_arm_no_syscall, .timeout = 120)
{
	const char *args[] = { "--calls", "fork", "--errnos", "EAGAIN", "--max-n", "1", "--", fc_build_path("targets/syslayer"),
			       "fork",    "1",    NULL };
	cr_assert_eq(sweep_into("entry", args), 0, "out: %s\nerr: %s", r.out, r.err);
	char *trace = slurp("entry", "baseline/trace.jsonl");
	cr_expect(!strstr(trace, "\"via\":\"syscall\""), "trace: %s", trace);
	free(trace);
	char *sites = slurp("entry", "sites.csv");
	cr_expect(strstr(sites, "\nfork:caller=sub_fork,") || strstr(sites, "\nfork:caller=forks,"), "sites: %s", sites);
	free(sites);
}

/* Where no symbol names a syscall's place, a sweep's rule names its site
 * (caller=OBJECT+0xOFF, the trace's "site"): the layer selects the call
 * by it as the shim does a call site. */
Test(sweep_sys, trace_site_selects_the_trapped_call, .timeout = 60)
{
	const char *trace = in_dir("site.jsonl");
	const char *first[] = {
		fc_build_path("forkchaos"),           "run", "--trace", trace, "--plan", "sys_pipe2:proc=any", "--",
		fc_build_path("targets/static_pipe"), NULL
	};
	cr_assert_eq(fc_exec(&r, (char *const *)first), 0, "err: %s", r.err);
	FILE *f = fopen(trace, "r");
	char text[8192] = "", site[128] = "", plan[256];
	if (f) {
		text[fread(text, 1, sizeof text - 1, f)] = 0;
		fclose(f);
	}
	const char *at = strstr(text, "\"site\":\"static_pipe+0x");
	cr_assert(at && sscanf(at, "\"site\":\"%127[^\"]\"", site) == 1, "trace: %s", text);
	snprintf(plan, sizeof plan, "sys_pipe2:caller=%s:error=EMFILE", site);
	const char *hit[] = {
		fc_build_path("forkchaos"), "run", "--plan", plan, "--", fc_build_path("targets/static_pipe"), NULL
	};
	cr_assert_eq(fc_exec(&r, (char *const *)hit), 0, "%s: err: %s", plan, r.err);
	cr_expect(fc_line(r.out, "static pipe2 -1"), "%s: out: %s", plan, r.out);
	/* one byte off is another site */
	site[strlen(site) - 1] = site[strlen(site) - 1] == '0' ? '1' : '0';
	snprintf(plan, sizeof plan, "sys_pipe2:caller=%s:error=EMFILE", site);
	cr_assert_eq(fc_exec(&r, (char *const *)hit), 0, "%s: err: %s", plan, r.err);
	cr_expect(fc_line(r.out, "static pipe2 0"), "%s: out: %s", plan, r.out);
}

/* explore's clean run arms the same rule: its points at the syscall level
 * get only what the layer can do (before the call: error, signal, delay),
 * and its finding's plan still says via=syscall once minimized. */
Test(sweep_sys, explore_finds_the_static_binarys_crash_at_its_syscall_site, .timeout = 120)
{
	const char *args[] = { "--calls", "sys_pipe2", "--", fc_build_path("targets/static_pipe"), "sweep", NULL };
	cr_assert_eq(command_into("explore", "explore", args), 1, "out: %s\nerr: %s", r.out, r.err);
	cr_expect(strstr(r.out, " 0 errors"), "a perturbation the layer refuses was tried: %s", r.out);
	char *findings = slurp("explore", "findings.csv");
	cr_expect(
		strstr(findings, ",crash,critical,sys_pipe2:caller=pipe2:via=syscall,sys_pipe2:via=syscall:when=2:error=EMFILE,"),
		"findings: %s", findings);
	free(findings);
	char *points = slurp("explore", "points.csv");
	cr_expect(strstr(points, "\n1,sys_pipe2:caller=pipe2:via=syscall,sys_pipe2,pipe2,parent,1,") &&
			  strstr(points, "\n2,sys_pipe2:caller=pipe2:via=syscall,sys_pipe2,pipe2,parent,2,"),
		  "points: %s", points);
	free(points);
}

/* A static program whose plan the layer reaches, with a shim oracle named:
 * refused, exit 2, saying which oracle needs the shim and which can be
 * named instead (not only "statically linked"). */
Test(sweep_sys, static_binary_with_a_shim_oracle_named_says_which_to_name, .timeout = 60)
{
	char *const argv[] = { (char *)fc_build_path("forkchaos"),
			       "run",
			       "--check",
			       "fds,strays",
			       "--plan",
			       "sys_pipe2:when=99:error=EMFILE",
			       "--",
			       (char *)fc_build_path("targets/static_pipe"),
			       "sweep",
			       NULL };
	cr_assert_eq(fc_exec(&r, argv), 2, "out: %s\nerr: %s", r.out, r.err);
	cr_expect(strstr(r.err, "--check fds: computed inside the process by the shim") &&
			  strstr(r.err, "name only oracles judged from outside (") && strstr(r.err, "strays"),
		  "err: %s", r.err);
	cr_expect(!strstr(r.out, "static pipe2"), "it ran: %s", r.out);
}

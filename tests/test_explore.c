/* forkchaos explore on the small targets, each a broken program and its
 * sound twin, with no plan given: it finds the spawner's leak and the
 * component's lost handler, and nothing in the twins; a program that
 * does not tolerate a missing syscall differs; the results folder, the
 * report section, an interrupt and --resume, bad options. */
#include "test_explore_util.h"

static const char *target(const char *name)
{
	char path[64];
	snprintf(path, sizeof path, "targets/%s", name);
	return fc_build_path(path);
}

Test(explore, finds_the_leak_of_the_leaky_spawner, .timeout = 120)
{
	const char *args[] = { "--", target("spawner"), "leaky", "3", NULL };
	cr_assert_eq(explore_into("leaky", args), 1, "out: %s err: %s", r.out, r.err);
	const char *leak[] = { "\"oracle\":\"fds\"",    "\"site\":\"fork:caller=main\"",
			       "made by pipe2 at main", "\"confirmed\":\"5/5\"",
			       "\"rules\":1",           NULL };
	cr_expect(has_finding("leaky", leak), "findings: %s", explore_file("leaky", "findings.jsonl"));
	cr_expect(strstr(r.out, "FINDING 1  fds (high) at fork:caller=main"), "out: %s", r.out);
}

Test(explore, finds_nothing_in_the_tidy_spawner, .timeout = 120)
{
	const char *args[] = { "--", target("spawner"), "tidy", "3", NULL };
	cr_expect_eq(explore_into("tidy", args), 0, "out: %s err: %s", r.out, r.err);
	cr_expect_eq(findings_of("tidy"), 0, "findings: %s", explore_file("tidy", "findings.jsonl"));
}

Test(explore, finds_the_lost_handler_of_the_replacing_component, .timeout = 120)
{
	const char *args[] = { "--", target("sigchld_components"), "replace", NULL };
	cr_assert_eq(explore_into("replace", args), 1, "out: %s err: %s", r.out, r.err);
	const char *lost[] = { "\"oracle\":\"chained\"", "app_handler is lost", NULL };
	cr_expect(has_finding("replace", lost), "findings: %s", explore_file("replace", "findings.jsonl"));
}

Test(explore, finds_nothing_in_the_chaining_component, .timeout = 120)
{
	const char *args[] = { "--", target("sigchld_components"), "chain", NULL };
	cr_expect_eq(explore_into("chain", args), 0, "out: %s err: %s", r.out, r.err);
	cr_expect_eq(findings_of("chain"), 0, "findings: %s", explore_file("chain", "findings.jsonl"));
}

/* The component that reads its predecessor and never calls it loses the
 * application's handler in the clean run already: a finding with no plan. */
Test(explore, finds_the_handler_read_and_never_called, .timeout = 120)
{
	const char *args[] = { "--", target("sigchld_components"), "ignore-pred", NULL };
	cr_assert_eq(explore_into("ignore", args), 1, "out: %s err: %s", r.out, r.err);
	const char *lost[] = { "\"oracle\":\"chained\"", "\"site\":\"\"",
			       "read its predecessor app_handler and returned without calling it", NULL };
	cr_expect(has_finding("ignore", lost), "findings: %s", explore_file("ignore", "findings.jsonl"));
}

/* The handler that saves and restores errno around its failing call:
 * nothing, where its clobbering twin fails errno. */
Test(explore, finds_nothing_in_the_handler_saving_errno, .timeout = 120)
{
	const char *args[] = { "--", target("sigchld_components"), "save-errno", NULL };
	cr_expect_eq(explore_into("save", args), 0, "out: %s err: %s", r.out, r.err);
	cr_expect_eq(findings_of("save"), 0, "findings: %s", explore_file("save", "findings.jsonl"));
	const char *twin[] = { "--", target("sigchld_components"), "clobber", NULL };
	cr_expect_eq(explore_into("clobber", twin), 1, "out: %s err: %s", r.out, r.err);
	const char *errno_fail[] = { "\"oracle\":\"errno\"", "component_handler returned with errno changed", NULL };
	cr_expect(has_finding("clobber", errno_fail), "findings: %s", explore_file("clobber", "findings.jsonl"));
}

/* The torn twin keeps window 1 open: a signal inside its install is what
 * finds it (the order puts signal-setup calls first). */
Test(explore, finds_the_torn_window_with_a_signal_inside_the_install, .timeout = 120)
{
	const char *args[] = { "--", target("sigchld_components"), "torn", NULL };
	cr_assert_eq(explore_into("torn", args), 1, "out: %s err: %s", r.out, r.err);
	const char *torn[] = { "\"oracle\":\"chained\"", "at=inside", "signal=SIGCHLD", "returned without calling it", NULL };
	cr_expect(has_finding("torn", torn), "findings: %s", explore_file("torn", "findings.jsonl"));
}

/* A missing syscall is something a correct program tolerates: the one
 * that does not (no fallback) differs from its clean run, its twin not. */
Test(explore, a_program_without_a_fallback_for_a_missing_syscall_differs, .timeout = 120)
{
	const char *args[] = { "--calls", "%proc", "--", target("perturb"), "nosys", NULL };
	cr_assert_eq(explore_into("nosys", args), 1, "out: %s err: %s", r.out, r.err);
	const char *differs[] = { "\"oracle\":\"differs\"", "\"plan\":\"sys_pidfd_open:error=ENOSYS\"", "--expect 0:", NULL };
	cr_expect(has_finding("nosys", differs), "findings: %s", explore_file("nosys", "findings.jsonl"));
	const char *twin[] = { "--calls", "%proc", "--", target("perturb"), "nosys-fallback", NULL };
	cr_expect_eq(explore_into("fallback", twin), 0, "out: %s err: %s", r.out, r.err);
}

/* RUN's number in the line LINE of outcomes.jsonl, and whether it holds NEEDLE. */
static int run_of(const char *line, const char *needle)
{
	const char *end = strchr(line, '\n'), *at = strstr(line, needle);
	return at && (!end || at < end) ? atoi(line + strlen("{\"run\":")) : 0;
}

/* perturb early takes any SIGCHLD before its look for its child's death:
 * the same failure at a second site says it does not follow the point, so
 * the reorderings (every delay) go next, before the order's other kinds. */
Test(explore, a_failure_at_a_second_site_puts_the_reorderings_next, .timeout = 120)
{
	const char *args[] = { "--", target("perturb"), "early", NULL };
	cr_assert_eq(explore_into("early", args), 1, "out: %s err: %s", r.out, r.err);
	char *rows = explore_file("early", "outcomes.jsonl");
	int second = 0, delays = 0, last_delay = 0;
	for (const char *line = rows; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "") {
		int at = run_of(line, "\"finding\":2,");
		if (at && !second)
			second = at;
		if ((at = run_of(line, "\"kind\":\"delay\""))) {
			delays++;
			last_delay = at > last_delay ? at : last_delay;
		}
	}
	cr_assert(second > 0 && delays > 0, "no second finding or no delay: %s", rows);
	/* runs are chosen a batch (2 x -j) ahead of what they teach */
	cr_expect_leq(last_delay, second + delays + 4, "the second finding at run %d, %d delays, the last at run %d", second,
		      delays, last_delay);
	free(rows);
}

/* A program that fails its first run only (a stray and exit 1, then never
 * again): that failure is a finding of the clean run, and the runs that
 * pass are judged against a clean run that passed, not one that "differs"
 * from every one of them. */
Test(explore, a_clean_run_failing_once_is_no_reference_for_differs, .timeout = 120)
{
	static char script[1024];
	snprintf(script, sizeof script, "if [ ! -e %s ]; then echo > %s; sleep 600 & exit 1; fi; /bin/true; /bin/true; /bin/true",
		 in_dir("once"), in_dir("once"));
	const char *args[] = { "--calls", "fork", "--max-runs", "12", "--", "/bin/bash", "-c", script, NULL };
	cr_assert_eq(explore_into("once-out", args), 1, "out: %s err: %s", r.out, r.err);
	const char *stray[] = { "\"oracle\":\"strays\"", "\"site\":\"\"", NULL };
	cr_expect(has_finding("once-out", stray), "findings: %s", explore_file("once-out", "findings.jsonl"));
	const char *differs[] = { "\"oracle\":\"differs\"", NULL };
	cr_expect(!has_finding("once-out", differs), "findings: %s", explore_file("once-out", "findings.jsonl"));
}

Test(explore, writes_its_folder_and_a_report_section, .timeout = 120)
{
	const char *args[] = { "--", target("spawner"), "leaky", "2", NULL };
	cr_assert_eq(explore_into("folder", args), 1, "err: %s", r.err);
	char *findings = explore_file("folder", "findings.csv"), *points = explore_file("folder", "points.csv");
	char *runj = explore_file("folder", "run.json");
	cr_expect(!strncmp(findings, "finding,oracle,severity,site,plan,reproduce,detail,", 51), "findings.csv: %.200s",
		  findings);
	cr_expect(strstr(points, "point,site,call,caller,proc,n,where,nosys,error,signal,"), "points.csv: %.200s", points);
	cr_expect(strstr(runj, "\"kind\":\"explore\"") && strstr(runj, "\"findings\":1"), "run.json: %s", runj);
	const char *report[] = { fc_build_path("forkchaos"), "report", "--no-plots", in_dir("folder"), NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)report), 1, "report: %s %s", r.out, r.err);
	char *md = explore_file("folder", "report.md");
	cr_expect(strstr(md, "## Exploration") && strstr(md, "### Points \u00d7 perturbations") &&
			  strstr(md, "| `fork:caller=main` | `fork:error=EAGAIN` | 5/5 |"),
		  "report.md: %.2000s", md);
	free(findings);
	free(points);
	free(runj);
	free(md);
}

Test(explore, refuses_bad_options_before_it_runs_anything, .timeout = 30)
{
	const char *depth[] = { "--depth", "3", "--", target("spawner"), NULL };
	cr_expect_eq(explore_into("bad1", depth), 2);
	const char *signals[] = { "--signals", "SIGNOPE", "--", target("spawner"), NULL };
	cr_expect_eq(explore_into("bad2", signals), 2);
	cr_expect(strstr(r.err, "bad --signals 'SIGNOPE'"), "err: %s", r.err);
	const char *lib[] = { "--lib", "/nonexistent/libffd.so", "--", target("spawner"), NULL };
	cr_expect_eq(explore_into("bad3", lib), 2);
	cr_expect(strstr(r.err, "bad --lib"), "err: %s", r.err);
	struct stat st;
	cr_expect(stat(in_dir("bad2"), &st) < 0, "no folder is left for a refused explore");
}

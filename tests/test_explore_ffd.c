/* forkchaos explore on libffd through `ffdriver workload` (an ordinary use
 * of the API, no plan): the fixed library gives no finding within a
 * budget, and a race window (torn-oldact), an error path (pipe-fail-leak)
 * and a missing fallback (pidfd-no-fallback) each give a finding minimized
 * to at most 2 rules, failing 5 runs out of 5.  The 13/13 over every
 * seeded defect is `make explore-matrix` (scripts/explore-matrix.sh). */
#include "test_explore_util.h"

/* forkchaos explore --lib LIB --max-runs RUNS -- ffdriver workload */
static int explore_lib(const char *out, const char *lib, const char *runs)
{
	char path[96];
	snprintf(path, sizeof path, "%s", lib);
	const char *args[] = {
		"--lib", fc_build_path(path), "--max-runs", runs, "--", fc_build_path("drivers/ffdriver"), "workload", NULL
	};
	return explore_into(out, args);
}

Test(explore_ffd, the_fixed_library_gives_no_finding, .timeout = 240)
{
	cr_expect_eq(explore_lib("fixed", "libffd.so", "300"), 0, "out: %s err: %s", r.out, r.err);
	cr_expect_eq(findings_of("fixed"), 0, "findings: %s", explore_file("fixed", "findings.jsonl"));
	char *runj = explore_file("fixed", "run.json");
	cr_expect(strstr(runj, "\"runs\":300,"), "run.json: %s", runj);
	free(runj);
}

Test(explore_ffd, finds_torn_oldact_with_a_signal_inside_the_install, .timeout = 240)
{
	cr_assert_eq(explore_lib("torn", "defects/libffd-torn-oldact.so", "60"), 1, "out: %s err: %s", r.out, r.err);
	const char *torn[] = { "\"oracle\":\"chained\"", "at=inside",   "signal=SIGCHLD",
			       "\"confirmed\":\"5/5\"",  "\"rules\":1", NULL };
	cr_expect(has_finding("torn", torn), "findings: %s", explore_file("torn", "findings.jsonl"));
}

Test(explore_ffd, finds_pipe_fail_leak_with_an_error_minimized, .timeout = 240)
{
	cr_assert_eq(explore_lib("pipe", "defects/libffd-pipe-fail-leak.so", "120"), 1, "out: %s err: %s", r.out, r.err);
	const char *leak[] = { "\"oracle\":\"fds\"", "\"plan\":\"pipe2:", "error=E", "\"confirmed\":\"5/5\"",
			       "\"rules\":1",        "(eventfd)",         NULL };
	cr_expect(has_finding("pipe", leak), "findings: %s", explore_file("pipe", "findings.jsonl"));
}

/* ENOSYS from clone3 is an older kernel, which a correct library falls
 * back from: the defect's different exit is a finding (differs). */
Test(explore_ffd, finds_pidfd_no_fallback_by_differs, .timeout = 240)
{
	cr_assert_eq(explore_lib("pidfd", "defects/libffd-pidfd-no-fallback.so", "60"), 1, "out: %s err: %s", r.out, r.err);
	const char *differs[] = { "\"oracle\":\"differs\"", "error=ENOSYS", "\"confirmed\":\"5/5\"", NULL };
	cr_expect(has_finding("pidfd", differs), "findings: %s", explore_file("pidfd", "findings.jsonl"));
}

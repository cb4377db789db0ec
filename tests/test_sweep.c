/* forkchaos sweep on programs: the leaky spawner's fork site fails fds
 * and its reproduce line reproduces it, the tidy one has no failing
 * outcome, libffd's ffdriver flags the two seeded leaks at their sites
 * and passes the fixed library, a program nobody here wrote (python3's
 * subprocess) is swept to the end; and the sweep's usage errors. */
#include "test_sweep_util.h"

static void cleanup(void)
{
	remove_dir();
}

TestSuite(sweep, .fini = cleanup);

#define SPAWNER(kind) "--", fc_build_path("targets/spawner"), kind, "3"

Test(sweep, leaky_spawner_fds_at_its_fork_site, .timeout = 120)
{
	const char *args[] = { "--calls", "fork,pipe2", "--max-n", "2", SPAWNER("leaky"), NULL };
	cr_assert_eq(sweep_into("leaky", args), 1, "out: %s\nerr: %s", r.out, r.err);
	const char *fork_fds[] = { "\"site\":\"fork:caller=main\"", "\"outcome\":\"fds\"", NULL };
	cr_expect_geq(rows_with("leaky", fork_fds), 1, "no fds row at fork: %s", r.out);
	const char *pipe_fails[] = { "\"site\":\"pipe2:caller=main\"", "\"outcome\":\"fds\"", NULL };
	cr_expect_eq(rows_with("leaky", pipe_fails), 0, "a pipe2 failure leaks nothing: %s", r.out);
	cr_expect(strstr(r.out, "FAIL  fds at fork:caller=main"), "out: %s", r.out);
}

Test(sweep, leaky_spawner_reproduce_line_exits_1_on_fds, .timeout = 120)
{
	const char *args[] = { "--calls", "fork", "--errnos", "EAGAIN", "--max-n", "1", SPAWNER("leaky"), NULL };
	char line[8192];
	cr_assert_eq(sweep_into("repro", args), 1, "err: %s", r.err);
	cr_assert(row_value("repro", "\"outcome\":\"fds\"", "reproduce", line, sizeof line), "out: %s", r.out);
	cr_expect(strstr(line, " run ") && strstr(line, "--check fds") && strstr(line, "--seed 1"), "line: %s", line);
	const char *sh[] = { "/bin/sh", "-c", line, NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)sh), 1, "line: %s\nerr: %s", line, r.err);
	cr_expect(strstr(r.err, "check: fds: "), "line: %s\nerr: %s", line, r.err);
}

Test(sweep, tidy_spawner_has_no_failing_outcome, .timeout = 120)
{
	const char *args[] = { "--calls", "fork,pipe2", "--max-n", "2", SPAWNER("tidy"), NULL };
	cr_assert_eq(sweep_into("tidy", args), 0, "out: %s\nerr: %s", r.out, r.err);
	const char *ok[] = { "\"outcome\":\"ok\"", NULL }, *handled[] = { "\"outcome\":\"handled\"", NULL },
		   *all[] = { "\"run\":", NULL };
	int rows = rows_with("tidy", all);
	cr_expect_gt(rows, 0);
	cr_expect_eq(rows_with("tidy", ok) + rows_with("tidy", handled), rows, "out: %s", r.out);
}

Test(sweep, sites_csv_counts_the_clean_runs_sites, .timeout = 120)
{
	const char *args[] = { "--calls", "fork,pipe2", "--errnos", "EAGAIN,EMFILE", "--max-n", "1", SPAWNER("tidy"), NULL };
	cr_assert_eq(sweep_into("sites", args), 0, "err: %s", r.err);
	char *sites = slurp("sites", "sites.csv");
	cr_expect(strstr(sites, "site,call,caller,proc,count"), "sites: %s", sites);
	cr_expect(strstr(sites, "fork:caller=main,fork,main,parent,3,"), "sites: %s", sites);
	cr_expect(strstr(sites, "pipe2:caller=main,pipe2,main,parent,3,"), "sites: %s", sites);
	free(sites);
	char *run = slurp("sites", "run.json");
	cr_expect(strstr(run, "\"kind\":\"sweep\"") && strstr(run, "\"seed\":\"1\""), "run.json: %s", run);
	free(run);
}

/* ffdriver's report is judged too, but its status counts a child that
 * ffd_fork failed to make as one never delivered, and poll's EINTR under
 * its SIGCHLD handler comes in the clean run already: the oracles of any
 * command judge the library here.  burst: no wait for a chained handler
 * that a failed fork never calls (lifecycle waits 2 s). */
static int sweep_ffdriver(const char *out, const char *lib)
{
	static char env[600];
	snprintf(env, sizeof env, "FORKCHAOS_LIB=%s", fc_build_path(lib));
	const char *args[] = { "--calls", "fork,pipe2",
			       "--max-n", "2",
			       "--check", "fds,strays,hang,crash",
			       "--",      "/usr/bin/env",
			       env,       fc_build_path("drivers/ffdriver"),
			       "burst",   "2",
			       NULL };
	return sweep_into(out, args);
}

Test(sweep, ffdriver_fixed_library_has_no_failing_outcome, .timeout = 120)
{
	cr_expect_eq(sweep_ffdriver("fixed", "libffd.so"), 0, "out: %s\nerr: %s", r.out, r.err);
	const char *fork_site[] = { "\"site\":\"fork:caller=ffd__generic_fork\"", NULL };
	cr_expect_gt(rows_with("fixed", fork_site), 0, "out: %s", r.out);
}

Test(sweep, ffdriver_fork_fail_leak_fds_at_libffds_fork, .timeout = 120)
{
	cr_expect_eq(sweep_ffdriver("forkleak", "defects/libffd-fork-fail-leak.so"), 1, "err: %s", r.err);
	const char *at_fork[] = { "\"site\":\"fork:caller=ffd__generic_fork\"", "\"outcome\":\"fds\"", NULL };
	const char *at_pipe[] = { "\"site\":\"pipe2:caller=ffd__generic_fork\"", "\"outcome\":\"fds\"", NULL };
	cr_expect_gt(rows_with("forkleak", at_fork), 0, "out: %s", r.out);
	cr_expect_eq(rows_with("forkleak", at_pipe), 0, "out: %s", r.out);
}

Test(sweep, ffdriver_pipe_fail_leak_fds_at_libffds_pipe2, .timeout = 120)
{
	cr_expect_eq(sweep_ffdriver("pipeleak", "defects/libffd-pipe-fail-leak.so"), 1, "err: %s", r.err);
	const char *at_pipe[] = { "\"site\":\"pipe2:caller=ffd__generic_fork\"", "\"outcome\":\"fds\"", NULL };
	cr_expect_gt(rows_with("pipeleak", at_pipe), 0, "out: %s", r.out);
}

Test(sweep, python_subprocess_is_swept_to_the_end, .timeout = 180)
{
	if (access("/usr/bin/python3", X_OK) != 0)
		cr_skip_test("/usr/bin/python3 is not installed");
	const char *args[] = { "--calls",  "read,sigaction,pipe2,vfork",
			       "--errnos", "EINVAL",
			       "--max-n",  "1",
			       "--",       "/usr/bin/python3",
			       "-c",       "import subprocess; subprocess.run([\"true\"])",
			       NULL };
	int code = sweep_into("python", args);
	cr_expect(code == 0 || code == 1, "exit %d\nerr: %s", code, r.err);
	char *sites = slurp("python", "sites.csv"), *runj = slurp("python", "run.json");
	const char *all[] = { "\"run\":", NULL };
	cr_expect(strstr(sites, "\nread:caller="), "sites: %s", sites);
	cr_expect(strstr(sites, "\nvfork:caller="), "sites: %s", sites);
	cr_expect_gt(rows_with("python", all), 0, "out: %s", r.out);
	/* python's vfork (by its OBJECT+0xOFF site where python has no symbols) */
	const char *vfork_row[] = { "\"site\":\"vfork:caller=", NULL };
	cr_expect_eq(rows_with("python", vfork_row), 1, "out: %s", r.out);
	cr_expect(strstr(runj, "\"interrupted\":false"), "run.json: %s", runj);
	free(sites);
	free(runj);
}

Test(sweep, no_command_is_a_usage_error, .timeout = 30)
{
	const char *args[] = { "--calls", "fork", NULL };
	cr_expect_eq(sweep_into("none", args), 2);
	cr_expect(strstr(r.err, "no command given"), "err: %s", r.err);
}

Test(sweep, bad_options_are_usage_errors, .timeout = 30)
{
	const char *shard[] = { "--shard", "3/2", SPAWNER("tidy"), NULL };
	cr_expect_eq(sweep_into("bad1", shard), 2);
	cr_expect(strstr(r.err, "bad --shard '3/2'"), "err: %s", r.err);
	const char *errnos[] = { "--errnos", "EAGAIN,EBOGUS", SPAWNER("tidy"), NULL };
	cr_expect_eq(sweep_into("bad2", errnos), 2);
	cr_expect(strstr(r.err, "'EBOGUS' is not an errno"), "err: %s", r.err);
	const char *mode[] = { "--mode", "twice", SPAWNER("tidy"), NULL };
	cr_expect_eq(sweep_into("bad3", mode), 2);
	cr_expect(strstr(r.err, "bad --mode 'twice'"), "err: %s", r.err);
}

Test(sweep, clean_run_that_cannot_start_is_a_harness_error, .timeout = 30)
{
	const char *args[] = { "--", "/nonexistent/program", NULL };
	cr_expect_eq(sweep_into("missing", args), 2);
	cr_expect(strstr(r.err, "the clean run failed"), "err: %s", r.err);
	struct stat st;
	cr_expect_neq(stat(in_dir("missing"), &st), 0, "no folder is left for a sweep that never ran");
}

Test(sweep, out_folder_that_exists_is_refused, .timeout = 30)
{
	mkdir(in_dir("taken"), 0755);
	const char *args[] = { SPAWNER("tidy"), NULL };
	cr_expect_eq(sweep_into("taken", args), 2);
	cr_expect(strstr(r.err, "is there already"), "err: %s", r.err);
}

Test(sweep, persistent_mode_fails_from_n_on, .timeout = 120)
{
	const char *args[] = { "--calls",    "fork",    "--errnos", "EAGAIN",         "--mode",
			       "persistent", "--max-n", "2",        SPAWNER("leaky"), NULL };
	cr_assert_eq(sweep_into("persist", args), 1, "err: %s", r.err);
	const char *n1[] = { "\"action\":\"when=1+:error=EAGAIN\"", "\"injected\":3", NULL };
	cr_expect_eq(rows_with("persist", n1), 1, "every fork from the first fails: %s", slurp("persist", "outcomes.jsonl"));
}

/* the tidy spawner closes every descriptor it made: a close that fails
 * after it ran (Linux releases it whatever close returns) leaks nothing,
 * and valid errnos leave out EBADF, which only a wrong descriptor causes */
Test(sweep, close_failures_are_injected_after_the_close_and_never_ebadf, .timeout = 120)
{
	const char *args[] = { "--calls", "close", "--max-n", "2", SPAWNER("tidy"), NULL };
	cr_assert_eq(sweep_into("close", args), 0, "out: %s\nerr: %s", r.out, r.err);
	const char *at_exit[] = { "\"action\":\"when=1:at=exit:error=EINTR\"", NULL }, *ebadf[] = { "EBADF", NULL };
	cr_expect_geq(rows_with("close", at_exit), 1, "no close failed after it ran: %s", r.out);
	cr_expect_eq(rows_with("close", ebadf), 0, "EBADF injected: %s", r.out);
}

Test(sweep, bad_check_list_is_refused_before_the_clean_run, .timeout = 30)
{
	const char *args[] = { "--check", "fds,bogus", "--", "/bin/true", NULL };
	cr_expect_eq(sweep_into("bogus", args), 2, "err: %s", r.err);
	cr_expect(fc_line(r.err, "forkchaos sweep: bad --check 'fds,bogus': unknown oracle 'bogus'"), "err: %s", r.err);
	cr_expect_null(strstr(r.err, "clean run"), "the clean run ran: %s", r.err);
}

/* A sweep scaled out and cut short: its shards merged equal the unsharded
 * sweep (by forkchaos itself and by GNU parallel), an interrupted sweep
 * exits 3 with its finished runs kept and --resume completes it to the
 * outcomes of an uninterrupted one; merge refuses what is not one sweep. */
#include <signal.h>
#include "test_sweep_util.h"

static void cleanup(void)
{
	remove_dir();
}

TestSuite(scale, .fini = cleanup);

#define LEAKY "--calls", "fork,pipe2", "--max-n", "2", "--", fc_build_path("targets/spawner"), "leaky", "3"

static int merge(const char *out, const char *a, const char *b)
{
	const char *argv[] = { fc_build_path("forkchaos"), "merge", "--out", in_dir(out), a ? in_dir(a) : NULL,
			       b ? in_dir(b) : NULL,       NULL };
	return fc_exec(&r, (char *const *)argv);
}

static void expect_same_outcomes(const char *a, const char *b)
{
	char *x = outcomes_of(a), *y = outcomes_of(b);
	cr_expect(*x, "no outcomes in %s", a);
	cr_expect_str_eq(x, y, "%s and %s differ", a, b);
	free(x);
	free(y);
}

Test(scale, shards_merged_equal_the_unsharded_sweep, .timeout = 180)
{
	const char *whole[] = { LEAKY, NULL }, *one[] = { "--shard", "1/2", LEAKY, NULL },
		   *two[] = { "--shard", "2/2", LEAKY, NULL };
	cr_assert_eq(sweep_into("whole", whole), 1, "err: %s", r.err);
	cr_assert_eq(sweep_into("s1", one), 1, "err: %s", r.err);
	int code = sweep_into("s2", two);
	cr_assert(code == 0 || code == 1, "err: %s", r.err);
	const char *all[] = { "\"run\":", NULL };
	int n1 = rows_with("s1", all), n2 = rows_with("s2", all);
	cr_expect(n1 > 0 && n2 > 0 && n1 + n2 == rows_with("whole", all), "%d + %d rows", n1, n2);
	cr_assert_eq(merge("merged", "s1", "s2"), 1, "err: %s", r.err);
	expect_same_outcomes("merged", "whole");
	char *sites = slurp("merged", "sites.csv"), *whole_sites = slurp("whole", "sites.csv");
	cr_expect_str_eq(sites, whole_sites);
	free(sites);
	free(whole_sites);
}

Test(scale, merge_without_every_shard_is_refused, .timeout = 120)
{
	const char *one[] = { "--shard", "1/2", LEAKY, NULL };
	cr_assert_eq(sweep_into("s1", one), 1, "err: %s", r.err);
	cr_expect_eq(merge("m1", "s1", NULL), 2);
	cr_expect(strstr(r.err, "1 of 2 shards given"), "err: %s", r.err);
	cr_expect_eq(merge("m2", "s1", "s1"), 2);
	cr_expect(strstr(r.err, "given twice"), "err: %s", r.err);
}

Test(scale, merge_of_another_sweep_is_refused, .timeout = 120)
{
	const char *one[] = { "--shard", "1/2", LEAKY, NULL };
	const char *other[] = { "--shard", "2/2", "--calls", "fork", "--max-n", "1", "--", fc_build_path("targets/spawner"),
				"leaky",   "3",   NULL };
	cr_assert_eq(sweep_into("s1", one), 1, "err: %s", r.err);
	sweep_into("s2", other);
	cr_expect_eq(merge("m", "s1", "s2"), 2);
	cr_expect(strstr(r.err, "is not a shard of the sweep"), "err: %s", r.err);
}

#define COUNTING "--calls", "fork", "--errnos", "ENOMEM,ENOSYS", "--max-n", "3", "--", "/bin/bash", "-c"

Test(scale, interrupted_sweep_exits_3_and_resume_completes_it, .timeout = 180)
{
	const char *script = counting_script();
	const char *argv[] = {
		fc_build_path("forkchaos"), "sweep", "--out", in_dir("cut"), "--seed", "1", "-j", "1", COUNTING, script, NULL
	};
	char log[320], *text;
	snprintf(log, sizeof log, "%s", in_dir("cut.log"));
	pid_t pid = spawn_logged(argv, log);
	cr_assert(fc_await_file(in_dir("hung")), "the third run never started");
	kill(pid, SIGINT);
	int status;
	waitpid(pid, &status, 0);
	cr_assert(WIFEXITED(status), "status 0x%x", status);
	FILE *f = fopen(log, "r");
	text = calloc(1, 65536);
	if (f) {
		text[fread(text, 1, 65535, f)] = 0;
		fclose(f);
	}
	cr_expect_eq(WEXITSTATUS(status), 3, "log: %s", text);
	cr_expect(strstr(text, " sweep --resume "), "log: %s", text);
	char *kept = slurp(".partial-cut", "runs.jsonl");
	cr_expect(strstr(kept, "\"run\":1,") && strstr(kept, "\"run\":2,") && !strstr(kept, "\"run\":3,"), "runs: %s", kept);
	free(kept);
	free(text);

	/* the rest, now that no run blocks; then the same sweep uninterrupted */
	close(open(in_dir("nohang"), O_WRONLY | O_CREAT, 0644));
	const char *resume[] = { fc_build_path("forkchaos"), "sweep", "--resume", in_dir(".partial-cut"), NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)resume), 0, "err: %s", r.err);
	cr_expect(strstr(r.err, "2 done before"), "err: %s", r.err);
	const char *again[] = { COUNTING, script, NULL };
	cr_assert_eq(sweep_into("whole", again), 0, "err: %s", r.err);
	expect_same_outcomes("cut", "whole");
}

Test(scale, resume_of_a_complete_sweep_is_refused, .timeout = 120)
{
	const char *args[] = { "--calls", "fork", "--errnos", "EAGAIN", "--max-n", "1", "--", fc_build_path("targets/spawner"),
			       "tidy",    "1",    NULL };
	cr_assert_eq(sweep_into("done", args), 0, "err: %s", r.err);
	const char *resume[] = { fc_build_path("forkchaos"), "sweep", "--resume", in_dir("done"), NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)resume), 2);
	cr_expect(strstr(r.err, "complete; nothing to resume"), "err: %s", r.err);
	const char *with_options[] = { fc_build_path("forkchaos"), "sweep", "--resume", in_dir("done"), "--max-n", "3", NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)with_options), 2);
	cr_expect(strstr(r.err, "give only -j"), "err: %s", r.err);
}

Test(scale, gnu_parallel_shards_merged_equal_the_unsharded_sweep, .timeout = 180)
{
	if (access("/usr/bin/parallel", X_OK) != 0)
		cr_skip_test("GNU parallel is not installed (Debian package parallel)");
	char out[400];
	snprintf(out, sizeof out, "%s/{}", in_dir("shards"));
	mkdir(in_dir("shards"), 0755);
	const char *argv[] = { "/usr/bin/parallel",
			       "--will-cite",
			       "-j",
			       "2",
			       fc_build_path("forkchaos"),
			       "sweep",
			       "--shard",
			       "{}/2",
			       "--out",
			       out,
			       "--seed",
			       "1",
			       LEAKY,
			       ":::",
			       "1",
			       "2",
			       NULL };
	int code = fc_exec(&r, (char *const *)argv);
	cr_assert(code == 1 || code == 2, "parallel: exit %d (the failed jobs)\nerr: %s", code, r.err);
	const char *whole[] = { LEAKY, NULL };
	cr_assert_eq(sweep_into("whole", whole), 1, "err: %s", r.err);
	cr_assert_eq(merge("merged", "shards/1", "shards/2"), 1, "err: %s", r.err);
	expect_same_outcomes("merged", "whole");
}

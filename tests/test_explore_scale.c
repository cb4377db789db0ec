/* forkchaos explore beyond one run of it: an interrupted explore exits 3
 * with its finished runs kept and --resume goes on to the budget; the
 * shards of one explore split its perturbations between them; depth 2
 * runs pairs. */
#include "test_explore_util.h"

static size_t count_of(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

Test(explore_scale, interrupted_explore_exits_3_and_resume_goes_on, .timeout = 180)
{
	const char *script = counting_script();
	const char *argv[] = { fc_build_path("forkchaos"),
			       "explore",
			       "--out",
			       in_dir("cut"),
			       "--seed",
			       "1",
			       "-j",
			       "1",
			       "--calls",
			       "fork",
			       "--max-runs",
			       "6",
			       "--",
			       "/bin/bash",
			       "-c",
			       script,
			       NULL };
	char log[320];
	snprintf(log, sizeof log, "%s", in_dir("cut.log"));
	pid_t pid = spawn_logged(argv, log);
	cr_assert(fc_await_file(in_dir("hung")), "the third run never started");
	kill(pid, SIGINT);
	int status;
	waitpid(pid, &status, 0);
	cr_assert(WIFEXITED(status), "status 0x%x", status);
	char *text = explore_file("", "cut.log");
	cr_expect_eq(WEXITSTATUS(status), 3, "log: %s", text);
	cr_expect(strstr(text, " explore --resume "), "log: %s", text);
	char *kept = explore_file(".partial-cut", "runs.jsonl");
	cr_expect_eq(count_of(kept, "\"job\":"), 2, "runs: %s", kept);
	free(kept);
	free(text);

	close(open(in_dir("nohang"), O_WRONLY | O_CREAT, 0644));
	const char *resume[] = { fc_build_path("forkchaos"), "explore", "--resume", in_dir(".partial-cut"), NULL };
	int rc = fc_exec(&r, (char *const *)resume);
	cr_expect(rc == 0 || rc == 1, "exit %d, err: %s", rc, r.err);
	cr_expect(strstr(r.err, "2 runs done before"), "err: %s", r.err);
	char *runj = explore_file("cut", "run.json");
	cr_expect(strstr(runj, "\"runs\":6,"), "run.json: %s", runj);
	free(runj);
}

Test(explore_scale, the_shards_of_one_explore_split_its_perturbations, .timeout = 180)
{
	const char *whole[] = { "--", fc_build_path("targets/spawner"), "tidy", "1", NULL };
	const char *one[] = { "--shard", "1/2", "--", fc_build_path("targets/spawner"), "tidy", "1", NULL };
	const char *two[] = { "--shard", "2/2", "--", fc_build_path("targets/spawner"), "tidy", "1", NULL };
	cr_assert_eq(explore_into("whole", whole), 0, "err: %s", r.err);
	cr_assert_eq(explore_into("one", one), 0, "err: %s", r.err);
	cr_assert_eq(explore_into("two", two), 0, "err: %s", r.err);
	char *w = explore_file("whole", "outcomes.jsonl"), *a = explore_file("one", "outcomes.jsonl"),
	     *b = explore_file("two", "outcomes.jsonl");
	size_t nw = count_of(w, "\n"), na = count_of(a, "\n"), nb = count_of(b, "\n");
	cr_expect(na > 0 && nb > 0 && na + nb == nw, "whole %zu, shards %zu + %zu", nw, na, nb);
	free(w);
	free(a);
	free(b);
}

Test(explore_scale, depth_2_runs_pairs_of_perturbations, .timeout = 180)
{
	const char *args[] = { "--depth", "2", "--max-runs", "40", "--", fc_build_path("targets/spawner"), "tidy", "2", NULL };
	cr_assert_eq(explore_into("pairs", args), 0, "out: %s err: %s", r.out, r.err);
	char *rows = explore_file("pairs", "outcomes.jsonl");
	int pairs = 0;
	for (char *line = rows, *end; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (end)
			*end = 0;
		const char *plan = strstr(line, "\"plan\":\"");
		const char *close = plan ? strchr(plan + 8, '"') : NULL;
		const char *semi = plan ? strchr(plan + 8, ';') : NULL;
		pairs += semi && close && semi < close;
	}
	cr_expect(pairs > 0, "no pair among the runs: %s", explore_file("pairs", "outcomes.jsonl"));
	free(rows);
}

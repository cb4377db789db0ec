/* forkchaos minimize: a deliberately bloated failing plan (ten rules, one
 * of which matters) comes back as that one rule, its selectors dropped;
 * the scenario it emits fails the same oracle under forkchaos check; a
 * plan that does not fail every run is kept as it is. */
#include "test_explore_util.h"

/* Nine rules that change nothing the spawner's fds oracle sees, and the
 * one that makes it leak (fork fails, the leaky spawner keeps its pipe). */
static const char bloated[] = "pipe2:when=50:error=EMFILE;close:when=40:at=exit:error=EIO;read:when=30:error=EIO;"
			      "waitpid:when=20:error=EINTR;%signal:delay=1us;write:when=9:error=EPIPE;"
			      "fork:when=1:error=EAGAIN;execl:when=7:error=ENOENT;pipe2:delay=10us;dup:error=EMFILE";

static int minimize(const char *plan, const char *emit)
{
	const char *argv[20];
	int n = 0;
	argv[n++] = fc_build_path("forkchaos");
	argv[n++] = "minimize";
	argv[n++] = "-j";
	argv[n++] = "2";
	argv[n++] = "--check";
	argv[n++] = "fds";
	argv[n++] = "--plan";
	argv[n++] = plan;
	if (emit) {
		argv[n++] = "--emit-scenario";
		argv[n++] = emit;
	}
	argv[n++] = "--";
	argv[n++] = fc_build_path("targets/spawner");
	argv[n++] = "leaky";
	argv[n++] = "3";
	argv[n] = NULL;
	return fc_exec(&r, (char *const *)argv);
}

Test(minimize, a_bloated_plan_comes_back_as_the_one_rule_that_matters, .timeout = 120)
{
	cr_assert_eq(minimize(bloated, NULL), 0, "out: %s err: %s", r.out, r.err);
	cr_expect(strstr(r.out, "minimize: 1 rule of 10, failing fds in 5 runs out of 5"), "out: %s", r.out);
	cr_expect(strstr(r.out, "runs tried): fork:error=EAGAIN\n"), "out: %s", r.out);
	cr_expect(strstr(r.out, "reproduce: ") && strstr(r.out, " --check fds --plan fork:error=EAGAIN "), "out: %s", r.out);
}

Test(minimize, its_scenario_fails_the_same_oracle_under_check, .timeout = 120)
{
	char scn[300];
	snprintf(scn, sizeof scn, "%s", in_dir("leak.scn"));
	cr_assert_eq(minimize("fork:when=1:error=EAGAIN;pipe2:delay=10us", scn), 0, "err: %s", r.err);
	char *text = explore_file("", "leak.scn");
	cr_expect(strstr(text, "name:    spawner-leaky-fds\n") && strstr(text, "plan:    fork:error=EAGAIN\n") &&
			  strstr(text, "check:   fds\n") && strstr(text, "repeat:  5\n"),
		  "scenario: %s", text);
	free(text);
	const char *check[] = { fc_build_path("forkchaos"), "check", "--out", in_dir("check"), scn, NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)check), 1, "out: %s err: %s", r.out, r.err);
	cr_expect(strstr(r.out, "FAIL  spawner-leaky-fds") && strstr(r.out, "[fds]"), "out: %s", r.out);
}

Test(minimize, a_plan_that_does_not_fail_every_run_is_kept, .timeout = 60)
{
	cr_expect_eq(minimize("pipe2:when=50:error=EMFILE;dup:error=EMFILE", NULL), 1, "out: %s err: %s", r.out, r.err);
	cr_expect(strstr(r.err, "the plan does not fail fds in 5 runs out of 5: kept as it is"), "err: %s", r.err);
}

Test(minimize, refuses_what_it_cannot_judge, .timeout = 30)
{
	const char *all[] = { fc_build_path("forkchaos"), "minimize", "--check",   "all", "--plan",
			      "fork:error=EAGAIN",        "--",       "/bin/true", NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)all), 2);
	cr_expect(strstr(r.err, "--check names the one oracle the plan fails"), "err: %s", r.err);
	const char *differs[] = { fc_build_path("forkchaos"), "minimize", "--check",   "differs", "--plan",
				  "fork:error=EAGAIN",        "--",       "/bin/true", NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)differs), 2);
	cr_expect(strstr(r.err, "--expect EXIT[:HASH] goes with --check differs"), "err: %s", r.err);
}

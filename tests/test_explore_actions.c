/* The plan actions explore perturbs with (reap=any, oldact=, child_death=,
 * signal=...@other), each shown on tests/targets/perturb: what the program
 * sees with the action and without it, and the plan refusing an action
 * where it cannot act. */
#include <criterion/criterion.h>
#include <string.h>
#include "fc_test_util.h"

static struct fc_result r;

/* forkchaos run --quiet [--check LIST] --plan PLAN -- perturb MODE */
static int perturb(const char *check, const char *plan, const char *mode)
{
	const char *argv[12];
	int n = 0;
	argv[n++] = fc_build_path("forkchaos");
	argv[n++] = "run";
	argv[n++] = "--quiet";
	if (check) {
		argv[n++] = "--check";
		argv[n++] = check;
	}
	argv[n++] = "--plan";
	argv[n++] = plan;
	argv[n++] = "--";
	argv[n++] = fc_build_path("targets/perturb");
	argv[n++] = mode;
	argv[n] = NULL;
	return fc_exec(&r, (char *const *)argv);
}

Test(actions, reap_any_takes_the_dead_child_first, .timeout = 30)
{
	cr_assert_eq(perturb(NULL, "waitpid:reap=any", "reap"), 0, "%s", r.err);
	cr_expect_str_eq(r.out, "waitpid ECHILD\n");
}

Test(actions, without_reap_the_program_gets_its_status, .timeout = 30)
{
	cr_assert_eq(perturb(NULL, "pipe:when=99:reap=any", "reap"), 0, "%s", r.err);
	cr_expect_str_eq(r.out, "waitpid exited:3\n");
}

Test(actions, oldact_rewrites_what_a_query_reports, .timeout = 30)
{
	cr_assert_eq(perturb(NULL, "sigaction:oldact=dfl-siginfo", "oldact"), 0, "%s", r.err);
	cr_expect_str_eq(r.out, "old dfl siginfo 1\n");
	cr_assert_eq(perturb(NULL, "sigaction:oldact=ign", "oldact"), 0, "%s", r.err);
	cr_expect_str_eq(r.out, "old ign siginfo 0\n");
}

Test(actions, oldact_rewrites_what_an_install_reports, .timeout = 30)
{
	cr_assert_eq(perturb(NULL, "sigaction:when=2:oldact=handler-siginfo", "install"), 0, "%s", r.err);
	cr_expect_str_eq(r.out, "old handler siginfo 1\n");
	cr_assert_eq(perturb(NULL, "sigaction:when=1:oldact=ign", "install"), 0, "%s", r.err);
	cr_expect_str_eq(r.out, "old handler siginfo 0\n", "when=1 is the first install, whose oldact is NULL");
}

/* The program was told of another predecessor: not calling the real one
 * is not its fault, and chained must not say it is. */
Test(actions, oldact_is_not_blamed_on_the_program_by_chained, .timeout = 30)
{
	const char *argv[] = { fc_build_path("forkchaos"),
			       "run",
			       "--quiet",
			       "--check",
			       "chained",
			       "--plan",
			       "sigaction:when=2:oldact=dfl",
			       "--",
			       fc_build_path("targets/sigchld_components"),
			       "chain",
			       NULL };
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 0, "%s", r.err);
	cr_expect_str_eq(r.out, "component 1 app 0\n");
}

Test(actions, child_death_brings_a_sigchld_with_a_reapable_child, .timeout = 30)
{
	cr_assert_eq(perturb("all", "pipe:child_death=exit", "death"), 0, "%s", r.err);
	cr_expect_str_eq(r.out, "sigchld 1 reapable 1 left 0\n", "the helper is reaped, no stray: %s", r.err);
}

Test(actions, without_child_death_no_sigchld_comes, .timeout = 30)
{
	cr_assert_eq(perturb("all", "pipe:when=5:child_death=exit", "death"), 0, "%s", r.err);
	cr_expect_str_eq(r.out, "sigchld 0 reapable 0 left 0\n");
}

Test(actions, signal_at_other_goes_to_another_thread, .timeout = 30)
{
	cr_assert_eq(perturb(NULL, "pipe:when=2:signal=SIGUSR1@other", "other"), 0, "%s", r.err);
	cr_expect_str_eq(r.out, "handled other\n");
	cr_assert_eq(perturb(NULL, "pipe:when=2:signal=SIGUSR1@self", "other"), 0, "%s", r.err);
	cr_expect_str_eq(r.out, "handled self\n");
}

Test(actions, oldact_outside_sigaction_is_refused, .timeout = 30)
{
	cr_expect_eq(perturb(NULL, "pipe:oldact=ign", "oldact"), 2);
	cr_expect(strstr(r.err, "oldact= rewrites the prior disposition sigaction reports: the rule must name sigaction"), "%s",
		  r.err);
	cr_expect_eq(perturb(NULL, "pipe:reap=some", "reap"), 2);
	cr_expect(strstr(r.err, "expected reap=any"), "%s", r.err);
}

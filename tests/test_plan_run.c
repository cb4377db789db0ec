/* Issue 10's plan errors through `forkchaos run` and through the shim alone:
 * exit 2, the target not run, one line that says what is wrong. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fc_test_util.h"

static struct fc_result r;

/* forkchaos run --plan PLAN -- touch MARKER: the code; *ran: the target ran */
static int run_plan(const char *plan, int *ran)
{
	char marker[256];
	fc_temp_path(marker, sizeof marker, "marker");
	const char *argv[] = { fc_build_path("forkchaos"), "run", "--plan", plan, "--", "/usr/bin/touch", marker, NULL };
	int code = fc_exec(&r, (char *const *)argv);
	*ran = access(marker, F_OK) == 0;
	unlink(marker);
	return code;
}

Test(plan_run, octal_looking_errno_exits_2_saying_why, .timeout = 30)
{
	int ran;
	/* error=010 used to inject errno 8 (ENOEXEC) */
	cr_expect_eq(run_plan("pipe2:error=010", &ran), 2, "stderr: %s", r.err);
	cr_expect_not(ran, "the target ran");
	cr_expect(strstr(r.err, "rule 1") && strstr(r.err, "column 13") && strstr(r.err, "leading 0"), "stderr: %s", r.err);
}

Test(plan_run, newline_in_the_plan_stays_on_one_line, .timeout = 30)
{
	int ran;
	cr_expect_eq(run_plan("pipe2:error=EIO\nfork:error=EAGAIN", &ran), 2, "stderr: %s", r.err);
	cr_expect_not(ran, "the target ran");
	cr_expect_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "more than one line: %s", r.err);
	cr_expect(strstr(r.err, "EIO\\nfork"), "stderr: %s", r.err);
}

Test(plan_run, plan_past_the_limit_exits_2_naming_it, .timeout = 30)
{
	static char plan[20000];
	int ran;
	size_t used = 0;
	while (used < sizeof plan - 32)
		used += (size_t)snprintf(plan + used, sizeof plan - used, "pipe2,");
	snprintf(plan + used, sizeof plan - used, "pipe:error=EIO");
	cr_expect_eq(run_plan(plan, &ran), 2, "stderr: %s", r.err);
	cr_expect_not(ran, "the target ran");
	cr_expect(strstr(r.err, "16383"), "stderr: %s", r.err);
}

Test(plan_run, shim_alone_refuses_an_octal_looking_signal, .timeout = 30)
{
	/* without the launcher: the shim's own parser, in the target */
	char preload[512];
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", fc_build_path("libforkchaos.so"));
	const char *argv[] = {
		"/usr/bin/env", preload, "FORKCHAOS_PLAN=kill:signal=010", fc_build_path("targets/probe"), "exit", "0", NULL
	};
	cr_expect_eq(fc_exec(&r, (char *const *)argv), 2, "out: %s err: %s", r.out, r.err);
	cr_expect(strstr(r.err, "leading 0"), "stderr: %s", r.err);
}

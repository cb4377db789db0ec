/* via= and what the syscall level cannot do: refused before anything runs,
 * with the reason; where the layer is missing, a plan that needs it is
 * refused, one that does not is told where its rules act. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fc_test_util.h"

static struct fc_result r;

#define LAYER(plan, ...)                                                                                       \
	fc_exec(&r,                                                                                            \
		(char *const *)(const char *const[]){ fc_build_path("forkchaos"), "run", "--plan", plan, "--", \
						      fc_build_path("targets/syslayer"), __VA_ARGS__, NULL })

struct refusal {
	char plan[64];
	char why[64]; /* in the message */
};

static struct refusal refusals[] = {
	{ "sys_close:via=syscall:at=exit:error=EINTR", "at=exit and at=inside cannot act at the syscall level" },
	{ "sys_pipe2:via=syscall:delay_exit=1ms", "delay_exit= and wait_child= cannot act" },
	{ "fork:via=syscall:error=EAGAIN", "fork is a libc entry point" },
	{ "syscall:via=syscall:error=EPERM", "name them (syscall:nr=N or sys_NAME)" },
	{ "sys_getppid:via=syscall:retval=1:error=EPERM", "a syscall returns one value" },
	{ "sys_getppid:via=both:error=EPERM", "expected via=api or via=syscall" },
};

ParameterizedTestParameters(syslayer_plan, refused_before_anything_runs)
{
	return cr_make_param_array(struct refusal, refusals, sizeof refusals / sizeof refusals[0]);
}

ParameterizedTest(struct refusal *c, syslayer_plan, refused_before_anything_runs, .timeout = 30)
{
	cr_assert_eq(LAYER(c->plan, "fork", "1"), 2, "%s: stderr: %s", c->plan, r.err);
	cr_expect(strstr(r.err, "bad plan: rule 1") && strstr(r.err, c->why), "%s: stderr: %s", c->plan, r.err);
	cr_expect(!fc_line(r.out, "fork 1"), "%s: the command ran: %s", c->plan, r.out);
}

Test(syslayer_plan, exit_side_rule_without_via_stays_at_syscall2, .timeout = 30)
{
	/* at=exit: the shim acts after syscall(SYS_getppid) returns */
	cr_assert_eq(LAYER("sys_getppid:at=exit:retval=42", "raw"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "raw getppid 42"), "out: %s", r.out);
	cr_assert_eq(LAYER("sys_getppid:at=exit:retval=42", "getppid"), 0, "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "getppid real"), "out: %s", r.out);
}

Test(syslayer_plan, shim_without_the_supervisor_refuses_via_syscall, .timeout = 30)
{
	char preload[600];
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", fc_build_path("libforkchaos.so"));
	const char *argv[] = {
		"/usr/bin/env", preload, "FORKCHAOS_PLAN=sys_getppid:via=syscall:retval=42", fc_build_path("targets/syslayer"),
		"getppid",      NULL
	};
	cr_assert_eq(fc_exec(&r, (char *const *)argv), 2, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "via=syscall needs the seccomp supervisor of `forkchaos run`"), "stderr: %s", r.err);
	cr_expect(!fc_line(r.out, "getppid"), "it ran: %s", r.out);
}

/* Under a run with the layer, another run's listener is refused by the
 * kernel (one per process tree): the inner run has no layer. */
static int nested(const char *inner_plan)
{
	/* a sanitized forkchaos (make SAN=...) gets the shim before its runtime */
	const char *asan = getenv("ASAN_OPTIONS");
	char options[512];
	snprintf(options, sizeof options, "%s%sverify_asan_link_order=0", asan ? asan : "", asan && *asan ? ":" : "");
	setenv("ASAN_OPTIONS", options, 1);
	const char *argv[] = { fc_build_path("forkchaos"),
			       "run",
			       "--quiet",
			       "--plan",
			       "sys_uselib:error=EPERM",
			       "--",
			       fc_build_path("forkchaos"),
			       "run",
			       "--plan",
			       inner_plan,
			       "--",
			       fc_build_path("targets/syslayer"),
			       "raw",
			       NULL };
	return fc_exec(&r, (char *const *)argv);
}

Test(syslayer_plan, missing_layer_refuses_via_syscall, .timeout = 30)
{
	cr_assert_eq(nested("sys_getppid:via=syscall:retval=42"), 2, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "needs syscall-level injection (via=syscall): a seccomp listener is installed already"),
		  "stderr: %s", r.err);
	cr_expect(!fc_line(r.out, "raw getppid"), "it ran: %s", r.out);
}

Test(syslayer_plan, missing_layer_leaves_sys_rules_at_syscall2_and_says_so, .timeout = 30)
{
	cr_assert_eq(nested("sys_getppid:retval=42"), 0, "stderr: %s", r.err);
	cr_expect(strstr(r.err, "note: no syscall-level injection here"), "stderr: %s", r.err);
	cr_expect(fc_line(r.out, "raw getppid 42"), "out: %s", r.out);
}

/* The plan parser, called directly (it is shared by shim and launcher). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "plan.h"

static struct fc_plan plan;
static char err[512];

Test(plan, full_rule_is_parsed, .timeout = 10)
{
	cr_assert_eq(fc_plan_parse("pipe2,fork:when=2..8+3:error=EMFILE:delay=5ms:proc=child", &plan, err, sizeof err), 0, "%s",
		     err);
	const struct fc_rule *rule = &plan.rules[0];
	cr_expect(fc_rule_has_call(rule, FC_ID_pipe2));
	cr_expect(fc_rule_has_call(rule, FC_ID_fork));
	cr_expect_not(fc_rule_has_call(rule, FC_ID_pipe));
	cr_expect_eq(rule->when_first, 2);
	cr_expect_eq(rule->when_last, 8);
	cr_expect_eq(rule->when_step, 3);
	cr_expect_eq(rule->error, 24);
	cr_expect_eq(rule->delay_ns, 5000000);
	cr_expect_eq(rule->proc, FC_PROC_CHILD);
}

Test(plan, class_expands_to_its_calls, .timeout = 10)
{
	cr_assert_eq(fc_plan_parse("%wait:delay=1us", &plan, err, sizeof err), 0, "%s", err);
	cr_expect(fc_rule_has_call(&plan.rules[0], FC_ID_waitpid));
	cr_expect(fc_rule_has_call(&plan.rules[0], FC_ID_sys_waitid));
	cr_expect_not(fc_rule_has_call(&plan.rules[0], FC_ID_pipe2));
}

Test(plan, unknown_syscall_name_maps_to_its_number, .timeout = 10)
{
	cr_assert_eq(fc_plan_parse("sys_getppid:error=EPERM", &plan, err, sizeof err), 0, "%s", err);
	cr_expect(fc_rule_has_call(&plan.rules[0], FC_ID_syscall));
	cr_expect_eq(plan.rules[0].n_nrs, 1);
	cr_expect_eq(plan.rules[0].nrs[0], 110);
}

Test(plan, signal_destination_and_at_are_parsed, .timeout = 10)
{
	cr_assert_eq(fc_plan_parse("sigaction:sig=SIGCHLD:at=inside:signal=CHLD@parent", &plan, err, sizeof err), 0, "%s", err);
	cr_expect_eq(plan.rules[0].signo, 17);
	cr_expect_eq(plan.rules[0].sigdest, FC_DEST_PARENT);
	cr_expect_eq(plan.rules[0].at, FC_AT_INSIDE);
	cr_expect_eq(plan.rules[0].sel_sig, 17);
}

Test(plan, several_rules_keep_their_order, .timeout = 10)
{
	cr_assert_eq(fc_plan_parse(" read:fd=3:error=EINTR ; write:retval=0 ;", &plan, err, sizeof err), 0, "%s", err);
	cr_expect_eq(plan.nrules, 2);
	cr_expect_eq(plan.rules[0].sel_fd, 3);
	cr_expect_eq(plan.rules[1].retval, 0);
	cr_expect(plan.rules[1].actions & FC_ACT_RETVAL);
}

Test(plan, errors_name_rule_column_and_expectation, .timeout = 10)
{
	static const struct {
		const char *plan;
		const char *rule;
		const char *column;
		const char *expected;
	} cases[] = {
		{ "pipe2:when=0:error=EIO", "rule 1", "column 12", "FIRST >= 1" },
		{ "pipe2:error=EBOGUS", "rule 1", "column 13", "errno name" },
		{ "fork:error=EIO;nosuchcall:delay=1ms", "rule 2", "column 16", "unknown call" },
		{ "pipe2:delay=5", "rule 1", "column 13", "duration" },
		{ "kill:signal=SIGNOPE", "rule 1", "column 13", "signal name" },
		{ "kill:signal=SIGTERM@moon", "rule 1", "column 21", "destination" },
		{ "pipe2:colour=red", "rule 1", "column 7", "unknown key" },
		{ "pipe2", "rule 1", "column 6", "expected ':'" },
		{ "pipe2:prob=1.5:error=EIO", "rule 1", "column 12", "0 <= P <= 1" },
		{ "pipe2:when=5..2:error=EIO", "rule 1", "column 15", "LAST >= FIRST" },
		{ "%bogus:error=EIO", "rule 1", "column 1", "class" },
		{ "pipe2:nr=3:error=EIO", "rule 1", "column 7", "syscall" },
		{ "sys_getpid:nr=3:error=EIO", "rule 1", "column 12", "syscall" },
		{ "pipe2:fd=3:error=EMFILE", "rule 1", "column 7", "fd=" },
		{ "pipe2:sig=SIGCHLD:error=EMFILE", "rule 1", "column 7", "sig=" },
		{ "kill:signal=RTMIN+-5", "rule 1", "column 13", "signal name" },
		{ "pipe2:delay=18446744074s", "rule 1", "column 13", "up to 24h" },
		{ "pipe2:delay=25h", "rule 1", "column 13", "duration" },
		{ "pipe2:when=2..:error=EIO", "rule 1", "column 15", "LAST" },
		{ "vfork:at=exit:error=EAGAIN", "rule 1", "column 7", "vfork acts only at enter" },
		{ "vfork:delay_exit=1ms", "rule 1", "column 7", "vfork acts only at enter" },
		{ "write:at=inside:signal=SIGCHLD", "rule 1", "column 7", "at=inside needs" },
		{ "pipe2:error=EIO;;fork:error=EIO", "rule 2", "column 17", "between the two" },
		{ "pipe2:at=later:signal=SIGCHLD", "rule 1", "column 10", "at=enter, at=inside or at=exit" },
		{ "pipe2:proc=moon:error=EIO", "rule 1", "column 12", "proc=parent, proc=child or proc=any" },
		{ "pipe2:depth=2:error=EIO", "rule 1", "column 7", "depth= goes with caller=" },
		{ "pipe2:error", "rule 1", "column 7", "an action: error= retval=" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_expect_eq(fc_plan_parse(cases[i].plan, &plan, err, sizeof err), -1, "accepted: %s", cases[i].plan);
		cr_expect(strstr(err, cases[i].rule), "'%s': %s", cases[i].plan, err);
		cr_expect(strstr(err, cases[i].column), "'%s': %s", cases[i].plan, err);
		cr_expect(strstr(err, cases[i].expected), "'%s': %s", cases[i].plan, err);
	}
}

Test(plan, prob_threshold_spans_the_range, .timeout = 10)
{
	cr_assert_eq(
		fc_plan_parse("dup:prob=1:error=EIO;dup:prob=25%:seed=3:error=EIO;dup:prob=0:error=EIO", &plan, err, sizeof err),
		0, "%s", err);
	cr_expect_eq(plan.rules[0].prob_threshold, UINT64_MAX);
	cr_expect_eq(plan.rules[1].prob_threshold, UINT64_MAX / 4 + 1);
	cr_expect_eq(plan.rules[2].prob_threshold, 0);
	cr_expect(plan.uses_prob_without_seed);
}

Test(plan, kill_sig_0_and_a_trailing_semicolon_are_accepted, .timeout = 10)
{
	cr_expect_eq(fc_plan_parse("kill:sig=0:error=ESRCH;", &plan, err, sizeof err), 0, "%s", err);
	cr_expect_eq(plan.nrules, 1);
	cr_expect_eq(plan.rules[0].sel_sig, 0);
}

Test(plan, fd_and_sig_fit_a_class_with_some_such_calls, .timeout = 10)
{
	/* %fd mixes calls with and without an fd argument: fd= applies to those
	 * that have one */
	cr_expect_eq(fc_plan_parse("%fd:fd=7:error=EBADF", &plan, err, sizeof err), 0, "%s", err);
	cr_expect_eq(fc_plan_parse("%signal:sig=SIGCHLD:delay=1ms", &plan, err, sizeof err), 0, "%s", err);
	cr_expect_eq(fc_plan_parse("sigaction,pipe:at=inside:signal=SIGCHLD", &plan, err, sizeof err), 0, "%s", err);
}

Test(plan, repeated_key_is_refused_naming_rule_and_column, .timeout = 10)
{
	static const struct {
		const char *plan;
		const char *rule;
		const char *column;
		const char *expected;
	} cases[] = {
		{ "pipe2:error=EMFILE:error=ENFILE", "rule 1", "column 20", "error= once in a rule" },
		{ "pipe2:when=2:when=1:error=EIO", "rule 1", "column 14", "when= once in a rule" },
		{ "fork:error=EIO;sigaction:at=exit:signal=SIGCHLD:at=enter", "rule 2", "column 49", "at= once" },
		{ "pipe2:delay=1ms:error=EIO:delay=2ms", "rule 1", "column 27", "given at column 7" },
		{ "kill:sig=SIGCHLD:sig=SIGTERM:error=EPERM", "rule 1", "column 18", "sig= once" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_expect_eq(fc_plan_parse(cases[i].plan, &plan, err, sizeof err), -1, "accepted: %s", cases[i].plan);
		cr_expect(strstr(err, cases[i].rule), "'%s': %s", cases[i].plan, err);
		cr_expect(strstr(err, cases[i].column), "'%s': %s", cases[i].plan, err);
		cr_expect(strstr(err, cases[i].expected), "'%s': %s", cases[i].plan, err);
	}
}

Test(plan, repeated_nr_adds_each_number, .timeout = 10)
{
	/* nr= is the one key that may repeat: each adds a number, none wins */
	cr_assert_eq(fc_plan_parse("syscall:nr=110:nr=39:error=EPERM", &plan, err, sizeof err), 0, "%s", err);
	cr_expect_eq(plan.rules[0].n_nrs, 2);
	cr_expect_eq(plan.rules[0].nrs[0], 110);
	cr_expect_eq(plan.rules[0].nrs[1], 39);
}

Test(plan, facts_of_a_line_are_its_flags, .timeout = 10)
{
	cr_expect_eq(fc_calls[FC_ID_accept4].flags & (FC_F_FD_ARG | FC_F_RET_FD | FC_F_BLOCKING),
		     FC_F_FD_ARG | FC_F_RET_FD | FC_F_BLOCKING);
	cr_expect(fc_calls[FC_ID_fork].flags & FC_F_RET_CHILD);
	cr_expect_not(fc_calls[FC_ID_sys_pidfd_open].flags & FC_F_RET_CHILD, "pidfd_open returns a descriptor");
	cr_expect(fc_calls[FC_ID_sys_pidfd_open].flags & FC_F_RET_FD);
	cr_expect(fc_calls[FC_ID_waitpid].flags & FC_F_REAPS);
	cr_expect_eq(fc_calls[FC_ID_sys_dup2].nr, 33); /* SYS_dup2 on x86_64 */
	cr_expect_str_eq(fc_calls[FC_ID_sys_dup2].name, "sys_dup2");
	cr_expect_eq(fc_calls[FC_ID_epoll_wait].cls, FC_CLASS_FD);
}

/* ---- issue 10: blanks, control bytes, the size limit, the action text ---- */

Test(plan, blanks_around_separators_are_accepted, .timeout = 10)
{
	cr_assert_eq(fc_plan_parse(" pipe2 , fork : when = 2..8+3 : error = EMFILE ; dup :\tdelay= 5ms ", &plan, err, sizeof err),
		     0, "%s", err);
	cr_expect_eq(plan.nrules, 2);
	cr_expect(fc_rule_has_call(&plan.rules[0], FC_ID_fork));
	cr_expect_eq(plan.rules[0].when_step, 3);
	cr_expect_eq(plan.rules[0].error, 24);
	cr_expect_eq(plan.rules[1].delay_ns, 5000000);
	/* the trace's "injected" shows the items as KEY=VALUE, without the blanks */
	cr_expect_str_eq(plan.rules[0].action_text, "error=EMFILE");
	cr_expect_str_eq(plan.rules[1].action_text, "delay=5ms");
}

Test(plan, blank_inside_a_name_or_value_is_refused_with_the_rule, .timeout = 10)
{
	static const struct {
		const char *plan;
		const char *column;
	} cases[] = { { "pipe2:error=E MFILE", "column 14" },
		      { "pipe2:when=2 ..5:error=EIO", "column 13" },
		      { "pi pe2:error=EIO", "column 3" },
		      { "pipe2:err or=EIO", "column 10" },
		      { "pipe2:caller=my func:error=EIO", "column 16" } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_expect_eq(fc_plan_parse(cases[i].plan, &plan, err, sizeof err), -1, "accepted: %s", cases[i].plan);
		cr_expect(strstr(err, cases[i].column), "'%s': %s", cases[i].plan, err);
		cr_expect(strstr(err, "blank"), "'%s': %s", cases[i].plan, err);
	}
}

Test(plan, line_break_is_refused_and_shown_escaped, .timeout = 10)
{
	cr_expect_eq(fc_plan_parse("pipe2:error=EIO\nfork:error=EAGAIN", &plan, err, sizeof err), -1);
	cr_expect_null(strpbrk(err, "\n\r"), "a raw line break in the one-line error: %s", err);
	cr_expect(strstr(err, "EIO\\nfork"), "%s", err);
	cr_expect(strstr(err, "column 16"), "%s", err);
	cr_expect(strstr(err, "';'"), "does not say how to separate rules: %s", err);
	cr_expect_eq(fc_plan_parse("pipe2:error=EIO;\r\nfork:error=EAGAIN", &plan, err, sizeof err), -1);
	cr_expect(strstr(err, "rule 2 `\\r\\nfork"), "%s", err);
}

Test(plan, line_break_at_either_end_of_the_plan_is_accepted, .timeout = 10)
{
	/* FORKCHAOS_PLAN="$(cat file)" and the like */
	cr_expect_eq(fc_plan_parse("\npipe2:error=EIO\n", &plan, err, sizeof err), 0, "%s", err);
}

Test(plan, control_byte_is_refused_and_shown_escaped, .timeout = 10)
{
	cr_expect_eq(fc_plan_parse("pipe2:caller=ab\x01\x1b[2J:error=EIO", &plan, err, sizeof err), -1);
	for (const char *p = err; *p; p++)
		cr_expect((unsigned char)*p >= 0x20 && *p != 0x7f, "a raw control byte in the error: %s", err);
	cr_expect(strstr(err, "ab\\x01\\x1b[2J"), "%s", err);
	cr_expect(strstr(err, "column 16"), "%s", err);
	cr_expect(strstr(err, "control"), "%s", err);
}

/* A valid plan of exactly LEN bytes: pipe2,pipe2,...:error=EIO */
static char *plan_of(char *buf, size_t len)
{
	static const char tail[] = "pipe:error=EIO";
	size_t at = 0;
	while (at + 6 + strlen(tail) <= len) {
		memcpy(buf + at, "pipe2,", 6);
		at += 6;
	}
	while (at + strlen(tail) < len)
		buf[at++] = ' '; /* blanks before the name */
	memcpy(buf + at, tail, sizeof tail);
	return buf;
}

Test(plan, plan_up_to_the_limit_is_accepted, .timeout = 10)
{
	static char text[FC_PLAN_MAX + 64];
	cr_expect_geq(FC_PLAN_MAX, 16384);
	cr_assert_eq(strlen(plan_of(text, FC_PLAN_MAX - 1)), FC_PLAN_MAX - 1);
	cr_expect_eq(fc_plan_parse(text, &plan, err, sizeof err), 0, "%s", err);
}

Test(plan, plan_past_the_limit_is_refused_naming_it, .timeout = 10)
{
	static char text[FC_PLAN_MAX + 64], limit[32];
	plan_of(text, FC_PLAN_MAX);
	snprintf(limit, sizeof limit, "%d", FC_PLAN_MAX - 1);
	cr_expect_eq(fc_plan_parse(text, &plan, err, sizeof err), -1);
	cr_expect(strstr(err, limit), "%s", err);
	cr_expect(strstr(err, "%class"), "does not say what to do: %s", err);
}

Test(plan, long_rule_error_keeps_the_column_and_expectation, .timeout = 10)
{
	static char text[FC_PLAN_MAX];
	plan_of(text, 3000);
	strcpy(strstr(text, ":error=EIO"), ":colour=red");
	cr_expect_eq(fc_plan_parse(text, &plan, err, sizeof err), -1);
	cr_expect(strstr(err, "column 2992"), "%s", err);
	cr_expect(strstr(err, "unknown key; expected error="), "%s", err);
	cr_expect(strstr(err, "colour=red"), "the error does not show where: %s", err);
	cr_expect_lt(strlen(err), 500);
}

Test(plan, every_action_of_a_rule_is_kept_in_its_text, .timeout = 10)
{
	/* the longest value each action takes, every action once */
	static const char actions[] = "error=0x0000000000000fff:retval=-9223372036854775808:delay=999999999999ns:"
				      "delay_exit=999999999999ns:wait_child=999999999999ns:"
				      "signal=SIGRTMIN+0x0000000000000001@process:at=exit";
	char text[sizeof actions + 16];
	snprintf(text, sizeof text, "dup:%s", actions);
	cr_assert_eq(fc_plan_parse(text, &plan, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(plan.rules[0].action_text, actions);
}

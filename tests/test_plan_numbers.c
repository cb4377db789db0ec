/* The plan's numbers and names (issue 10, item 9): decimal or 0x hex, never
 * octal; every errno and signal name glibc knows, with their aliases; seed=
 * and retval= over their whole range. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "plan.h"

static struct fc_plan plan;
static char err[512];

/* Parses "CALLS:KEY=VALUE" (KEY error or signal) and returns what it set,
 * or -1 when refused. */
static int parsed(const char *text, int signal)
{
	if (fc_plan_parse(text, &plan, err, sizeof err) < 0)
		return -1;
	return signal ? plan.rules[0].signo : plan.rules[0].error;
}

Test(plan_numbers, leading_zero_is_refused_not_read_as_octal, .timeout = 10)
{
	/* base 0 read error=010 as errno 8 and signal=010 as SIGFPE */
	static const char *plans[] = { "pipe2:error=010", "kill:signal=010", "pipe2:when=010:error=EIO", "read:fd=03:error=EIO",
				       "pipe2:retval=-07" };
	for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
		cr_expect_eq(fc_plan_parse(plans[i], &plan, err, sizeof err), -1, "accepted: %s", plans[i]);
		cr_expect(strstr(err, "leading 0"), "'%s': %s", plans[i], err);
		cr_expect(strstr(err, "0x"), "'%s' does not say how to write hex: %s", plans[i], err);
	}
}

Test(plan_numbers, decimal_and_0x_hex_are_read_as_such, .timeout = 10)
{
	cr_expect_eq(parsed("pipe2:error=10", 0), ECHILD, "%s", err);
	cr_expect_eq(parsed("pipe2:error=0x8", 0), ENOEXEC, "%s", err);
	cr_expect_eq(parsed("pipe2:error=0X1c", 0), ENOSPC, "%s", err);
	cr_expect_eq(parsed("kill:signal=10", 1), SIGUSR1, "%s", err);
	cr_expect_eq(parsed("kill:signal=0x11", 1), SIGCHLD, "%s", err);
	cr_expect_eq(parsed("read:fd=0:error=EIO", 0), EIO, "%s", err);
	cr_expect_eq(plan.rules[0].sel_fd, 0);
}

Test(plan_numbers, malformed_hex_is_refused, .timeout = 10)
{
	static const char *plans[] = { "pipe2:error=0x", "pipe2:error=0xg", "pipe2:seed=0x10000000000000000:prob=1:error=EIO",
				       "pipe2:error=-5", "pipe2:error=+5" };
	for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++)
		cr_expect_eq(fc_plan_parse(plans[i], &plan, err, sizeof err), -1, "accepted: %s", plans[i]);
}

Test(plan_numbers, errno_number_out_of_range_names_the_range, .timeout = 10)
{
	cr_expect_eq(parsed("pipe2:error=4096", 0), -1);
	cr_expect(strstr(err, "1 to 4095"), "%s", err);
	cr_expect_eq(parsed("pipe2:error=0", 0), -1);
	cr_expect(strstr(err, "1 to 4095"), "%s", err);
}

Test(plan_numbers, every_errno_name_glibc_knows_is_accepted, .timeout = 10)
{
	char text[96];
	int names = 0;
	for (int e = 1; e < 4096; e++) {
		const char *name = strerrorname_np(e);
		if (!name)
			continue;
		snprintf(text, sizeof text, "pipe2:error=%s", name);
		cr_expect_eq(parsed(text, 0), e, "%s: %s", text, err);
		names++;
	}
	cr_expect_gt(names, 130);
}

Test(plan_numbers, errno_aliases_are_accepted, .timeout = 10)
{
	cr_expect_eq(parsed("pipe2:error=ENOTSUP", 0), ENOTSUP, "%s", err);
	cr_expect_eq(parsed("pipe2:error=EWOULDBLOCK", 0), EWOULDBLOCK, "%s", err);
	cr_expect_eq(parsed("pipe2:error=EDEADLOCK", 0), EDEADLOCK, "%s", err);
}

Test(plan_numbers, unknown_errno_name_says_what_is_accepted, .timeout = 10)
{
	cr_expect_eq(parsed("pipe2:error=EBOGUS", 0), -1);
	cr_expect(strstr(err, "errno name") && strstr(err, "4095"), "%s", err);
}

Test(plan_numbers, every_signal_name_glibc_knows_with_or_without_sig, .timeout = 10)
{
	char text[96];
	for (int s = 1; s < SIGRTMIN; s++) {
		const char *abbrev = sigabbrev_np(s);
		if (!abbrev)
			continue;
		snprintf(text, sizeof text, "kill:signal=SIG%s", abbrev);
		cr_expect_eq(parsed(text, 1), s, "%s: %s", text, err);
		snprintf(text, sizeof text, "kill:signal=%s", abbrev);
		cr_expect_eq(parsed(text, 1), s, "%s: %s", text, err);
	}
}

Test(plan_numbers, signal_aliases_are_accepted, .timeout = 10)
{
	static const struct {
		const char *name;
		int signo;
	} aliases[] = { { "SIGIO", SIGIO }, { "IO", SIGIO },       { "SIGPOLL", SIGPOLL }, { "SIGCLD", SIGCHLD },
			{ "CLD", SIGCHLD }, { "SIGIOT", SIGABRT }, { "IOT", SIGABRT } };
	char text[96];
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		snprintf(text, sizeof text, "kill:signal=%s", aliases[i].name);
		cr_expect_eq(parsed(text, 1), aliases[i].signo, "%s: %s", text, err);
	}
	cr_expect_eq(parsed("kill:sig=SIGCLD:error=EPERM", 0), EPERM, "%s", err);
	cr_expect_eq(plan.rules[0].sel_sig, SIGCHLD);
}

Test(plan_numbers, realtime_signals_count_from_either_end, .timeout = 10)
{
	cr_expect_eq(parsed("kill:signal=SIGRTMIN", 1), SIGRTMIN, "%s", err);
	cr_expect_eq(parsed("kill:signal=SIGRTMIN+3", 1), SIGRTMIN + 3, "%s", err);
	cr_expect_eq(parsed("kill:signal=RTMIN+0", 1), SIGRTMIN, "%s", err);
	cr_expect_eq(parsed("kill:signal=SIGRTMAX", 1), SIGRTMAX, "%s", err);
	cr_expect_eq(parsed("kill:signal=SIGRTMAX-2", 1), SIGRTMAX - 2, "%s", err);
	cr_expect_eq(parsed("kill:signal=RTMAX-1@process", 1), SIGRTMAX - 1, "%s", err);
	cr_expect_eq(plan.rules[0].sigdest, FC_DEST_PROCESS);
}

/* TEXT, made from FORMAT and N, is refused, the message naming RANGE. */
static void refused_naming(const char *format, int n, const char *range)
{
	char text[96];
	snprintf(text, sizeof text, format, n);
	cr_expect_eq(parsed(text, 1), -1, "accepted: %s", text);
	cr_expect(strstr(err, range), "'%s': %s", text, err);
}

Test(plan_numbers, realtime_signal_past_the_other_end_names_the_range, .timeout = 10)
{
	char range[32];
	snprintf(range, sizeof range, "0 to %d", SIGRTMAX - SIGRTMIN);
	refused_naming("kill:signal=SIGRTMIN+%d", SIGRTMAX - SIGRTMIN + 1, range);
	refused_naming("kill:signal=SIGRTMAX-%d", SIGRTMAX - SIGRTMIN + 1, range);
}

Test(plan_numbers, signal_number_out_of_range_names_the_range, .timeout = 10)
{
	char range[32];
	snprintf(range, sizeof range, "1 to %d", NSIG - 1);
	refused_naming("kill:signal=%d", NSIG, range);
}

Test(plan_numbers, seed_takes_the_whole_64_bit_range, .timeout = 10)
{
	cr_assert_eq(fc_plan_parse("dup:prob=0.5:seed=18446744073709551615:error=EIO;dup:prob=0.5:seed=0:error=EIO;"
				   "dup:prob=0.5:seed=0xffffffffffffffff:error=EIO",
				   &plan, err, sizeof err),
		     0, "%s", err);
	cr_expect_eq(plan.rules[0].seed, UINT64_MAX);
	cr_expect_eq(plan.rules[1].seed, 0);
	cr_expect_eq(plan.rules[2].seed, UINT64_MAX);
	cr_expect_eq(fc_plan_parse("dup:prob=0.5:seed=18446744073709551616:error=EIO", &plan, err, sizeof err), -1);
	cr_expect(strstr(err, "18446744073709551615"), "%s", err);
}

Test(plan_numbers, retval_takes_the_whole_range_of_long, .timeout = 10)
{
	cr_assert_eq(fc_plan_parse("dup:when=1:retval=-9223372036854775808;dup:when=2:retval=9223372036854775807;"
				   "dup:when=3:retval=-0x10",
				   &plan, err, sizeof err),
		     0, "%s", err);
	cr_expect_eq(plan.rules[0].retval, LONG_MIN);
	cr_expect_eq(plan.rules[1].retval, LONG_MAX);
	cr_expect_eq(plan.rules[2].retval, -16);
	static const char *past[] = { "dup:retval=9223372036854775808", "dup:retval=-9223372036854775809",
				      "dup:retval=0x8000000000000000" };
	for (size_t i = 0; i < sizeof past / sizeof past[0]; i++) {
		cr_expect_eq(fc_plan_parse(past[i], &plan, err, sizeof err), -1, "accepted: %s", past[i]);
		cr_expect(strstr(err, "9223372036854775807"), "'%s': %s", past[i], err);
	}
}

Test(plan_numbers, prob_is_decimal_only, .timeout = 10)
{
	/* strtod also reads hex floats, inf and leading blanks */
	static const char *plans[] = { "dup:prob=0x.4p0:seed=1:error=EIO", "dup:prob=inf:seed=1:error=EIO",
				       "dup:prob=+0.5:seed=1:error=EIO" };
	for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++)
		cr_expect_eq(fc_plan_parse(plans[i], &plan, err, sizeof err), -1, "accepted: %s", plans[i]);
	cr_expect_eq(fc_plan_parse("dup:prob=.5:seed=1:error=EIO", &plan, err, sizeof err), 0, "%s", err);
}

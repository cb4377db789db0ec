/* make demo's campaign driver (scenarios/drivers/campaign*.c), run as a
 * child program under `forkchaos run`: the leak campaign shows a leaking
 * defect's descriptors growing and the fixed library's flat, the latency
 * campaign prints one row per child. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fc_test_util.h"

#define LEAK_PLAN "fork:prob=0.1:seed=1:error=EAGAIN;pipe2:prob=0.05:seed=1:error=EMFILE"

/* forkchaos run [--plan PLAN] -- env FORKCHAOS_LIB=LIB campaign ARGS... */
static int campaign(struct fc_result *r, const char *plan, const char *lib, const char *const args[])
{
	char env_lib[4200];
	const char *argv[32];
	int n = 0;
	snprintf(env_lib, sizeof env_lib, "FORKCHAOS_LIB=%s", fc_build_path(lib));
	argv[n++] = fc_build_path("forkchaos");
	argv[n++] = "run";
	argv[n++] = "--quiet";
	argv[n++] = "--timeout";
	argv[n++] = "60s";
	if (plan) {
		argv[n++] = "--plan";
		argv[n++] = plan;
	}
	argv[n++] = "--";
	argv[n++] = "/usr/bin/env";
	argv[n++] = env_lib;
	argv[n++] = fc_build_path("drivers/campaign");
	for (int i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return fc_exec(r, (char *const *)argv);
}

/* The leak rows (LABEL,cycle,fds,children,zombies) of OUT: how many, the
 * descriptors of the first and the last, the most children + zombies. */
struct leak_rows {
	int rows, first_fds, last_fds, held;
};

static struct leak_rows leak_rows(const char *out, const char *label)
{
	struct leak_rows s = { 0 };
	size_t len = strlen(label);
	for (const char *line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		int cycle, fds, children, zombies;
		if (strncmp(line, label, len) || line[len] != ',' ||
		    sscanf(line + len + 1, "%d,%d,%d,%d", &cycle, &fds, &children, &zombies) != 4)
			continue;
		if (!s.rows++)
			s.first_fds = fds;
		s.last_fds = fds;
		if (children + zombies > s.held)
			s.held = children + zombies;
	}
	return s;
}

/* 500 cycles of LABEL's build under the demo's plan: its rows. */
static struct leak_rows leak_500(struct fc_result *r, const char *lib, const char *label)
{
	static const char *const args[] = { "leak", "--count", "500", "--generic", NULL };
	/* exit 1: libffd reported the injected failures */
	cr_assert_eq(campaign(r, LEAK_PLAN, lib, args), 1, "%s", r->err);
	struct leak_rows s = leak_rows(r->out, label);
	cr_assert_eq(s.rows, 6, "a row at 0 and every 100 of 500 cycles:\n%s", r->out);
	return s;
}

Test(campaign, leak_on_fork_fail_leak_descriptors_grow, .timeout = 60)
{
	struct fc_result r;
	struct leak_rows s = leak_500(&r, "defects/libffd-fork-fail-leak.so", "fork-fail-leak");
	/* about 50 failed forks of 500, 3 descriptors each */
	cr_assert_gt(s.last_fds, s.first_fds + 30, "fds %d -> %d:\n%s", s.first_fds, s.last_fds, r.out);
}

Test(campaign, leak_on_pipe_fail_leak_descriptors_grow, .timeout = 60)
{
	struct fc_result r;
	struct leak_rows s = leak_500(&r, "defects/libffd-pipe-fail-leak.so", "pipe-fail-leak");
	/* about 25 failed pipes of 500, 1 descriptor each */
	cr_assert_gt(s.last_fds, s.first_fds + 5, "fds %d -> %d:\n%s", s.first_fds, s.last_fds, r.out);
}

Test(campaign, leak_on_fixed_holds_nothing_more, .timeout = 60)
{
	struct fc_result r;
	struct leak_rows s = leak_500(&r, "libffd.so", "fixed");
	cr_assert_eq(s.last_fds, s.first_fds, "fds %d -> %d:\n%s", s.first_fds, s.last_fds, r.out);
	cr_assert_eq(s.held, 0, "children or zombies held:\n%s", r.out);
	/* the plan did act: the summary counts the failed ffd_fork calls */
	cr_assert(strstr(r.err, "EAGAIN") && strstr(r.err, "EMFILE"), "%s", r.err);
}

Test(campaign, leak_header_and_label_as_asked, .timeout = 30)
{
	struct fc_result r;
	const char *const args[] = { "leak", "--count", "10", "--every", "5", "--header", "--label", "mine", NULL };
	cr_assert_eq(campaign(&r, NULL, "libffd.so", args), 0, "%s", r.err);
	const char header[] = "library,cycle,fds,children,zombies\nmine,0,";
	cr_assert(!strncmp(r.out, header, sizeof header - 1), "%s", r.out);
	cr_assert_eq(leak_rows(r.out, "mine").rows, 3, "cycles 0, 5 and 10:\n%s", r.out);
}

/* The latency rows of OUT for LABEL: how many, and whether each is a
 * positive number of nanoseconds. */
static int latency_rows(const char *out, const char *label, int *bad)
{
	int rows = 0;
	size_t len = strlen(label);
	*bad = 0;
	for (const char *line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (!strncmp(line, "config,", 7))
			continue;
		char *end;
		unsigned long long ns = strncmp(line, label, len) || line[len] != ',' ? 0 : strtoull(line + len + 1, &end, 10);
		rows++;
		*bad += !ns || *end != '\n';
	}
	return rows;
}

static void latency_case(const char *path_flag, const char *plan)
{
	struct fc_result r;
	int bad;
	const char *const args[] = { "latency", "--count", "40", "--label", "L", "--header", path_flag, NULL };
	cr_assert_eq(campaign(&r, plan, "libffd.so", args), 0, "%s", r.err);
	cr_assert(!strncmp(r.out, "config,latency_ns\n", 18), "%s", r.out);
	cr_assert_eq(latency_rows(r.out, "L", &bad), 40, "%s", r.out);
	cr_assert_eq(bad, 0, "rows that are no positive latency:\n%s", r.out);
}

Test(campaign, latency_pidfd_one_row_per_child, .timeout = 60)
{
	latency_case("--pidfd", NULL);
}

Test(campaign, latency_generic_one_row_per_child, .timeout = 60)
{
	latency_case("--generic", NULL);
}

Test(campaign, latency_generic_under_delay_one_row_per_child, .timeout = 60)
{
	latency_case("--generic", "%wait:delay=200us");
}

Test(campaign, unknown_option_or_mode_is_a_harness_error, .timeout = 30)
{
	struct fc_result r;
	const char *const bad_option[] = { "leak", "--cycles", "5", NULL };
	const char *const bad_mode[] = { "leek", NULL };
	const char *const bad_number[] = { "latency", "--count", "-3", NULL };
	cr_assert_eq(campaign(&r, NULL, "libffd.so", bad_option), 2, "%s", r.err);
	cr_assert(strstr(r.err, "unknown option '--cycles'"), "%s", r.err);
	cr_assert_eq(campaign(&r, NULL, "libffd.so", bad_mode), 2, "%s", r.err);
	cr_assert(strstr(r.err, "unknown mode 'leek'"), "%s", r.err);
	cr_assert_eq(campaign(&r, NULL, "libffd.so", bad_number), 2, "%s", r.err);
	cr_assert_str_eq(r.out, "", "nothing runs");
}

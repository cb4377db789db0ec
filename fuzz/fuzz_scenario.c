/* Fuzz target: the scenario parser (runner/scenario.c), which reads every
 * *.scn that `forkchaos check` is pointed at.  It takes a path (and
 * resolves its folder), so the input is written to a file on a tmpfs
 * first.  Besides not crashing: a refusal names the file and a line; an
 * accepted scenario has a name, a target split into words inside its
 * buffer, a plan the plan parser accepts and counts in range. */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "scenario.h"

static int bounded(const char *buf, size_t size)
{
	return memchr(buf, 0, size) != NULL;
}

static void check_accepted(const struct fc_scenario *s)
{
	static struct fc_plan plan;
	char err[512];
	FC_FUZZ_ASSERT(s->name[0] && bounded(s->name, sizeof s->name));
	FC_FUZZ_ASSERT(bounded(s->summary, sizeof s->summary) && bounded(s->target, sizeof s->target));
	FC_FUZZ_ASSERT(bounded(s->xfail_reason, sizeof s->xfail_reason) && bounded(s->seed, sizeof s->seed));
	FC_FUZZ_ASSERT(bounded(s->defect, sizeof s->defect) && bounded(s->window, sizeof s->window));
	FC_FUZZ_ASSERT(s->argc >= 1 && s->argc <= FC_SCN_MAX_ARGS && s->argv[s->argc] == NULL);
	/* issue 10: target: "" is refused */
	FC_FUZZ_ASSERT(s->argv[0][0]);
	for (int i = 0; i < s->argc; i++) {
		FC_FUZZ_ASSERT(s->argv[i] >= s->argbuf && s->argv[i] < s->argbuf + sizeof s->argbuf);
		FC_FUZZ_ASSERT(bounded(s->argv[i], (size_t)(s->argbuf + sizeof s->argbuf - s->argv[i])));
	}
	FC_FUZZ_ASSERT(bounded(s->plan, sizeof s->plan));
	FC_FUZZ_ASSERT(!s->plan[0] || fc_plan_parse(s->plan, &plan, err, sizeof err) == 0);
	FC_FUZZ_ASSERT(s->repeat >= 1 && s->repeat <= 10000);
	FC_FUZZ_ASSERT(s->oracles.norder >= 0 && s->oracles.norder <= FC_ORACLE_COUNT);
	for (int i = 0; i < s->oracles.norder; i++)
		FC_FUZZ_ASSERT(s->oracles.order[i] >= 0 && s->oracles.order[i] < FC_ORACLE_COUNT);
	FC_FUZZ_ASSERT(!(s->oracles.named & s->oracles.skipped));
	FC_FUZZ_ASSERT(s->oracles.exit_status == FC_STATUS_ANY || (s->oracles.exit_status >= 0 && s->oracles.exit_status <= 255));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fc_scenario s;
	static char err[1024];
	const char *path = fc__fuzz_file(data, size, 0);
	err[0] = 0;
	int rc = fc_scenario_load(path, &s, err, sizeof err);
	FC_FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc < 0) {
		size_t len = strlen(path);
		FC_FUZZ_ASSERT(!strncmp(err, path, len) && err[len] == ':' && err[len + 1] >= '0' && err[len + 1] <= '9');
	} else {
		check_accepted(&s);
		/* issue 10: a NUL byte is refused,
		 * not read as the end of its line */
		FC_FUZZ_ASSERT(!memchr(data, 0, size));
	}
	return 0;
}

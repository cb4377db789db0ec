/* Fuzz target: the oracles' reader of a driver's report (runner/oracle.c,
 * oracle_judges.c): the lines a scenario's target prints ("fds 3 5",
 * "status 1 exited:0 exited:0", ...), which a broken or hostile target can
 * make anything.  The first four bytes pick the scenario's side (which
 * oracles check: names and skip: drops, a driver or not) and the run's
 * outcome; the rest is the report.  Besides not crashing: the verdict's
 * headline is an oracle that failed (or the driver), its detail a bounded
 * string, and a failed verdict has a detail. */
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include "fuzz.h"
#include "oracle.h"

static const int statuses[] = { 0, 1 << 8, 2 << 8, SIGSEGV, SIGKILL, 0x7f | SIGSTOP << 8, 255 << 8, SIGABRT | 0x80 };

static void choose(const uint8_t *how, struct fc_oracle_choice *c, struct fc_outcome *out)
{
	unsigned named = how[0] | (unsigned)how[1] << 8, skipped = how[2];
	memset(c, 0, sizeof *c);
	memset(out, 0, sizeof *out);
	for (int o = FC_ORACLE_COUNT - 1; o >= 0; o--) {
		if (named >> o & 1) {
			c->order[c->norder++] = o;
			c->named |= FC_OR_BIT(o);
		} else if ((skipped >> (o % 8) & 1) && !(fc_oracles[o].flags & FC_OR_FIRST)) {
			c->skipped |= FC_OR_BIT(o);
		}
	}
	c->driver = how[3] & 1;
	c->exit_status = how[3] & 2 ? FC_STATUS_ANY : (how[3] >> 5);
	out->status = statuses[how[3] >> 2 & 7];
	out->timed_out = (how[2] & 0x81) == 0x81;
	out->strays = (how[2] & 0x42) == 0x42;
	if (out->strays)
		strcpy(out->strays_what, "1 alive: pid 2 fuzz");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fc_oracle_choice choice;
	static struct fc_outcome out;
	static struct fc_verdict verdict;
	if (size < 4)
		return 0;
	choose(data, &choice, &out);
	char *report = fc__fuzz_text(data + 4, size - 4);
	fc_oracles_evaluate(&choice, report, &out, "fuzz: the target's last line", &verdict);
	FC_FUZZ_ASSERT(memchr(verdict.detail, 0, sizeof verdict.detail));
	FC_FUZZ_ASSERT(verdict.failed == (verdict.oracle >= 0));
	if (verdict.failed) {
		FC_FUZZ_ASSERT(verdict.oracle == FC_OR_DRIVER ||
			       (verdict.oracle < FC_ORACLE_COUNT && (verdict.failed_set & FC_OR_BIT(verdict.oracle))));
		FC_FUZZ_ASSERT(verdict.detail[0]);
		FC_FUZZ_ASSERT(!(verdict.failed_set & choice.skipped));
	}
	char others[512];
	fc_verdict_others(&verdict, others, sizeof others);
	free(report);
	return 0;
}

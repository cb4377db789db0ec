/* What an oracle's judge sees (oracles.def): the runner's outcome, one
 * parsed report line at a time, and scratch state of its own. */
#ifndef FC_ORACLE_JUDGE_H
#define FC_ORACLE_JUDGE_H
#include <stddef.h>
#include "oracle.h"

#define FC_OBS_MAX_FIELDS 8

/* One report line the oracle owns, already split and checked against its
 * row's form: NFIELDS fields after the kind, the '#' ones as numbers. */
struct fc_obs {
	int kind; /* which of the row's lines, from 0 */
	int nfields;
	const char *field[FC_OBS_MAX_FIELDS];
	long num[FC_OBS_MAX_FIELDS];
};

struct fc_judge {
	const struct fc_outcome *out;
	const struct fc_oracle_choice *choice; /* the scenario's: exit: */
	const char *target_err;                /* the last line the target wrote on stderr */
	char *detail;                          /* the one-line detail of a failure */
	size_t len;
	/* zeroed before each oracle, for those that judge across lines */
	union {
		max_align_t align;
		unsigned char bytes[9216];
	} state;
};

/* Write the detail; returns 1 (failed), so a judge can `return` it. */
int fc__judge_fail(struct fc_judge *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define FC_ORACLE(id, name, aliases, lines, judge, flags) int judge(struct fc_judge *j, const struct fc_obs *obs);
#include "oracles.def"
#undef FC_ORACLE
#endif

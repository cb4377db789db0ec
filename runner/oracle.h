/* The invariant oracles: each written once, evaluated on every run from the
 * driver's report (scenarios/README.md) and the runner's own outcome. */
#ifndef FC_ORACLE_H
#define FC_ORACLE_H
#include <stddef.h>
#include "proc.h"

enum fc_oracle {
	FC_OR_NO_HANG,
	FC_OR_NO_CRASH,
	FC_OR_NO_STRAY,
	FC_OR_NO_FD_LEAK,
	FC_OR_STATUS_ONCE,
	FC_OR_CHAINED,
	FC_OR_ERRNO,
	FC_OR_NO_EINTR,
	FC_OR_API_ERRNO,
	FC_OR_FLAGS,
	FC_OR_FOREIGN_CLOSE,
	FC_ORACLE_COUNT,
	FC_OR_DRIVER = FC_ORACLE_COUNT, /* the driver itself failed: not an oracle */
};

extern const char *const fc_oracle_names[FC_ORACLE_COUNT + 1];
int fc_oracle_lookup(const char *name);

struct fc_verdict {
	int failed;
	int harness;         /* the driver could not run its pattern (exit 2) */
	int oracle;          /* the headline: the first failed in the scenario's order */
	unsigned failed_set; /* every oracle that failed */
	char detail[480];
};

/* CHECKS: bitset of oracles to evaluate; STRICT: those must have their
 * observation in REPORT (a missing one fails: a check that cannot see is
 * not a pass).  DRIVER_ERR: the tail of the driver's stderr, for messages. */
void fc_oracles_evaluate(unsigned checks, unsigned strict, const int *order, int norder, const char *report,
			 const struct fc_outcome *out, const char *driver_err, struct fc_verdict *verdict);
/* "api-errno, no-stray": the failed oracles other than the headline. */
void fc_verdict_others(const struct fc_verdict *verdict, char *buf, size_t len);
#endif

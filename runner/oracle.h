/* The invariant oracles: a registry (oracles.def, one row each), evaluated
 * on every run from the driver's report (scenarios/README.md) and the
 * runner's own outcome. */
#ifndef FC_ORACLE_H
#define FC_ORACLE_H
#include <stddef.h>
#include <stdint.h>
#include "proc.h"

enum fc_oracle {
#define FC_ORACLE(id, name, aliases, lines, judge, flags) FC_OR_##id,
#include "oracles.def"
#undef FC_ORACLE
	FC_ORACLE_COUNT,
	FC_OR_DRIVER = FC_ORACLE_COUNT, /* the driver itself failed: not an oracle */
};

/* The flags column of oracles.def. */
enum { FC_OR_FIRST = 1, FC_OR_SEES = 2, FC_OR_SHIM = 4 };

typedef uint64_t fc_oracle_set;
#define FC_OR_BIT(oracle) ((fc_oracle_set)1 << (oracle))
_Static_assert(FC_OR_DRIVER < 64, "fc_oracle_set holds every oracle and the driver");

struct fc_judge;
struct fc_obs;
struct fc_oracle_def {
	const char *name, *aliases, *lines;
	int (*judge)(struct fc_judge *j, const struct fc_obs *obs);
	unsigned flags;
};
extern const struct fc_oracle_def fc_oracles[FC_ORACLE_COUNT];

/* The name of ORACLE; "driver" for FC_OR_DRIVER. */
const char *fc_oracle_name(int oracle);
/* By name or alias; -1 when unknown. */
int fc_oracle_lookup(const char *name);
/* Every oracle's name, space-separated, for messages. */
void fc_oracle_list(char *buf, size_t len);

/* "FORKCHAOS_ORACLES=fds,eintr": the shim's oracles among SET, the names
 * the shim knows (inject/oracles.c) being the registry's. */
void fc_oracle_shim_env(fc_oracle_set set, char *buf, size_t len);

/* exit: any */
#define FC_STATUS_ANY (-1)

/* What a scenario says about its oracles: check: names and orders them,
 * skip: removes them; every other one is judged too.  exit: is what the
 * exit-status oracle expects. */
struct fc_oracle_choice {
	int order[FC_ORACLE_COUNT]; /* the check: list in its order */
	int norder;
	fc_oracle_set named, skipped;
	int exit_status; /* exit: N (default 0) or FC_STATUS_ANY */
	int driver;      /* the target is one of our drivers: its exit 2 says it could not run */
};

struct fc_verdict {
	int failed;
	int harness;              /* a driver could not run its pattern (exit 2) */
	int oracle;               /* the headline: the first failed in the scenario's order */
	fc_oracle_set failed_set; /* every oracle that failed */
	char detail[1024];        /* room for a stuck stack, thread by thread */
};

/* TARGET_ERR: the tail of the target's stderr, for messages. */
void fc_oracles_evaluate(const struct fc_oracle_choice *choice, const char *report, const struct fc_outcome *out,
			 const char *target_err, struct fc_verdict *verdict);
/* The detail of ORACLE's failure in the last evaluation ("" if it held). */
const char *fc_verdict_detail(const struct fc_verdict *verdict, int oracle);
/* REPORT's `watched` line (the shim's) names NAME: it looked. */
int fc_report_watched(const char *report, const char *name);
/* "api-errno, strays": the failed oracles other than the headline. */
void fc_verdict_others(const struct fc_verdict *verdict, char *buf, size_t len);
#endif

/* Scenario files (scenarios/README.md): parsing and validation. */
#ifndef FC_SCENARIO_H
#define FC_SCENARIO_H
#include <limits.h>
#include <stdint.h>
#include "oracle.h"
#include "plan.h"

#define FC_SCN_MAX_ARGS 32

struct fc_scenario {
	char path[PATH_MAX];
	char dir[PATH_MAX]; /* its folder, absolute: what relative words of target: are relative to */
	char name[64];
	int name_line;
	char window[8];
	char summary[256]; /* the opening comment's first line */
	char target[512];  /* as written */
	char argbuf[1024]; /* the words of target, NUL-separated */
	char *argv[FC_SCN_MAX_ARGS + 1];
	int argc;
	char plan[FC_PLAN_MAX];
	int repeat;
	uint64_t timeout_ns;
	struct fc_oracle_choice oracles; /* check:, skip: and exit: */
	int xfail;
	char xfail_reason[256];
	char seed[24];   /* empty: the run's --seed */
	char defect[64]; /* the seeded defect it is built to catch */
	int syslayer;    /* its plan has syscall-level rules: each run takes the layer (check_resolve.c) */
};

/* Load PATH; on error returns -1 with "PATH:LINE: what, expected form". */
int fc_scenario_load(const char *path, struct fc_scenario *s, char *err, size_t errlen);
#endif

/* forkchaos run --check LIST (run_check.c): the oracles judged on any
 * command, one line on stderr per failure, and --check-out FILE. */
#ifndef FC_RUN_CHECK_H
#define FC_RUN_CHECK_H
#include <limits.h>
#include <stdio.h>
#include "oracle.h"
#include "plan.h"
#include "proc.h"
#include "results.h"

struct fc_run_check {
	struct fc_oracle_choice choice; /* the LIST, in its order; hang and crash always */
	int all;
	char dir[PATH_MAX - 64]; /* a private folder for the report */
	char report[PATH_MAX];   /* where the shim writes its lines */
	char env_report[PATH_MAX + 32];
	char env_oracles[256]; /* FORKCHAOS_ORACLES=the shim's among LIST */
	struct fc_outfile out; /* --check-out, claimed before CMD runs */
	int nrules;            /* the plan's rules, and what each did (stats region) */
	unsigned long long matched[FC_MAX_RULES], acted[FC_MAX_RULES];
	int report_fd;
	/* the output: stdout captured (--check-out, --expect with a hash),
	 * passed on, and its hash (numbers folded: pids, counts, durations) */
	int capture;
	char out_hash[24];
	/* --expect EXIT[:HASH]: the clean run's, for differs */
	int expecting, expect_exit;
	char expect_out[24];
};

/* LIST: comma-separated oracle names (or aliases), or all; -1 and ERR. */
int fc_run_check_parse(struct fc_run_check *rc, const char *list, char *err, size_t len);
/* A program the shim cannot load into (a static one, under the syscall
 * layer): `all` judges what is seen from outside (strays, hang, crash,
 * differs), and the shim's oracles are dropped from it.  Returns how many
 * of the shim's oracles stay named (given by name: run refuses them). */
int fc_run_check_without_shim(struct fc_run_check *rc);
/* NAMED: the oracles RC names that the shim computes inside the process;
 * OUTSIDE: those that judge any command from outside it (comma-separated,
 * from the oracle table). */
void fc_run_check_shim_names(const struct fc_run_check *rc, char *named, size_t nlen, char *outside, size_t olen);
/* The report folder, and the two variables the shim reads, appended to
 * EXTRA_ENV at *NENV; -1 and errno. */
int fc_run_check_prepare(struct fc_run_check *rc, const char **extra_env, int *nenv);
/* After CMD (its outcome, and the code run would exit with): prints each
 * failed oracle on ERR_STREAM, writes --check-out; 1 one failed, 0 none,
 * 2 the shim's oracles could not be judged (it was not there at the end),
 * -1 --check-out could not be written. */
int fc_run_check_judge(struct fc_run_check *rc, const struct fc_outcome *out, int exit_code, FILE *err_stream);
/* --expect EXIT[:HASH] into RC; -1 when it is not one. */
int fc_run_check_expect(struct fc_run_check *rc, const char *text);
/* The captured output FD (read from its start) onto stdout, and its hash
 * into rc->out_hash. */
void fc_run_check_output(struct fc_run_check *rc, int fd);
/* Removes the report folder and an uncommitted --check-out temporary. */
void fc_run_check_done(struct fc_run_check *rc);
#endif

/* forkchaos check: the one state of a check (its options, what they
 * resolved to, the results) and the parts that share it. */
#ifndef FC_CHECK_H
#define FC_CHECK_H
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include "oracle.h"
#include "progress.h"
#include "results.h"
#include "scenario.h"

enum fc_state_kind { FC_PASS, FC_FAIL, FC_XFAIL, FC_XPASS, FC_ERROR, FC_NOT_RUN };
extern const char *const fc_state_names[];

/* What a worker sends back for one scenario on one library: one write. */
struct fc_result {
	int scenario, lib;
	int runs, failed_runs;
	int harness_error; /* the driver could not be started or could not run */
	int interrupted;   /* a run was cut short by SIGINT/SIGTERM: not judged */
	int state;         /* enum fc_state_kind, filled by the parent */
	int in_baseline;   /* a known failure (--baseline) */
	int first_failed;  /* that run's number, from 1 (its trace is kept) */
	double seconds;
	struct fc_verdict verdict; /* of the first failing run */
};

/* The command line (check.c's option table). */
struct fc_check_options {
	const char *lib, *junit, *filter, *baseline, *seed, *out;
	int tap, matrix, update, jobs, repeat;
	uint64_t progress_ns; /* --progress-every */
	char **paths;
	int npaths;
};

#define FC_MAX_LIBS 64

struct fc_check {
	struct fc_check_options opt;
	/* resolved (check_resolve.c) */
	struct fc_scenario *scenarios;
	int nscenarios;
	char libs[FC_MAX_LIBS][PATH_MAX]; /* [0] the library under test; --matrix: + the defects */
	int nlibs;
	char exe_dir[PATH_MAX];
	char drivers[PATH_MAX]; /* the drivers' folder (install_path.h) */
	char shim[PATH_MAX];
	char workdir[PATH_MAX];
	char (*baseline)[64]; /* the names of known failures (malloc'd) */
	int nbaseline;
	struct fc_outfile junit_out, baseline_out; /* --junit, --update-baseline: claimed */
	struct fc_results folder;                  /* results/RUN-ID/, being written */
	int guard_pid, guard_fd;                   /* the cleaner (check_guard.c), or 0 and -1 */
	int argc;                                  /* the command line, for run.json */
	char **argv;
	/* run */
	struct fc_result *results; /* nlibs x nscenarios (lib-major), or nscenarios */
	int njobs;
	int printed; /* the results printed so far, in order */
	int interrupted;
	struct fc_progress *progress; /* shared with the workers */
	int total_runs;
	int exit_code;
};

/* check_resolve.c: the paths, libraries, defects, baseline, work folder;
 * each prints its one-line error and returns -1. */
int fc_check_resolve(struct fc_check *c);
/* check_guard.c: the cleaner, a process that removes the work folder,
 * the unfinished results folder and the claimed temporaries if check is
 * killed (SIGKILL) before it can; stopped, once check has, by the other. */
int fc_check_guard_start(struct fc_check *c);
void fc_check_guard_stop(struct fc_check *c);
/* check_run.c: one scenario on one library, all its repetitions. */
void fc_check_run_one(const struct fc_check *c, int scenario, int lib, struct fc_result *res);
/* The one-line command that reproduces scenario S on LIB. */
void fc_check_repro(const struct fc_check *c, const struct fc_scenario *s, const char *lib, int oracle, char *buf, size_t len);
/* S's command word, absolute: a bare name is one of our drivers
 * (build/drivers/NAME) or else found in $PATH, a relative path is
 * relative to the scenario's folder.  Returns 1 when it is a driver. */
int fc_check_command(const struct fc_check *c, const struct fc_scenario *s, char *buf, size_t len);
/* "traces/SCENARIO.LIB.RUN.jsonl": where a failing run's trace is kept. */
void fc_check_trace_name(const struct fc_check *c, const struct fc_scenario *s, int lib, int run, char *buf, size_t len);
/* check_results.c: the results folder's run.json, verdicts.csv,
 * verdicts.jsonl and junit.xml; each prints its error and returns -1. */
int fc_check_write_results(struct fc_check *c);
/* check_report.c */
void fc_write_junit(FILE *out, const struct fc_check *c, const struct fc_result *res, int n);
void fc_write_tap(FILE *out, const struct fc_check *c, const struct fc_result *res, int n);
/* Every name PATH lists, in *NAMES (malloc'd); -1 and errno. */
int fc_baseline_load(const char *path, char (**names)[64]);
void fc_baseline_write(FILE *out, const struct fc_check *c, const struct fc_result *res, int n);
void fc_print_matrix(FILE *out, const struct fc_check *c, const struct fc_result *res, const char *prefix);
#endif

/* A results folder (design.md, "Results folder"): ROOT/RUN-ID/, RUN-ID a
 * UTC timestamp and a random suffix, never reused; written as
 * ROOT/.partial-RUN-ID and renamed when complete; ROOT/latest points at
 * the newest complete one.  check writes one; sweep and report will too. */
#ifndef FC_RESULTS_H
#define FC_RESULTS_H
#include <limits.h>
#include <stdio.h>
#include <time.h>

struct fc_results {
	char root[PATH_MAX - 128]; /* results/, or --out DIR; room for the rest */
	char id[48];               /* RUN-ID */
	char dir[PATH_MAX];        /* where it is written until it is complete */
	char final[PATH_MAX];      /* where it is then */
	time_t started;
};

/* Makes ROOT (and its parents) and a fresh run folder in it; -1 and
 * errno (ROOT not writable). */
int fc_results_begin(struct fc_results *r, const char *root);
/* The path of NAME in the run folder (being written). */
void fc_results_path(const struct fc_results *r, const char *name, char *buf, size_t len);
/* A file NAME written atomically: fc_results_create opens NAME.tmp,
 * fc_results_commit closes it and renames it into place (on any error it
 * is removed; -1 and errno). */
FILE *fc_results_create(const struct fc_results *r, const char *name);
int fc_results_commit(const struct fc_results *r, const char *name, FILE *f);
/* Renames the run folder into place and points ROOT/latest at it. */
int fc_results_finish(struct fc_results *r);
/* Removes the run folder, incomplete, and everything in it. */
void fc_results_discard(struct fc_results *r);

/* run.json: the members every kind has, then MEMBERS' own (each written
 * as ',"name":value'). */
struct fc_run_info {
	const char *kind; /* check, sweep, explore, demo */
	int argc;
	char **argv;      /* the command line, as given */
	const char *plan; /* NULL: none (check: each scenario has its own) */
	const char *seed;
	void (*members)(FILE *f, const void *ctx);
	const void *ctx;
};
int fc_results_run_json(const struct fc_results *r, const struct fc_run_info *info);

/* Values for JSON and CSV files: TEXT quoted and escaped (NULL: null, or
 * an empty field). */
void fc_json_string(FILE *f, const char *text);
void fc_csv_field(FILE *f, const char *text);
#endif

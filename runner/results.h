/* A results folder (design.md, "Results folder"): ROOT/RUN-ID/, RUN-ID a
 * UTC timestamp and a random suffix, never reused; written as
 * ROOT/.partial-RUN-ID and renamed when complete; ROOT/latest points at
 * the newest complete one.  check writes one; sweep and report will too. */
#ifndef FC_RESULTS_H
#define FC_RESULTS_H
#include <limits.h>
#include <stdint.h>
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
/* A file NAME written atomically: fc_results_create opens NAME.tmp (a
 * new file: never one that is there already, nor through a link),
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

/* A table of the folder written twice, with one call per row: NAME.csv
 * (its header line, then RFC 4180 rows) and NAME.jsonl (one object per
 * row, the columns its keys), each atomically (fc_results_create). */
struct fc_results_table {
	const struct fc_results *r;
	const char *name; /* "outcomes" */
	const char *const *columns;
	int ncols;
	unsigned numeric; /* bit K: column K is a number in JSON ("": null) */
	FILE *csv, *jsonl;
};
/* -1 and errno, nothing left behind. */
int fc_results_table_open(struct fc_results_table *t);
void fc_results_table_row(struct fc_results_table *t, const char *const *values);
/* Both files into place; -1 and errno. */
int fc_results_table_commit(struct fc_results_table *t);

/* Removes PATH and, if it is a folder, everything in it (links are
 * removed, not followed).  0, or -1 and errno. */
int fc_remove_tree(const char *path);

/* A file the user named (--junit, a baseline), claimed before the work
 * that fills it: a private temporary beside PATH (mkstemp: made new, so
 * never through a planted link), renamed over PATH when complete.  PATH
 * must be a plain file or not exist, in a folder we can write. */
struct fc_outfile {
	char path[PATH_MAX];
	char tmp[PATH_MAX]; /* "" when there is none */
	int fd;
};
/* -1 and ERR ("is a folder; expected ..."), the temporary not made. */
int fc_outfile_claim(struct fc_outfile *o, const char *path, char *err, size_t errlen);
/* The temporary as a stream (the claim's descriptor is its from then on). */
FILE *fc_outfile_stream(struct fc_outfile *o);
/* Closes F and renames the temporary over PATH; -1 and errno, removed. */
int fc_outfile_commit(struct fc_outfile *o, FILE *f);
/* Removes the temporary (nothing: not claimed, or committed). */
void fc_outfile_drop(struct fc_outfile *o);

/* Text as valid UTF-8 whatever bytes it holds: ESCAPE says how a
 * character CP is written (its text in BUF, or NULL: as it is); a byte
 * that does not begin a valid UTF-8 character comes as CP FC_RAW_BYTE + b,
 * to be escaped (\xNN, as the format spells a backslash). */
#define FC_RAW_BYTE 0x110000u
void fc_text_write(FILE *f, const char *text, const char *(*escape)(uint32_t cp, char buf[16]));

/* TEXT for a terminal: every control character (C0, DEL, C1: a target's
 * output may hold escape sequences) and every byte that is not UTF-8
 * shown as \xNN, so that it is one line that changes nothing. */
void fc_shown_text(FILE *f, const char *text);

/* Values for JSON and CSV files: TEXT quoted and escaped (NULL: null, or
 * an empty field); valid UTF-8 whatever bytes TEXT holds. */
void fc_json_string(FILE *f, const char *text);
void fc_csv_field(FILE *f, const char *text);
#endif

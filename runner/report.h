/* forkchaos report DIR: report.html (one self-contained file) and
 * report.md (GitHub-flavoured, under 1 MB) from a results folder alone.
 * The folder's files are read into a struct fc__report (report_read.c,
 * report_data.c);
 * each section of the report is one function and one row of
 * report_sections.def (its title, intro and CSS: the template part), and
 * writes through one document writer (report_doc.c) that speaks both HTML
 * and Markdown, so that a section is written once.  Every text from the
 * folder is escaped by the writer: a target's detail may hold <script>. */
#ifndef FC_REPORT_H
#define FC_REPORT_H
#include <limits.h>
#include <stddef.h>
#include <stdio.h>

/* ---- report_read.c: the folder's files */

/* A CSV file (RFC 4180), row 0 its header; cells decoded in place. */
struct fc__csv {
	char *buf;
	char **cell; /* (nrows + 1) x ncols */
	int ncols, nrows;
};
/* 0; -1 and errno (ENOENT: absent; EINVAL: not CSV; EFBIG: too big). */
int fc__csv_load(struct fc__csv *t, const char *path);
/* NAME's column, or -1. */
int fc__csv_col(const struct fc__csv *t, const char *name);
/* ROW's (from 0, after the header) cell in COL; "" for a column not there. */
const char *fc__csv_at(const struct fc__csv *t, int row, int col);
void fc__csv_free(struct fc__csv *t);

/* A JSON document flattened: one entry per value, named by its path
 * ("host.kernel", "command.0"); objects and arrays have entries too, their
 * members' count in COUNT. */
enum fc__jtype { FC__J_NULL, FC__J_BOOL, FC__J_NUM, FC__J_STR, FC__J_ARR, FC__J_OBJ };
struct fc__jentry {
	char *path;
	char *text; /* STR: decoded; NUM: as written; BOOL: "true"/"false"; else NULL */
	enum fc__jtype type;
	int count;
};
struct fc__json {
	struct fc__jentry *e;
	int n, room;
};
/* 0; -1 and errno (EINVAL: not one JSON object, ERR says where). */
int fc__json_load(struct fc__json *j, const char *path, char *err, size_t errlen);
const struct fc__jentry *fc__json_get(const struct fc__json *j, const char *path);
/* PATH's text when it is a string, number or boolean; else NULL. */
const char *fc__json_text(const struct fc__json *j, const char *path);
void fc__json_free(struct fc__json *j);

/* One sweep's folder: DIR itself (a sweep's results) or DIR/sweeps/NAME. */
struct fc__sweep_data {
	char name[128];
	char dir[PATH_MAX];
	struct fc__json run;
	struct fc__csv sites, outcomes;
	int has_run, has_sites;
};

/* A fact of the verdict: what held or what failed. */
struct fc__fact {
	int failed;
	int expected; /* a failure that is the content (a seeded defect detected) */
	char text[480];
};

/* scenarios x libraries, from verdicts.csv */
struct fc__matrix {
	const char **libs, **scen; /* libs[0]: the library under test */
	int nlibs, nscen;
	int *row;   /* nscen x nlibs: the verdicts.csv row, or -1 */
	int col[9]; /* verdicts.csv columns (enum fc__vcol) */
};
enum fc__vcol {
	FC__V_SCENARIO,
	FC__V_LIBRARY,
	FC__V_STATE,
	FC__V_RUNS,
	FC__V_FAILED,
	FC__V_ORACLE,
	FC__V_DETAIL,
	FC__V_REPRO,
	FC__V_TRACE
};

#define FC__REPORT_NOTES 8
#define FC__REPORT_FACTS 64

struct fc__report {
	char dir[PATH_MAX];
	struct fc__json run;
	const char *kind;
	struct fc__csv verdicts, leak, latency, overhead;
	int has_verdicts, has_leak, has_latency, has_overhead;
	struct fc__csv findings, points, matrix; /* explore's, explore-matrix.sh's */
	int has_findings, has_points, has_matrix;
	struct fc__matrix m;
	struct fc__sweep_data *sweeps;
	int nsweeps;
	char (*plots)[64]; /* names with a .svg or .png in plots/, sorted */
	int nplots;
	char notes[FC__REPORT_NOTES][320];
	int nnotes;
	struct fc__fact facts[FC__REPORT_FACTS];
	int nfacts;
};

/* report_data.c: reads DIR; -1 and a one-line message naming what is missing when DIR is
 * not a results folder. */
int fc__report_load(struct fc__report *r, const char *dir, char *err, size_t errlen);
void fc__report_free(struct fc__report *r);
/* DIR/plots/: each NAME that has a NAME.svg or NAME.png, into r->plots. */
int fc__report_list_plots(struct fc__report *r);
/* A note for the reader (a missing plotter, an unreadable file). */
void fc__report_note(struct fc__report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fc__report_fact(struct fc__report *r, int failed, int expected, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* FILE (relative to DIR) whole, malloc'd, *LEN its size; NULL and errno. */
char *fc__report_slurp(const struct fc__report *r, const char *file, size_t max, size_t *len);

/* report_check.c: the matrix from verdicts.csv, and its facts. */
int fc__report_matrix_build(struct fc__report *r);
/* LIB's short name: the defect of libffd-NAME.so, else the file's name. */
const char *fc__report_lib_label(const char *lib, char *buf, size_t len);
/* report_sweep.c, report_campaigns.c: the facts of their data. */
void fc__report_sweep_facts(struct fc__report *r);
void fc__report_leak_facts(struct fc__report *r);
/* report_explore.c: an explore's findings, explore-matrix.sh's libraries. */
void fc__report_explore_facts(struct fc__report *r);
struct fc__doc;
/* report_explore_matrix.c: a matrix folder's findings and map, read from
 * each library's explore folder. */
void fc__report_explore_matrix(struct fc__doc *d, const struct fc__report *r);

/* ---- report_doc.c: one writer, two formats */
struct fc__doc {
	FILE *f;
	int md;
	size_t done;    /* bytes already written before F's */
	size_t limit;   /* the sections' budget (Markdown: under 1 MB in all) */
	int ncols, col; /* in a table: its columns, the next cell's */
};
/* Text, escaped for the format (inline: a line break is a space in Markdown). */
void fc__doc_text(struct fc__doc *d, const char *text);
void fc__doc_textf(struct fc__doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Markup, as given: HTML's in HTML, MD's in Markdown (either may be NULL). */
void fc__doc_raw(struct fc__doc *d, const char *html, const char *md);
void fc__doc_para(struct fc__doc *d, const char *cls); /* opens a paragraph */
void fc__doc_para_end(struct fc__doc *d);
void fc__doc_h3(struct fc__doc *d, const char *text);
void fc__doc_strong(struct fc__doc *d, const char *text);
void fc__doc_code(struct fc__doc *d, const char *text); /* inline */
/* A block to copy (a command line): <pre> in HTML, a fenced block in MD. */
void fc__doc_block(struct fc__doc *d, const char *lang, const char *text);
void fc__doc_list(struct fc__doc *d);
void fc__doc_item(struct fc__doc *d, const char *cls);
void fc__doc_item_end(struct fc__doc *d);
void fc__doc_list_end(struct fc__doc *d);
/* A table of NCOLS columns headed HEADS; then cells, NCOLS a row. */
void fc__doc_table(struct fc__doc *d, const char *cls, int ncols, const char *const *heads);
void fc__doc_cell(struct fc__doc *d, const char *cls, const char *text);
void fc__doc_cell_code(struct fc__doc *d, const char *text);
void fc__doc_table_end(struct fc__doc *d);
/* An image inline (HTML: a data: URI; Markdown: a link to FILE, as a CI
 * summary shows no data: image). */
void fc__doc_image(struct fc__doc *d, const char *alt, const char *mime, const char *bytes, size_t len, const char *file);
/* Bytes left in the budget: a long list stops when the next item may not fit. */
size_t fc__doc_room(const struct fc__doc *d);

/* ---- the sections (report_sections.def) */
#define SECTION(id, title, intro, css, fn) int fn(struct fc__doc *d, const struct fc__report *r);
#include "report_sections.def"
#undef SECTION
/* report_page.c: the whole of report.html or report.md into F. */
int fc__report_page(FILE *f, int md, const struct fc__report *r);

/* Shell words: TEXT quoted for sh when it needs to be (malloc'd). */
char *fc__report_quote(const char *text);
#endif

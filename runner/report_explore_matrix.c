/* The explore section of a folder of scripts/explore-matrix.sh: its
 * explore-matrix.csv names each library's own explore folder (column
 * `folder`, under the matrix folder), and from those folders alone come
 * the findings of every library (each with its minimized plan) and the
 * libraries x perturbation kinds map: how many points failed under each
 * kind, and the oracle that failed most there.  The fixed library's
 * column is the control: it must be empty. */
#include <stdlib.h>
#include <string.h>
#include "report.h"

/* The findings shown per library; the rest are in its folder. */
#define SHOWN_PER_LIBRARY 4

static const char *cell(const struct fc__csv *t, int row, const char *col)
{
	return fc__csv_at(t, row, fc__csv_col(t, col));
}

/* Library ROW's file NAME (findings.csv, points.csv) into T; 0 when it is
 * there.  The folder comes from a CSV file: one that climbs out of the
 * matrix folder, or is absolute, is not followed. */
static int library_table(const struct fc__report *r, int row, const char *name, struct fc__csv *t)
{
	char path[PATH_MAX + 512];
	const char *folder = cell(&r->matrix, row, "folder");
	if (!*folder || *folder == '/' || strstr(folder, ".."))
		return -1;
	snprintf(path, sizeof path, "%s/%s/%s", r->dir, folder, name);
	return fc__csv_load(t, path);
}

static void finding_row(struct fc__doc *d, const struct fc__csv *f, int k, const char *library)
{
	char after[32];
	snprintf(after, sizeof after, "%.1f s", atof(cell(f, k, "found_ms")) / 1e3);
	fc__doc_cell(d, NULL, library);
	fc__doc_cell(d, "bad", cell(f, k, "oracle"));
	fc__doc_cell_code(d, *cell(f, k, "plan") ? cell(f, k, "plan") : "(none)");
	fc__doc_cell(d, NULL, cell(f, k, "confirmed"));
	fc__doc_cell(d, NULL, after);
	fc__doc_cell(d, NULL, cell(f, k, "perturbation"));
}

static void findings_of(struct fc__doc *d, const struct fc__report *r, int row)
{
	struct fc__csv f = { 0 };
	char more[96];
	if (library_table(r, row, "findings.csv", &f) < 0)
		return;
	/* the confirmed ones first (5 runs out of 5: what the score counts),
	 * each group in the file's order (the most severe first) */
	int shown = 0;
	if (!f.nrows) { /* the fixed library's row: its absence is the content */
		fc__doc_cell(d, NULL, cell(&r->matrix, row, "library"));
		fc__doc_cell(d, "ok", "none");
		for (int c = 0; c < 4; c++)
			fc__doc_cell(d, NULL, "");
	}
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < f.nrows && shown < SHOWN_PER_LIBRARY; k++) {
			if ((strcmp(cell(&f, k, "confirmed"), "5/5") != 0) != pass)
				continue;
			finding_row(d, &f, k, shown++ ? "" : cell(&r->matrix, row, "library"));
		}
	if (f.nrows > SHOWN_PER_LIBRARY) {
		snprintf(more, sizeof more, "and %d more (%s/findings.csv)", f.nrows - SHOWN_PER_LIBRARY,
			 cell(&r->matrix, row, "folder"));
		fc__doc_cell(d, NULL, "");
		fc__doc_cell(d, NULL, "");
		fc__doc_cell(d, NULL, more);
		for (int c = 0; c < 3; c++)
			fc__doc_cell(d, NULL, "");
	}
	fc__csv_free(&f);
}

static void findings_table(struct fc__doc *d, const struct fc__report *r)
{
	static const char *const heads[] = { "library", "oracle", "minimized plan", "confirmed", "found after", "perturbation" };
	fc__doc_h3(d, "Findings, per library");
	fc__doc_table(d, "findings", 6, heads);
	for (int row = 0; row < r->matrix.nrows && fc__doc_room(d) > 8192; row++)
		findings_of(d, r, row);
	fc__doc_table_end(d);
}

/* The kinds of points.csv: its columns after `where` up to `runs`. */
struct kinds {
	const char *name[12];
	int n;
};

static void kinds_of(const struct fc__csv *p, struct kinds *k)
{
	int first = fc__csv_col(p, "where") + 1, last = fc__csv_col(p, "runs");
	k->n = 0;
	for (int c = first; first > 0 && c < last && k->n < 12; c++)
		k->name[k->n++] = p->cell[c];
}

static int failing(const char *outcome)
{
	return *outcome && strcmp(outcome, "ok") && strcmp(outcome, "handled") && strcmp(outcome, "not-reached") &&
		strcmp(outcome, "error");
}

/* Under KIND (a column of P): "N × ORACLE" (the oracle of most of the N
 * failing points), or "" when none failed. */
static void kind_cell(const struct fc__csv *p, const char *kind, char *buf, size_t len)
{
	int col = fc__csv_col(p, kind), failed = 0, best = 0;
	const char *top = "";
	*buf = 0;
	if (col < 0)
		return;
	for (int row = 0; row < p->nrows; row++) {
		const char *v = fc__csv_at(p, row, col);
		if (!failing(v))
			continue;
		failed++;
		int same = 0;
		for (int other = 0; other < p->nrows; other++)
			same += !strcmp(fc__csv_at(p, other, col), v);
		if (same > best)
			best = same, top = v;
	}
	if (failed)
		snprintf(buf, len, "%d \u00d7 %s", failed, top);
}

static void kinds_map(struct fc__doc *d, const struct fc__report *r)
{
	struct fc__csv p = { 0 }, first = { 0 };
	struct kinds k = { 0 };
	const char *heads[16] = { "library", "points" };
	char text[64];
	/* the columns: the kinds of the first library that has points.csv
	 * (kept open: the names are its cells) */
	for (int row = 0; row < r->matrix.nrows && !first.buf; row++)
		if (library_table(r, row, "points.csv", &first) < 0)
			first = (struct fc__csv){ 0 };
	kinds_of(&first, &k);
	if (!k.n)
		goto out;
	for (int c = 0; c < k.n; c++)
		heads[2 + c] = k.name[c];
	fc__doc_h3(d, "Libraries \u00d7 perturbations");
	fc__doc_para(d, NULL);
	fc__doc_text(d,
		     "Each library's points failing under each kind of perturbation (how many, and the oracle of most); "
		     "every explore folder has the full points \u00d7 perturbations map in its own report.");
	fc__doc_para_end(d);
	fc__doc_table(d, "pointmap", 2 + k.n, heads);
	for (int row = 0; row < r->matrix.nrows; row++) {
		int have = library_table(r, row, "points.csv", &p) == 0;
		snprintf(text, sizeof text, "%d", have ? p.nrows : 0);
		fc__doc_cell(d, NULL, cell(&r->matrix, row, "library"));
		fc__doc_cell(d, NULL, have ? text : "\u00b7");
		for (int c = 0; c < k.n; c++) {
			if (have)
				kind_cell(&p, k.name[c], text, sizeof text);
			fc__doc_cell(d, have && *text ? "bad" : "ok", have && *text ? text : "\u00b7");
		}
		if (have)
			fc__csv_free(&p);
	}
	fc__doc_table_end(d);
out:
	fc__csv_free(&first);
}

void fc__report_explore_matrix(struct fc__doc *d, const struct fc__report *r)
{
	findings_table(d, r);
	kinds_map(d, r);
}

/* The explore section of a report: an explore's folder (findings.csv,
 * points.csv, as explore writes them) gives its findings, ranked, each
 * with its minimized plan and reproduce line, the time to its first
 * finding, and the points x perturbation map (each point's worst outcome
 * under each kind); a folder of scripts/explore-matrix.sh
 * (explore-matrix.csv) gives each library's time to its first finding,
 * then (report_explore_matrix.c) every library's findings and map. */
#include <stdlib.h>
#include <string.h>
#include "report.h"

static const char *cell(const struct fc__csv *t, int row, const char *col)
{
	return fc__csv_at(t, row, fc__csv_col(t, col));
}

/* The library an explore tested: its defect's name, or the file's. */
static const char *library(const struct fc__report *r, char *buf, size_t len)
{
	const char *lib = fc__json_text(&r->run, "options.lib");
	return lib && *lib ? fc__report_lib_label(lib, buf, len) : NULL;
}

void fc__report_explore_facts(struct fc__report *r)
{
	char lib[128];
	const char *label = library(r, lib, sizeof lib);
	/* a seeded defect's findings are the content, the fixed library's a failure */
	int defect = label &&
		strstr(fc__json_text(&r->run, "options.lib") ? fc__json_text(&r->run, "options.lib") : "", "/defects/");
	if (r->has_findings) {
		int n = r->findings.nrows;
		const char *first = fc__json_text(&r->run, "first_finding_ms"), *runs = fc__json_text(&r->run, "runs");
		if (n)
			fc__report_fact(r, 1, defect, "explore%s%s: %d finding%s in %s runs, the first after %.1f s (%s)",
					label ? " of " : "", label ? label : "", n, n == 1 ? "" : "s", runs ? runs : "?",
					first ? atof(first) / 1e3 : 0, cell(&r->findings, 0, "oracle"));
		else
			fc__report_fact(r, 0, 0, "explore%s%s: no finding in %s runs", label ? " of " : "", label ? label : "",
					runs ? runs : "?");
	}
	for (int row = 0; r->has_matrix && row < r->matrix.nrows; row++) {
		const char *name = cell(&r->matrix, row, "library"), *found = cell(&r->matrix, row, "findings");
		int fixed = !strcmp(cell(&r->matrix, row, "kind"), "fixed"), n = atoi(found);
		if (fixed)
			fc__report_fact(r, n > 0, 0, "explore of the fixed library %s: %d finding%s", name, n, n == 1 ? "" : "s");
		else {
			/* the score counts a defect whose finding was minimized to at
			 * most 2 rules failing 5 runs out of 5; found only now and
			 * then is not caught */
			int caught = n > 0 && !strcmp(cell(&r->matrix, row, "minimized"), "yes");
			fc__report_fact(r, !caught, caught, "explore of %s: %s (first after %s ms)", name,
					caught      ? "found"
						: n ? "found, but no finding fails 5 runs out of 5 in at most 2 rules"
						    : "SURVIVED",
					*cell(&r->matrix, row, "first_ms") ? cell(&r->matrix, row, "first_ms") : "-");
		}
	}
}

static void findings_table(struct fc__doc *d, const struct fc__csv *f)
{
	/* confirmed: whether the plan fails 5 runs out of 5 (else it is the
	 * plan as found); the severity is the rank the rows are in */
	static const char *const heads[] = { "#", "oracle", "site", "minimized plan", "confirmed", "found after", "perturbation" };
	char after[32];
	fc__doc_table(d, "findings", 7, heads);
	for (int row = 0; row < f->nrows && fc__doc_room(d) > 4096; row++) {
		snprintf(after, sizeof after, "%.1f s", atof(cell(f, row, "found_ms")) / 1e3);
		fc__doc_cell(d, NULL, cell(f, row, "finding"));
		fc__doc_cell(d, "bad", cell(f, row, "oracle"));
		fc__doc_cell_code(d, *cell(f, row, "site") ? cell(f, row, "site") : "(the clean run)");
		fc__doc_cell_code(d, *cell(f, row, "plan") ? cell(f, row, "plan") : "(none)");
		fc__doc_cell(d, NULL, cell(f, row, "confirmed"));
		fc__doc_cell(d, NULL, after);
		fc__doc_cell(d, NULL, cell(f, row, "perturbation"));
	}
	fc__doc_table_end(d);
	for (int row = 0; row < f->nrows && fc__doc_room(d) > 4096; row++) {
		fc__doc_para(d, "detail");
		fc__doc_strong(d, cell(f, row, "finding"));
		fc__doc_text(d, ". ");
		fc__doc_text(d, cell(f, row, "detail"));
		fc__doc_para_end(d);
		fc__doc_block(d, "sh", cell(f, row, "reproduce"));
	}
}

/* Each point's worst outcome under each kind: the columns of points.csv
 * after `where` up to `runs`. */
static void points_map(struct fc__doc *d, const struct fc__csv *p)
{
	int first = fc__csv_col(p, "where") + 1, last = fc__csv_col(p, "runs");
	if (first <= 0 || last <= first || last - first > 12)
		return;
	const char *heads[16] = { "point", "site", "n" };
	int ncols = 3;
	for (int c = first; c < last; c++)
		heads[ncols++] = p->cell[c];
	fc__doc_table(d, "pointmap", ncols, heads);
	for (int row = 0; row < p->nrows && fc__doc_room(d) > 8192; row++) {
		fc__doc_cell(d, NULL, cell(p, row, "point"));
		fc__doc_cell_code(d, cell(p, row, "site"));
		fc__doc_cell(d, NULL, cell(p, row, "n"));
		for (int c = first; c < last; c++) {
			const char *v = fc__csv_at(p, row, c);
			const char *cls = !*v               ? "none"
				: !strcmp(v, "ok")          ? "ok"
				: !strcmp(v, "handled")     ? "handled"
				: !strcmp(v, "not-reached") ? "none"
							    : "bad";
			fc__doc_cell(d, cls, *v ? v : "\u00b7");
		}
	}
	fc__doc_table_end(d);
}

static void matrix_table(struct fc__doc *d, const struct fc__csv *m)
{
	static const char *const heads[] = {
		"library", "findings", "first finding after", "first oracle", "minimized to", "runs"
	};
	char after[32];
	fc__doc_table(d, "findings", 6, heads);
	for (int row = 0; row < m->nrows; row++) {
		const char *ms = cell(m, row, "first_ms");
		snprintf(after, sizeof after, *ms ? "%.1f s" : "-", atof(ms) / 1e3);
		fc__doc_cell(d, NULL, cell(m, row, "library"));
		fc__doc_cell(d, atoi(cell(m, row, "findings")) ? "bad" : NULL, cell(m, row, "findings"));
		fc__doc_cell(d, NULL, after);
		fc__doc_cell(d, NULL, cell(m, row, "first_oracle"));
		fc__doc_cell(d, NULL, cell(m, row, "rules"));
		fc__doc_cell(d, NULL, cell(m, row, "runs"));
	}
	fc__doc_table_end(d);
}

int fc__sec_explore(struct fc__doc *d, const struct fc__report *r)
{
	char lib[128];
	if (!r->has_findings && !r->has_matrix)
		return 0;
	if (r->has_matrix) {
		fc__doc_h3(d, "Time to the first finding, per library");
		matrix_table(d, &r->matrix);
		fc__report_explore_matrix(d, r);
	}
	if (!r->has_findings)
		return 1;
	const char *label = library(r, lib, sizeof lib), *first = fc__json_text(&r->run, "first_finding_ms");
	fc__doc_para(d, NULL);
	fc__doc_textf(d, "%s runs over %s points (%s sites)%s%s in %.1f s: %d finding%s", fc__json_text(&r->run, "runs") ?: "?",
		      fc__json_text(&r->run, "points") ?: "?", fc__json_text(&r->run, "sites") ?: "?", label ? " of " : "",
		      label ? label : "", atof(fc__json_text(&r->run, "explored_ms") ?: "0") / 1e3, r->findings.nrows,
		      r->findings.nrows == 1 ? "" : "s");
	if (r->findings.nrows && first)
		fc__doc_textf(d, "; the first after %.1f s", atof(first) / 1e3);
	fc__doc_text(d, ".");
	fc__doc_para_end(d);
	if (r->findings.nrows)
		findings_table(d, &r->findings);
	if (r->has_points) {
		fc__doc_h3(d, "Points \u00d7 perturbations");
		points_map(d, &r->points);
	}
	return 1;
}

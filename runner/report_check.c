/* The scenario results of a folder (verdicts.csv, as check writes it):
 * the scenarios x libraries matrix, its facts (the library under test,
 * the mutation score), and the sections verdict, matrix and failures. */
#include <stdlib.h>
#include <string.h>
#include "report.h"

static const char *const vcols[] = { "scenario", "library", "state",     "runs", "failed_runs",
				     "oracle",   "detail",  "reproduce", "trace" };

static const char *at(const struct fc__report *r, int row, enum fc__vcol c)
{
	return fc__csv_at(&r->verdicts, row, r->m.col[c]);
}

/* NAME's index in LIST (adding it when ADD); -1 when not there. */
static int find(const char ***list, int *n, const char *name, int add)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp((*list)[i], name))
			return i;
	if (!add)
		return -1;
	const char **more = realloc(*list, (size_t)(*n + 1) * sizeof **list);
	if (!more)
		return -2;
	*list = more;
	more[*n] = name;
	return (*n)++;
}

const char *fc__report_lib_label(const char *lib, char *buf, size_t len)
{
	const char *base = strrchr(lib, '/');
	base = base ? base + 1 : lib;
	size_t n = strlen(base);
	if (!strncmp(base, "libffd-", 7) && n > 10 && !strcmp(base + n - 3, ".so"))
		snprintf(buf, len, "%.*s", (int)(n - 10), base + 7);
	else
		snprintf(buf, len, "%s", base);
	return buf;
}

/* A cell's failing runs counted: the defect was seen (not a harness error). */
static int detected(const struct fc__report *r, int row)
{
	return row >= 0 && atoi(at(r, row, FC__V_FAILED)) > 0 && strcmp(at(r, row, FC__V_STATE), "ERROR");
}

static int failing_state(const char *state)
{
	return !strcmp(state, "FAIL") || !strcmp(state, "XPASS") || !strcmp(state, "ERROR");
}

static void under_test_facts(struct fc__report *r, const char *label)
{
	const struct fc__matrix *m = &r->m;
	char names[320] = "";
	int failed = 0, passed = 0, xfail = 0, not_run = 0, runs = 0;
	for (int s = 0; s < m->nscen; s++) {
		int row = m->row[s * m->nlibs];
		if (row < 0)
			continue;
		const char *state = at(r, row, FC__V_STATE);
		runs += atoi(at(r, row, FC__V_RUNS));
		passed += !strcmp(state, "PASS");
		xfail += !strcmp(state, "XFAIL");
		not_run += !strcmp(state, "NOT-RUN");
		if (failing_state(state) && failed++ < 4) {
			size_t used = strlen(names);
			snprintf(names + used, sizeof names - used, "%s%s (%s%s%s)", used ? ", " : "", m->scen[s], state,
				 *at(r, row, FC__V_ORACLE) ? ": " : "", at(r, row, FC__V_ORACLE));
		}
	}
	if (failed)
		fc__report_fact(r, 1, 0, "%d of %d scenarios failed on %s: %s%s", failed, m->nscen, label, names,
				failed > 4 ? ", ..." : "");
	else {
		char expected[64] = "";
		if (xfail)
			snprintf(expected, sizeof expected, ", %d failed as expected (XFAIL)", xfail);
		fc__report_fact(r, 0, 0, "every scenario held on %s: %d passed%s (%d runs)", label, passed, expected, runs);
	}
	if (not_run)
		fc__report_fact(r, 1, 0, "%d scenarios were not run on %s (the check was interrupted)", not_run, label);
}

static void defect_facts(struct fc__report *r)
{
	const struct fc__matrix *m = &r->m;
	char survived[320] = "", label[128];
	int killed = 0, cells = 0;
	for (int l = 1; l < m->nlibs; l++) {
		int hits = 0;
		for (int s = 0; s < m->nscen; s++)
			hits += detected(r, m->row[s * m->nlibs + l]);
		cells += hits;
		killed += hits > 0;
		size_t used = strlen(survived);
		if (!hits)
			snprintf(survived + used, sizeof survived - used, "%s%s", used ? ", " : "",
				 fc__report_lib_label(m->libs[l], label, sizeof label));
	}
	int defects = m->nlibs - 1;
	if (killed < defects)
		fc__report_fact(r, 1, 0, "mutation score %d/%d: no scenario detected %s", killed, defects, survived);
	else
		fc__report_fact(r, 0, 0, "mutation score %d/%d: every seeded defect was detected", killed, defects);
	fc__report_fact(r, 1, 1, "the seeded defects failed %d scenario%s between them: each failure is a detection", cells,
			cells == 1 ? "" : "s");
}

int fc__report_matrix_build(struct fc__report *r)
{
	struct fc__matrix *m = &r->m;
	char key[32], label[128];
	for (int c = 0; c < (int)(sizeof vcols / sizeof vcols[0]); c++)
		m->col[c] = fc__csv_col(&r->verdicts, vcols[c]);
	if (m->col[FC__V_SCENARIO] < 0 || m->col[FC__V_LIBRARY] < 0)
		return -1;
	/* run.json's order first: the library under test is its first */
	const char *lib;
	for (int i = 0; snprintf(key, sizeof key, "libraries.%d", i), (lib = fc__json_text(&r->run, key)); i++)
		if (find(&m->libs, &m->nlibs, lib, 1) < -1)
			return -1;
	for (int i = 0; i < r->verdicts.nrows; i++)
		if (find(&m->libs, &m->nlibs, at(r, i, FC__V_LIBRARY), 1) < -1 ||
		    find(&m->scen, &m->nscen, at(r, i, FC__V_SCENARIO), 1) < -1)
			return -1;
	/* a library run.json names but no row has is none of the table's */
	int kept = 0;
	for (int l = 0; l < m->nlibs; l++) {
		int rows = 0;
		for (int i = 0; i < r->verdicts.nrows && !rows; i++)
			rows = !strcmp(at(r, i, FC__V_LIBRARY), m->libs[l]);
		if (rows)
			m->libs[kept++] = m->libs[l];
	}
	m->nlibs = kept;
	m->row = malloc((size_t)(m->nscen * m->nlibs + 1) * sizeof *m->row);
	if (!m->row)
		return -1;
	for (int i = 0; i < m->nscen * m->nlibs; i++)
		m->row[i] = -1;
	for (int i = 0; i < r->verdicts.nrows; i++) {
		int s = find(&m->scen, &m->nscen, at(r, i, FC__V_SCENARIO), 0);
		int l = find(&m->libs, &m->nlibs, at(r, i, FC__V_LIBRARY), 0);
		if (m->row[s * m->nlibs + l] < 0)
			m->row[s * m->nlibs + l] = i;
	}
	if (!m->nscen)
		return 0;
	under_test_facts(r, fc__report_lib_label(m->libs[0], label, sizeof label));
	if (m->nlibs > 1)
		defect_facts(r);
	return 0;
}

/* ---- sections */

int fc__sec_verdict(struct fc__doc *d, const struct fc__report *r)
{
	int failed = 0, order[3] = { 1, 0, 2 }; /* failed, held, expected */
	static const char *const cls[3] = { "held", "failed", "expected" };
	for (int i = 0; i < r->nfacts; i++)
		failed += r->facts[i].failed && !r->facts[i].expected;
	fc__doc_para(d, NULL);
	fc__doc_raw(d, failed ? "<span class=\"badge failed\">FAILED</span> " : "<span class=\"badge held\">HELD</span> ",
		    failed ? "**\u274c FAILED**: " : "**\u2705 HELD**: ");
	if (!r->nfacts)
		fc__doc_text(d, "nothing to judge: the folder holds no verdicts, sweep outcomes or campaign data.");
	else if (failed)
		fc__doc_textf(d, "%d thing%s failed.", failed, failed == 1 ? "" : "s");
	else
		fc__doc_text(d, "everything this folder judged held.");
	fc__doc_para_end(d);
	fc__doc_list(d);
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < r->nfacts; i++) {
			const struct fc__fact *f = &r->facts[i];
			if ((f->failed ? 1 + f->expected : 0) != order[k])
				continue;
			fc__doc_item(d, cls[order[k]]);
			fc__doc_strong(d, order[k] == 1 ? "FAILED" : order[k] == 2 ? "expected" : "held");
			fc__doc_text(d, ": ");
			fc__doc_text(d, f->text);
			fc__doc_item_end(d);
		}
	fc__doc_list_end(d);
	return 1;
}

/* CELL's text and class: PASS, FAIL 3/5 ... (a defect's FAIL is a catch). */
static const char *cell_text(const struct fc__report *r, int row, int lib, char *buf, size_t len, const char **cls)
{
	if (row < 0) {
		*cls = NULL;
		return "-";
	}
	const char *state = at(r, row, FC__V_STATE);
	*cls = !strcmp(state, "FAIL") && lib > 0                                ? "caught"
		: strspn(state, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-") == strlen(state) ? state
										: NULL;
	if (atoi(at(r, row, FC__V_FAILED)) > 0 || !strcmp(state, "FAIL"))
		snprintf(buf, len, "%s %s/%s", state, at(r, row, FC__V_FAILED), at(r, row, FC__V_RUNS));
	else
		snprintf(buf, len, "%s", state);
	return buf;
}

int fc__sec_matrix(struct fc__doc *d, const struct fc__report *r)
{
	const struct fc__matrix *m = &r->m;
	char text[64], label[128];
	if (!r->has_verdicts || !m->nscen)
		return 0;
	const char **heads = calloc((size_t)m->nlibs + 1, sizeof *heads);
	char(*labels)[160] = calloc((size_t)m->nlibs, sizeof *labels);
	if (!heads || !labels) {
		free(heads);
		free(labels);
		return 0;
	}
	heads[0] = "scenario";
	for (int l = 0; l < m->nlibs; l++) {
		snprintf(labels[l], sizeof labels[l], "%s%s", fc__report_lib_label(m->libs[l], label, sizeof label),
			 l ? "" : " (under test)");
		heads[l + 1] = labels[l];
	}
	fc__doc_table(d, "matrix", m->nlibs + 1, heads);
	for (int s = 0; s < m->nscen; s++) {
		fc__doc_cell(d, "scn", m->scen[s]);
		for (int l = 0; l < m->nlibs; l++) {
			const char *cls, *t = cell_text(r, m->row[s * m->nlibs + l], l, text, sizeof text, &cls);
			fc__doc_cell(d, cls, t);
		}
	}
	if (m->nlibs > 1) {
		int fails = 0;
		for (int s = 0; s < m->nscen; s++)
			fails += m->row[s * m->nlibs] >= 0 && failing_state(at(r, m->row[s * m->nlibs], FC__V_STATE));
		fc__doc_cell(d, "scn", "detected");
		fc__doc_cell(d, fails ? "FAIL" : "PASS", fails ? "FAILS" : "all pass");
		for (int l = 1; l < m->nlibs; l++) {
			int hits = 0;
			for (int s = 0; s < m->nscen; s++)
				hits += detected(r, m->row[s * m->nlibs + l]);
			fc__doc_cell(d, hits ? "yes" : "SURVIVED", hits ? "yes" : "SURVIVED");
		}
	}
	fc__doc_table_end(d);
	free(heads);
	free(labels);
	return 1;
}

static int failure(struct fc__doc *d, const struct fc__report *r, int row, int lib)
{
	char label[128];
	const char *state = at(r, row, FC__V_STATE), *oracle = at(r, row, FC__V_ORACLE), *detail = at(r, row, FC__V_DETAIL);
	const char *repro = at(r, row, FC__V_REPRO), *trace = at(r, row, FC__V_TRACE);
	if (fc__doc_room(d) < strlen(detail) + 2 * strlen(repro) + strlen(trace) + 1024)
		return -1;
	fc__doc_raw(d, lib ? "<div class=\"failure expected\">\n" : "<div class=\"failure\">\n", NULL);
	fc__doc_para(d, NULL);
	fc__doc_strong(d, at(r, row, FC__V_SCENARIO));
	fc__doc_text(d, " on ");
	fc__doc_code(d, fc__report_lib_label(at(r, row, FC__V_LIBRARY), label, sizeof label));
	fc__doc_textf(d, ": %s, %s of %s runs failed", state, at(r, row, FC__V_FAILED), at(r, row, FC__V_RUNS));
	if (*oracle) {
		fc__doc_text(d, "; oracle ");
		fc__doc_code(d, oracle);
	}
	fc__doc_para_end(d);
	if (*detail) {
		fc__doc_para(d, "detail");
		fc__doc_text(d, detail);
		fc__doc_para_end(d);
	}
	if (*repro) {
		/* check writes it as `forkchaos run --check ORACLE ...`: it
		 * exits 1 where the scenario failed */
		fc__doc_block(d, "sh", repro);
	}
	if (*trace) {
		fc__doc_para(d, "sub");
		fc__doc_text(d, "trace of the first failing run: ");
		fc__doc_code(d, trace);
		fc__doc_para_end(d);
	}
	fc__doc_raw(d, "</div>\n", NULL);
	return 0;
}

int fc__sec_failures(struct fc__doc *d, const struct fc__report *r)
{
	const struct fc__matrix *m = &r->m;
	char label[128], title[256];
	int shown = 0, left = 0;
	if (!r->has_verdicts)
		return 0;
	for (int group = 0; group < 2; group++) {
		int first = 1;
		for (int l = group; l < (group ? m->nlibs : 1); l++)
			for (int s = 0; s < m->nscen; s++) {
				int row = m->row[s * m->nlibs + l];
				const char *state = row >= 0 ? at(r, row, FC__V_STATE) : "";
				if (!failing_state(state) && strcmp(state, "XFAIL"))
					continue;
				if (first) {
					snprintf(title, sizeof title,
						 group ? "On the seeded defects (each failure is a detection)"
						       : "On the library under test, %s",
						 fc__report_lib_label(m->libs[0], label, sizeof label));
					fc__doc_h3(d, title);
					first = 0;
				}
				if (left || failure(d, r, row, l) < 0)
					left++;
				else
					shown++;
			}
	}
	if (left) {
		fc__doc_para(d, NULL);
		fc__doc_textf(d, "... and %d more failures: report.html and verdicts.csv have every one.", left);
		fc__doc_para_end(d);
	}
	if (!shown && !left) {
		fc__doc_para(d, NULL);
		fc__doc_text(d, "No scenario failed.");
		fc__doc_para_end(d);
	}
	return 1;
}

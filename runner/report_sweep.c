/* The sweeps of a folder (outcomes.csv and sites.csv, as sweep writes
 * them): per sweep its counts, its sites with what each fault there
 * ended as, and its findings deduplicated (by outcomes.csv's finding
 * column, the run that first showed it; or, in an older folder without
 * it, by site, oracle and detail without its numbers, as sweep does). */
#include <stdlib.h>
#include <string.h>
#include "report.h"

enum { O_SITE, O_CALL, O_CALLER, O_PROC, O_OUTCOME, O_DETAIL, O_REPRO, O_FINDING, O_RUN, NO };
static const char *const ocols[NO] = { "site", "call", "caller", "proc", "outcome", "detail", "reproduce", "finding", "run" };

struct finding {
	char *key;
	int first, count; /* its first row, its rows */
};

struct tally {
	int col[NO];
	int runs, ok, handled, errors, failed, sites;
	struct finding *f;
	int nf;
};

static const char *at(const struct fc__sweep_data *s, const struct tally *t, int row, int c)
{
	return fc__csv_at(&s->outcomes, row, t->col[c]);
}

static int failing(const char *outcome)
{
	return *outcome && strcmp(outcome, "ok") && strcmp(outcome, "handled") && strcmp(outcome, "error");
}

static char *key_of(const struct fc__sweep_data *s, const struct tally *t, int row)
{
	const char *finding = at(s, t, row, O_FINDING), *detail = at(s, t, row, O_DETAIL);
	size_t n = strlen(finding) + strlen(detail) + strlen(at(s, t, row, O_SITE)) + strlen(at(s, t, row, O_OUTCOME)) + 8;
	char *key = malloc(n);
	if (!key)
		return NULL;
	if (*finding) {
		snprintf(key, n, "#%s", finding);
		return key;
	}
	/* fd 3, pid 4242: one finding whatever the numbers */
	int len = snprintf(key, n, "%s\037%s\037", at(s, t, row, O_SITE), at(s, t, row, O_OUTCOME));
	for (const char *p = detail; *p; p++)
		if (!(*p >= '0' && *p <= '9') || (len && key[len - 1] != '#'))
			key[len++] = *p >= '0' && *p <= '9' ? '#' : *p;
	key[len] = 0;
	return key;
}

static void count(const struct fc__sweep_data *s, struct tally *t)
{
	memset(t, 0, sizeof *t);
	for (int c = 0; c < NO; c++)
		t->col[c] = fc__csv_col(&s->outcomes, ocols[c]);
	t->sites = s->has_sites ? s->sites.nrows : 0;
	for (int row = 0; row < s->outcomes.nrows; row++) {
		const char *outcome = at(s, t, row, O_OUTCOME);
		t->runs++;
		t->ok += !strcmp(outcome, "ok");
		t->handled += !strcmp(outcome, "handled");
		t->errors += !strcmp(outcome, "error");
		if (!failing(outcome))
			continue;
		t->failed++;
		char *key = key_of(s, t, row);
		int i = 0;
		while (key && i < t->nf && strcmp(t->f[i].key, key))
			i++;
		if (key && i < t->nf) {
			t->f[i].count++;
			free(key);
			continue;
		}
		struct finding *more = key ? realloc(t->f, (size_t)(t->nf + 1) * sizeof *t->f) : NULL;
		if (!more) {
			free(key);
			continue;
		}
		t->f = more;
		t->f[t->nf++] = (struct finding){ key, row, 1 };
	}
}

static void tally_free(struct tally *t)
{
	for (int i = 0; i < t->nf; i++)
		free(t->f[i].key);
	free(t->f);
}

/* "ffd_fork-pidfd", or for a sweep's own folder its target command. */
static void title_of(const struct fc__sweep_data *s, const struct fc__json *run, char *buf, size_t len)
{
	char key[48];
	const char *word;
	size_t used = (size_t)snprintf(buf, len, "%s%s", s->name[0] ? "sweep " : "sweep of", s->name);
	if (s->name[0])
		return;
	for (int i = 0; used < len && (snprintf(key, sizeof key, "options.target.%d", i), (word = fc__json_text(run, key))); i++)
		used += (size_t)snprintf(buf + used, len - used, " %s", word);
	if (!fc__json_get(run, "options.target.0"))
		snprintf(buf + used, len - used, " %s", "(this folder)");
}

static const struct fc__json *run_of(const struct fc__report *r, const struct fc__sweep_data *s)
{
	return s->name[0] ? &s->run : &r->run;
}

void fc__report_sweep_facts(struct fc__report *r)
{
	char title[512], oracles[256];
	for (int i = 0; i < r->nsweeps; i++) {
		struct tally t;
		const struct fc__sweep_data *s = &r->sweeps[i];
		count(s, &t);
		title_of(s, run_of(r, s), title, sizeof title);
		oracles[0] = 0;
		for (int k = 0; k < t.nf; k++) {
			size_t used = strlen(oracles);
			const char *o = at(s, &t, t.f[k].first, O_OUTCOME);
			if (!strstr(oracles, o))
				snprintf(oracles + used, sizeof oracles - used, "%s%s", used ? ", " : "", o);
		}
		if (t.nf)
			fc__report_fact(r, 1, 0, "%s: %d finding%s over %d runs (%s)", title, t.nf, t.nf == 1 ? "" : "s", t.runs,
					oracles);
		if (t.errors)
			fc__report_fact(r, 1, 0, "%s: %d runs could not be run (harness errors)", title, t.errors);
		if (!t.nf && !t.errors)
			fc__report_fact(r, 0, 0, "%s: %d runs over %d sites, every injected fault handled (%d ok, %d handled)",
					title, t.runs, t.sites, t.ok, t.handled);
		tally_free(&t);
	}
}

/* The sites table: what each site's runs ended as. */
static void sites_table(struct fc__doc *d, const struct fc__sweep_data *s, const struct tally *t)
{
	static const char *const heads[] = { "site", "proc", "calls", "runs", "ok", "handled", "failed", "note" };
	int nsites = s->has_sites ? s->sites.nrows : 0, left = 0;
	int site_col = fc__csv_col(&s->sites, "site"), proc_col = fc__csv_col(&s->sites, "proc");
	int count_col = fc__csv_col(&s->sites, "count"), note_col = fc__csv_col(&s->sites, "note");
	if (!nsites)
		return;
	fc__doc_table(d, "sites", 8, heads);
	for (int i = 0; i < nsites; i++) {
		const char *site = fc__csv_at(&s->sites, i, site_col);
		int runs = 0, ok = 0, handled = 0, bad = 0;
		char n[4][16];
		if (fc__doc_room(d) < strlen(site) + 1024) {
			left++;
			continue;
		}
		for (int row = 0; row < s->outcomes.nrows; row++) {
			if (strcmp(at(s, t, row, O_SITE), site))
				continue;
			const char *o = at(s, t, row, O_OUTCOME);
			runs++;
			ok += !strcmp(o, "ok");
			handled += !strcmp(o, "handled");
			bad += failing(o);
		}
		fc__doc_cell_code(d, site);
		fc__doc_cell(d, NULL, fc__csv_at(&s->sites, i, proc_col));
		fc__doc_cell(d, NULL, fc__csv_at(&s->sites, i, count_col));
		snprintf(n[0], 16, "%d", runs);
		snprintf(n[1], 16, "%d", ok);
		snprintf(n[2], 16, "%d", handled);
		snprintf(n[3], 16, "%d", bad);
		for (int k = 0; k < 4; k++)
			fc__doc_cell(d, k == 3 && bad ? "bad" : NULL, n[k]);
		fc__doc_cell(d, NULL, fc__csv_at(&s->sites, i, note_col));
	}
	fc__doc_table_end(d);
	if (left) {
		fc__doc_para(d, NULL);
		fc__doc_textf(d, "... and %d more sites: report.html and sites.csv have every one.", left);
		fc__doc_para_end(d);
	}
}

static void findings(struct fc__doc *d, const struct fc__sweep_data *s, const struct tally *t)
{
	int left = 0;
	for (int k = 0; k < t->nf; k++) {
		int row = t->f[k].first;
		const char *detail = at(s, t, row, O_DETAIL), *repro = at(s, t, row, O_REPRO), *run = at(s, t, row, O_RUN);
		if (left || fc__doc_room(d) < strlen(detail) + strlen(repro) + 1024) {
			left++;
			continue;
		}
		fc__doc_raw(d, "<div class=\"failure\">\n", NULL);
		fc__doc_para(d, NULL);
		fc__doc_strong(d, at(s, t, row, O_OUTCOME));
		fc__doc_text(d, " at ");
		fc__doc_code(d, at(s, t, row, O_SITE));
		fc__doc_textf(d, " (%s): %d run%s%s%s", at(s, t, row, O_PROC), t->f[k].count, t->f[k].count == 1 ? "" : "s",
			      *run ? ", the first run " : "", run);
		fc__doc_para_end(d);
		if (*detail) {
			fc__doc_para(d, "detail");
			fc__doc_text(d, detail);
			fc__doc_para_end(d);
		}
		if (*repro)
			fc__doc_block(d, "sh", repro);
		fc__doc_raw(d, "</div>\n", NULL);
	}
	if (left) {
		fc__doc_para(d, NULL);
		fc__doc_textf(d, "... and %d more findings: report.html and outcomes.csv have every one.", left);
		fc__doc_para_end(d);
	}
}

int fc__sec_sweep(struct fc__doc *d, const struct fc__report *r)
{
	char title[512];
	for (int i = 0; i < r->nsweeps; i++) {
		struct tally t;
		const struct fc__sweep_data *s = &r->sweeps[i];
		count(s, &t);
		title_of(s, run_of(r, s), title, sizeof title);
		fc__doc_h3(d, title);
		fc__doc_para(d, NULL);
		fc__doc_textf(d, "%d runs over %d sites: %d ok, %d handled, %d failed (%d finding%s), %d errors.", t.runs,
			      t.sites, t.ok, t.handled, t.failed, t.nf, t.nf == 1 ? "" : "s", t.errors);
		const char *seed = fc__json_text(run_of(r, s), "seed");
		if (seed)
			fc__doc_textf(d, " Seed %s.", seed);
		fc__doc_para_end(d);
		sites_table(d, s, &t);
		findings(d, s, &t);
		tally_free(&t);
	}
	return r->nsweeps > 0;
}

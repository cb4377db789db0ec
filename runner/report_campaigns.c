/* The demo's campaigns (leak.csv, latency.csv, overhead.csv, as
 * scripts/demo.sh writes them): the leak campaign's facts and a section
 * per campaign.  Each section shows what its file holds (the libraries,
 * the configurations are labels of the data's, never a list of ours). */
#include <stdlib.h>
#include <string.h>
#include "report.h"

/* One library's samples in leak.csv. */
struct leak {
	const char *label;
	int samples;
	long long first_cycle, last_cycle;
	long long v[3][3]; /* fds, children, zombies: first, last, most */
};

enum { L_LIBRARY, L_CYCLE, L_FDS, L_CHILDREN, L_ZOMBIES, NL };
static const char *const lcols[NL] = { "library", "cycle", "fds", "children", "zombies" };

/* The libraries of leak.csv in their order (malloc'd, *N of them). */
static struct leak *leaks(const struct fc__report *r, int *n)
{
	int col[NL];
	struct leak *out = NULL;
	*n = 0;
	for (int c = 0; c < NL; c++)
		col[c] = fc__csv_col(&r->leak, lcols[c]);
	if (col[L_LIBRARY] < 0 || col[L_CYCLE] < 0)
		return NULL;
	for (int row = 0; row < r->leak.nrows; row++) {
		const char *label = fc__csv_at(&r->leak, row, col[L_LIBRARY]);
		int i = 0;
		while (i < *n && strcmp(out[i].label, label))
			i++;
		if (i == *n) {
			struct leak *more = realloc(out, (size_t)(*n + 1) * sizeof *out);
			if (!more)
				break;
			out = more;
			out[(*n)++] = (struct leak){ .label = label };
		}
		struct leak *l = &out[i];
		long long cycle = atoll(fc__csv_at(&r->leak, row, col[L_CYCLE]));
		for (int k = 0; k < 3; k++) {
			long long v = atoll(fc__csv_at(&r->leak, row, col[L_FDS + k]));
			if (!l->samples)
				l->v[k][0] = l->v[k][2] = v;
			l->v[k][1] = v;
			l->v[k][2] = v > l->v[k][2] ? v : l->v[k][2];
		}
		if (!l->samples)
			l->first_cycle = cycle;
		l->last_cycle = cycle;
		l->samples++;
	}
	return out;
}

/* Held what it took: its descriptors back where they began, no child or
 * zombie left at the last sample. */
static int steady(const struct leak *l)
{
	return l->v[0][1] <= l->v[0][0] && l->v[1][1] <= l->v[1][0] && l->v[2][1] == 0;
}

void fc__report_leak_facts(struct fc__report *r)
{
	int n;
	char names[320] = "";
	int leaking = 0;
	if (!r->has_leak)
		return;
	struct leak *l = leaks(r, &n);
	for (int i = 0; i < n; i++) {
		if (!strcmp(l[i].label, "fixed")) {
			fc__report_fact(
				r, !steady(&l[i]), 0,
				"leak campaign: the fixed library %s over %lld cycles (fds %lld to %lld, children %lld, zombies "
				"%lld at the end)",
				steady(&l[i]) ? "stayed flat" : "did not stay flat", l[i].last_cycle, l[i].v[0][0], l[i].v[0][1],
				l[i].v[1][1], l[i].v[2][1]);
			continue;
		}
		if (steady(&l[i]))
			continue;
		size_t used = strlen(names);
		snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", l[i].label);
		leaking++;
	}
	if (leaking)
		fc__report_fact(r, 1, 1, "leak campaign: %d defect variant%s as seeded: %s", leaking,
				leaking == 1 ? " leaks" : "s leak", names);
	free(l);
}

int fc__sec_leak(struct fc__doc *d, const struct fc__report *r)
{
	static const char *const heads[] = {
		"library", "samples", "cycles", "fds first", "fds last", "children last (most)", "zombies last (most)", "verdict"
	};
	int n;
	char text[8][64];
	if (!r->has_leak)
		return 0;
	struct leak *l = leaks(r, &n);
	if (!n) {
		free(l);
		return 0;
	}
	fc__doc_table(d, "leak", 8, heads);
	for (int i = 0; i < n; i++) {
		snprintf(text[0], 64, "%d", l[i].samples);
		snprintf(text[1], 64, "%lld to %lld", l[i].first_cycle, l[i].last_cycle);
		snprintf(text[2], 64, "%lld", l[i].v[0][0]);
		snprintf(text[3], 64, "%lld (%+lld)", l[i].v[0][1], l[i].v[0][1] - l[i].v[0][0]);
		snprintf(text[4], 64, "%lld (%lld)", l[i].v[1][1], l[i].v[1][2]);
		snprintf(text[5], 64, "%lld (%lld)", l[i].v[2][1], l[i].v[2][2]);
		/* which of fds, children, zombies did not come back */
		int grew[3] = { l[i].v[0][1] > l[i].v[0][0], l[i].v[1][1] > l[i].v[1][0], l[i].v[2][1] > 0 };
		fc__doc_cell(d, NULL, l[i].label);
		for (int k = 0; k < 6; k++)
			fc__doc_cell(d, k >= 3 && grew[k - 3] ? "grew" : NULL, text[k]);
		fc__doc_cell(d, steady(&l[i]) ? NULL : "grew", steady(&l[i]) ? "flat" : "leaks");
	}
	fc__doc_table_end(d);
	free(l);
	return 1;
}

static int by_value(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

/* The nearest-rank percentile P of the N sorted values V, in µs. */
static double pct(const long long *v, int n, int p)
{
	int rank = (int)(((long long)p * n + 99) / 100);
	return v[rank < 1 ? 0 : rank - 1] / 1000.0;
}

int fc__sec_latency(struct fc__doc *d, const struct fc__report *r)
{
	static const char *const heads[] = { "configuration", "children",      "p50 (\u00b5s)",
					     "p90 (\u00b5s)", "p99 (\u00b5s)", "max (\u00b5s)" };
	int config = fc__csv_col(&r->latency, "config"), value = fc__csv_col(&r->latency, "latency_ns");
	if (!r->has_latency || config < 0 || value < 0 || !r->latency.nrows)
		return 0;
	long long *v = malloc((size_t)r->latency.nrows * sizeof *v);
	char *done = calloc((size_t)r->latency.nrows, 1), text[5][32];
	if (!v || !done) {
		free(v);
		free(done);
		return 0;
	}
	fc__doc_table(d, "latency", 6, heads);
	for (int first = 0; first < r->latency.nrows; first++) {
		if (done[first])
			continue;
		const char *label = fc__csv_at(&r->latency, first, config);
		int n = 0;
		for (int row = first; row < r->latency.nrows; row++)
			if (!done[row] && !strcmp(fc__csv_at(&r->latency, row, config), label)) {
				done[row] = 1;
				v[n++] = atoll(fc__csv_at(&r->latency, row, value));
			}
		qsort(v, (size_t)n, sizeof *v, by_value);
		snprintf(text[0], 32, "%d", n);
		snprintf(text[1], 32, "%.1f", pct(v, n, 50));
		snprintf(text[2], 32, "%.1f", pct(v, n, 90));
		snprintf(text[3], 32, "%.1f", pct(v, n, 99));
		snprintf(text[4], 32, "%.1f", v[n - 1] / 1000.0);
		fc__doc_cell(d, NULL, label);
		for (int k = 0; k < 5; k++)
			fc__doc_cell(d, NULL, text[k]);
	}
	fc__doc_table_end(d);
	free(v);
	free(done);
	return 1;
}

/* A CSV file as a table, its own columns (the budget bounds it). */
static void csv_table(struct fc__doc *d, const struct fc__csv *t, const char *cls, const char *file)
{
	const char **heads = calloc((size_t)t->ncols + 1, sizeof *heads);
	int left = 0;
	if (!heads)
		return;
	for (int k = 0; k < t->ncols; k++)
		heads[k] = t->cell[k]; /* row 0: the header */
	fc__doc_table(d, cls, t->ncols, heads);
	for (int row = 0; row < t->nrows; row++) {
		if (fc__doc_room(d) < 4096) {
			left = t->nrows - row;
			break;
		}
		for (int k = 0; k < t->ncols; k++)
			fc__doc_cell(d, NULL, fc__csv_at(t, row, k));
	}
	fc__doc_table_end(d);
	free(heads);
	if (left) {
		fc__doc_para(d, NULL);
		fc__doc_textf(d, "... and %d more rows: report.html and %s have every one.", left, file);
		fc__doc_para_end(d);
	}
}

int fc__sec_overhead(struct fc__doc *d, const struct fc__report *r)
{
	if (!r->has_overhead || !r->overhead.nrows)
		return 0;
	csv_table(d, &r->overhead, "overhead", "overhead.csv");
	return 1;
}

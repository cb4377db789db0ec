/* A results folder read for a report: run.json (which makes it one), the
 * data files each kind may have (design.md, "Results folder"; the demo's
 * campaigns), the sweeps inside it, and its plots.  Only run.json, and the
 * file a kind is made of, are required: every other part is shown when it
 * is there, so one generator serves check, sweep and demo folders. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "report.h"

/* The file each kind of folder is made of: without it the folder is not
 * a results folder of that kind (a kind not listed needs none). */
static const struct {
	const char *kind, *file;
} required[] = {
	{ "check", "verdicts.csv" },
	{ "sweep", "outcomes.csv" },
	{ "explore", "findings.csv" },
};

/* The optional tables, and where they go. */
static const struct {
	const char *file;
	size_t table, has;
} tables[] = {
	{ "verdicts.csv", offsetof(struct fc__report, verdicts), offsetof(struct fc__report, has_verdicts) },
	{ "leak.csv", offsetof(struct fc__report, leak), offsetof(struct fc__report, has_leak) },
	{ "latency.csv", offsetof(struct fc__report, latency), offsetof(struct fc__report, has_latency) },
	{ "overhead.csv", offsetof(struct fc__report, overhead), offsetof(struct fc__report, has_overhead) },
	{ "findings.csv", offsetof(struct fc__report, findings), offsetof(struct fc__report, has_findings) },
	{ "points.csv", offsetof(struct fc__report, points), offsetof(struct fc__report, has_points) },
	{ "explore-matrix.csv", offsetof(struct fc__report, matrix), offsetof(struct fc__report, has_matrix) },
};

void fc__report_note(struct fc__report *r, const char *fmt, ...)
{
	va_list ap;
	if (r->nnotes == FC__REPORT_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(r->notes[r->nnotes++], sizeof r->notes[0], fmt, ap);
	va_end(ap);
}

void fc__report_fact(struct fc__report *r, int failed, int expected, const char *fmt, ...)
{
	va_list ap;
	if (r->nfacts == FC__REPORT_FACTS)
		return;
	struct fc__fact *f = &r->facts[r->nfacts++];
	f->failed = failed;
	f->expected = expected;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof f->text, fmt, ap);
	va_end(ap);
}

/* FILE of DIR into T: 1 loaded, 0 absent, -1 there but unreadable (its
 * message in ERR). */
static int table(const char *dir, const char *file, struct fc__csv *t, char *err, size_t errlen)
{
	char path[PATH_MAX + 256];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (fc__csv_load(t, path) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	snprintf(err, errlen, "%s: %s", path, errno == EINVAL ? "not a CSV file with a header line" : strerror(errno));
	return -1;
}

static int load_sweep(struct fc__report *r, const char *dir, const char *name)
{
	char err[2 * PATH_MAX + 512], path[PATH_MAX + 64];
	struct fc__sweep_data s = { 0 };
	snprintf(s.name, sizeof s.name, "%s", name);
	snprintf(s.dir, sizeof s.dir, "%s", dir);
	int got = table(dir, "outcomes.csv", &s.outcomes, err, sizeof err);
	if (got <= 0) {
		if (got < 0)
			fc__report_note(r, "sweep %s left out: %s", name, err);
		return got;
	}
	s.has_sites = table(dir, "sites.csv", &s.sites, err, sizeof err) > 0;
	snprintf(path, sizeof path, "%s/run.json", dir);
	s.has_run = fc__json_load(&s.run, path, err, sizeof err) == 0;
	void *more = realloc(r->sweeps, (size_t)(r->nsweeps + 1) * sizeof *r->sweeps);
	if (!more) {
		fc__csv_free(&s.outcomes);
		fc__csv_free(&s.sites);
		fc__json_free(&s.run);
		return -1;
	}
	r->sweeps = more;
	r->sweeps[r->nsweeps++] = s;
	return 1;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* DIR itself when it is a sweep's folder, then DIR/sweeps/NAME/, in order. */
static void load_sweeps(struct fc__report *r)
{
	char path[PATH_MAX + 64], sub[PATH_MAX + 320];
	struct dirent **names;
	if (r->kind && !strcmp(r->kind, "sweep"))
		load_sweep(r, r->dir, "");
	snprintf(path, sizeof path, "%s/sweeps", r->dir);
	int n = scandir(path, &names, NULL, by_name);
	for (int i = 0; i < n; i++) {
		struct stat st;
		snprintf(sub, sizeof sub, "%s/%s", path, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			load_sweep(r, sub, names[i]->d_name);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

int fc__report_list_plots(struct fc__report *r)
{
	char path[PATH_MAX + 64];
	struct dirent **names;
	free(r->plots);
	r->plots = NULL;
	r->nplots = 0;
	snprintf(path, sizeof path, "%s/plots", r->dir);
	int n = scandir(path, &names, NULL, by_name);
	if (n < 0)
		return 0;
	r->plots = calloc((size_t)n + 1, sizeof *r->plots);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name, *dot = strrchr(name, '.');
		size_t stem = dot ? (size_t)(dot - name) : 0;
		if (r->plots && stem && stem < sizeof r->plots[0] && name[0] != '.' &&
		    (!strcmp(dot, ".svg") || !strcmp(dot, ".png")) &&
		    (!r->nplots || strncmp(r->plots[r->nplots - 1], name, stem) || r->plots[r->nplots - 1][stem]))
			snprintf(r->plots[r->nplots++], sizeof r->plots[0], "%.*s", (int)stem, name);
		free(names[i]);
	}
	free(names);
	return r->nplots;
}

/* What is wrong with DIR as a results folder, in ERR; 0: nothing. */
static int folder(struct fc__report *r, const char *dir, char *err, size_t errlen)
{
	struct stat st;
	char path[PATH_MAX + 64], why[256];
	if (stat(dir, &st) < 0) {
		snprintf(err, errlen, "%s: %s; expected a results folder (results/RUN-ID, with its run.json)", dir,
			 strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a folder; expected a results folder (results/RUN-ID, with its run.json)", dir);
		return -1;
	}
	snprintf(path, sizeof path, "%s/run.json", dir);
	if (fc__json_load(&r->run, path, why, sizeof why) == 0)
		return 0;
	if (errno == ENOENT) {
		snprintf(path, sizeof path, "%s/latest/run.json", dir);
		snprintf(err, errlen, "%s is not a results folder: it has no run.json%s%s%s", dir,
			 access(path, R_OK) == 0 ? " (its latest/ is one: " : "", access(path, R_OK) == 0 ? dir : "",
			 access(path, R_OK) == 0 ? "/latest)" : "");
	} else if (errno == EINVAL)
		snprintf(err, errlen, "%s is not a results folder's run.json: %s", path, why);
	else
		snprintf(err, errlen, "%s cannot be read: %s; a results folder's run.json must be", path, strerror(errno));
	return -1;
}

int fc__report_load(struct fc__report *r, const char *dir, char *err, size_t errlen)
{
	char why[2 * PATH_MAX + 512];
	memset(r, 0, sizeof *r);
	snprintf(r->dir, sizeof r->dir, "%s", dir);
	if (folder(r, dir, err, errlen) < 0)
		return -1;
	r->kind = fc__json_text(&r->run, "kind");
	if (!r->kind || !fc__json_get(&r->run, "forkchaos")) {
		snprintf(err, errlen, "%s/run.json is not a results folder's run.json: it has no %s", dir,
			 r->kind ? "forkchaos (version) member" : "kind");
		return -1;
	}
	for (size_t k = 0; k < sizeof required / sizeof required[0]; k++) {
		snprintf(why, sizeof why, "%s/%s", dir, required[k].file);
		if (!strcmp(r->kind, required[k].kind) && access(why, F_OK) < 0) {
			snprintf(err, errlen,
				 "%s is missing: a %s's results folder has one (the folder is incomplete or not a %s's)", why,
				 r->kind, r->kind);
			return -1;
		}
	}
	for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
		struct fc__csv *t = (struct fc__csv *)((char *)r + tables[k].table);
		int got = table(dir, tables[k].file, t, why, sizeof why);
		*(int *)((char *)r + tables[k].has) = got > 0;
		if (got < 0) {
			if (!strcmp(tables[k].file, "verdicts.csv") && !strcmp(r->kind, "check")) {
				snprintf(err, errlen, "%s; a check's results folder needs it", why);
				return -1;
			}
			fc__report_note(r, "left out: %s", why);
		}
	}
	load_sweeps(r);
	if (r->has_verdicts && fc__report_matrix_build(r) < 0) {
		snprintf(err, errlen, "%s/verdicts.csv: out of memory, or no scenario and library columns", dir);
		return -1;
	}
	fc__report_sweep_facts(r);
	fc__report_leak_facts(r);
	fc__report_explore_facts(r);
	fc__report_list_plots(r);
	return 0;
}

void fc__report_free(struct fc__report *r)
{
	for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++)
		fc__csv_free((struct fc__csv *)((char *)r + tables[k].table));
	for (int i = 0; i < r->nsweeps; i++) {
		fc__csv_free(&r->sweeps[i].outcomes);
		fc__csv_free(&r->sweeps[i].sites);
		fc__json_free(&r->sweeps[i].run);
	}
	free(r->sweeps);
	free(r->m.libs);
	free(r->m.scen);
	free(r->m.row);
	free(r->plots);
	fc__json_free(&r->run);
}

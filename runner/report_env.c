/* The plots (plots/NAME.svg or .png, inline as data: URIs so that
 * report.html stands alone and no script in an SVG can run) and the
 * environment the data was made in (run.json, and each sweep's). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "forkchaos.h"
#include "report.h"

#define PLOT_MAX (16u << 20)

/* The plots scripts/plots.sh draws, in the order shown, with how to read
 * each; a plot not listed is still shown, under its file's name. */
static const struct plot {
	const char *name, *title, *how;
} plots[] = {
	{ "leak", "Leak campaign: descriptors, children and zombies against cycles",
	  "x: ffd_fork + ffd_wait cycles under sustained injection; y: the process's open descriptors, live children and "
	  "zombies, sampled every 100 cycles, one colour per library. The fixed library's lines stay flat; a defect that leaks "
	  "climbs, and its slope is what it leaks per cycle." },
	{ "latency", "Exit-to-wait latency, cumulative distribution",
	  "x (log scale): microseconds from a child's _exit to ffd_wait returning; y: the share of children reaped within "
	  "that time. One curve per configuration, its p50 and p99 in the legend: a curve further left is faster, a long "
	  "tail to the right is the waits that took much longer (a delayed SIGCHLD)." },
	{ "sweep-map", "Sweep map: call site \u00d7 errno \u2192 outcome",
	  "One row per call site of the clean run, one column per injected errno; a cell's colour is the outcome of failing "
	  "that call with that errno (the legend: ok, handled, or the oracle that failed). A row of failures is a call whose "
	  "failure the library does not handle." },
	{ "replay", "Race-window replay: failures out of N, defect against fixed",
	  "One pair of bars per race-window scenario: its failing runs out of N on the seeded defect it replays (a "
	  "deterministic replay reaches N) and on the fixed library (which must stay at 0)." },
	{ "overhead", "Shim overhead per call",
	  "One bar per intercepted call: its cost under the shim divided by the plain call's (make bench); 1 is free." },
};
#define NPLOTS (sizeof plots / sizeof plots[0])

static void figure(struct fc__doc *d, const struct fc__report *r, const char *name, const struct plot *p)
{
	char file[PATH_MAX + 160], svg[128], png[128];
	size_t len = 0;
	snprintf(svg, sizeof svg, "plots/%s.svg", name);
	snprintf(png, sizeof png, "plots/%s.png", name);
	int is_svg = 1;
	char *bytes = d->md ? NULL : fc__report_slurp(r, svg, PLOT_MAX, &len);
	if (!d->md && (!bytes || !len)) {
		free(bytes);
		is_svg = 0;
		bytes = fc__report_slurp(r, png, PLOT_MAX, &len);
	}
	const char *title = p ? p->title : name;
	fc__doc_raw(d, "<figure>\n", NULL);
	if (d->md) {
		/* a job summary shows no data: image; the files are beside it */
		fc__doc_h3(d, title);
		if (p) {
			fc__doc_para(d, NULL);
			fc__doc_text(d, p->how);
			fc__doc_para_end(d);
		}
		fc__doc_para(d, NULL);
		for (int k = 0; k < 2; k++) {
			snprintf(file, sizeof file, "%s/%s", r->dir, k ? svg : png);
			if (access(file, R_OK) == 0)
				fc__doc_image(d, k ? "SVG" : "PNG", NULL, NULL, 0, k ? svg : png);
			fc__doc_text(d, k ? "" : " ");
		}
		fc__doc_para_end(d);
	} else if (bytes && len) {
		fc__doc_image(d, title, is_svg ? "image/svg+xml" : "image/png", bytes, len, is_svg ? svg : png);
	} else {
		fc__doc_para(d, NULL);
		fc__doc_textf(d, "%s is empty or cannot be read.", png);
		fc__doc_para_end(d);
	}
	if (!d->md) {
		fc__doc_raw(d, "\n<figcaption>", NULL);
		fc__doc_strong(d, title);
		if (p) {
			fc__doc_text(d, ". ");
			fc__doc_text(d, p->how);
		}
		fc__doc_text(d, " Files: ");
		fc__doc_code(d, svg);
		fc__doc_text(d, ", ");
		fc__doc_code(d, png);
		fc__doc_text(d, ".");
		fc__doc_raw(d, "</figcaption>\n</figure>\n", NULL);
	}
	free(bytes);
}

int fc__sec_plots(struct fc__doc *d, const struct fc__report *r)
{
	if (!r->nplots)
		return 0;
	fc__doc_raw(d, "<div class=\"plots\">\n", NULL);
	for (size_t k = 0; k < NPLOTS; k++)
		for (int i = 0; i < r->nplots; i++)
			if (!strcmp(r->plots[i], plots[k].name))
				figure(d, r, plots[k].name, &plots[k]);
	for (int i = 0; i < r->nplots; i++) {
		size_t k = 0;
		while (k < NPLOTS && strcmp(r->plots[i], plots[k].name))
			k++;
		if (k == NPLOTS)
			figure(d, r, r->plots[i], NULL);
	}
	fc__doc_raw(d, "</div>\n", NULL);
	return 1;
}

/* The array at PATH as one shell line (malloc'd), or NULL: none. */
static char *command_line(const struct fc__json *j, const char *path)
{
	char key[256];
	const struct fc__jentry *e = fc__json_get(j, path);
	if (!e || e->type != FC__J_ARR)
		return e && e->type == FC__J_STR ? strdup(e->text) : NULL;
	size_t used = 0, room = 1;
	char *line = calloc(1, 1);
	for (int i = 0; line && i < e->count; i++) {
		snprintf(key, sizeof key, "%s.%d", path, i);
		char *word = fc__report_quote(fc__json_text(j, key) ? fc__json_text(j, key) : "");
		size_t n = word ? strlen(word) : 0;
		char *more = word ? realloc(line, room + n + 1) : NULL;
		if (!more) {
			free(word);
			free(line);
			return NULL;
		}
		line = more;
		used += (size_t)sprintf(line + used, "%s%s", used ? " " : "", word);
		room += n + 1;
		free(word);
	}
	return line;
}

static void row(struct fc__doc *d, const char *name, const char *value, int code)
{
	if (!value)
		return;
	fc__doc_cell(d, NULL, name);
	if (code)
		fc__doc_cell_code(d, value);
	else
		fc__doc_cell(d, NULL, value);
}

static void command_row(struct fc__doc *d, const char *name, const struct fc__json *j, const char *path)
{
	char *line = command_line(j, path);
	row(d, name, line, 1);
	free(line);
}

int fc__sec_environment(struct fc__doc *d, const struct fc__report *r)
{
	static const char *const heads[] = { "what", "value" };
	static const struct {
		const char *label, *path;
	} rows[] = {
		{ "forkchaos (that made the data)", "forkchaos" },
		{ "kind", "kind" },
		{ "run", "id" },
		{ "kernel", "host.kernel" },
		{ "glibc", "host.glibc" },
		{ "CPUs", "host.cpus" },
		{ "seed", "seed" },
		{ "plan", "plan" },
		{ "started", "started" },
		{ "ended", "ended" },
	};
	const struct fc__json *run = &r->run;
	char name[320];
	fc__doc_table(d, "env", 2, heads);
	for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
		row(d, rows[k].label, fc__json_text(run, rows[k].path), 0);
	command_row(d, "command", run, "command");
	command_row(d, "campaigns", run, "campaigns");
	/* the demo's commands, then every scalar option as it was given */
	for (int i = 0; i < run->n; i++) {
		const struct fc__jentry *e = &run->e[i];
		if (!strncmp(e->path, "commands.", 9) && !strchr(e->path + 9, '.')) {
			snprintf(name, sizeof name, "command %d", atoi(e->path + 9) + 1);
			command_row(d, name, run, e->path);
		} else if (!strncmp(e->path, "options.", 8) && !strchr(e->path + 8, '.') && (e->text || e->type == FC__J_ARR)) {
			snprintf(name, sizeof name, "option %s", e->path + 8);
			if (e->text)
				row(d, name, e->text, 0);
			else
				command_row(d, name, run, e->path);
		}
	}
	for (int i = 0; i < r->nsweeps; i++)
		if (r->sweeps[i].name[0] && r->sweeps[i].has_run) {
			snprintf(name, sizeof name, "sweep %s", r->sweeps[i].name);
			command_row(d, name, &r->sweeps[i].run, "command");
		}
	snprintf(name, sizeof name, "forkchaos %s", FC_VERSION);
	row(d, "report made by", name, 0);
	fc__doc_table_end(d);
	return 1;
}

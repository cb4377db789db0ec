/* forkchaos check, resolve: from the options to what runs.  The scenario
 * files, the libraries (--matrix: every defect build), the defect each
 * scenario names, the baseline and the work folder; all checked before
 * anything runs, so that a usage error never leaves half a run. */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

#define MAX_FILES 512

static int writable_dir_of(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return access(".", W_OK) == 0;
	if (slash == dir)
		slash[1] = 0;
	else
		*slash = 0;
	return access(dir, W_OK) == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The same file named twice (a file and its folder) is run once. */
static int already_listed(char files[][PATH_MAX], int n, const char *path)
{
	char real[PATH_MAX], other[PATH_MAX];
	if (!realpath(path, real))
		return 0;
	for (int i = 0; i < n; i++)
		if (realpath(files[i], other) && !strcmp(real, other))
			return 1;
	return 0;
}

static void add_file(char files[][PATH_MAX], int *n, const char *path)
{
	if (*n < MAX_FILES && !already_listed(files, *n, path))
		snprintf(files[(*n)++], PATH_MAX, "%s", path);
}

/* PATHS: files, or folders whose *.scn files are taken in name order. */
static int collect(char **paths, int npaths, char files[][PATH_MAX])
{
	int n = 0;
	for (int i = 0; i < npaths; i++) {
		struct stat st;
		if (stat(paths[i], &st) < 0) {
			fprintf(stderr, "forkchaos check: %s: %s; expected a scenario file or a folder of *.scn files\n",
				paths[i], strerror(errno));
			return -1;
		}
		if (!S_ISDIR(st.st_mode)) {
			add_file(files, &n, paths[i]);
			continue;
		}
		char pattern[PATH_MAX];
		glob_t found;
		size_t len = strlen(paths[i]);
		while (len > 1 && paths[i][len - 1] == '/')
			len--;
		snprintf(pattern, sizeof pattern, "%.*s/*.scn", (int)len, paths[i]);
		if (glob(pattern, 0, NULL, &found) == 0) {
			qsort(found.gl_pathv, found.gl_pathc, sizeof *found.gl_pathv, by_name);
			for (size_t k = 0; k < found.gl_pathc; k++)
				add_file(files, &n, found.gl_pathv[k]);
			globfree(&found);
		}
	}
	return n;
}

static int load_scenarios(struct fc_check *c, char files[][PATH_MAX], int nfiles)
{
	char err[1024];
	const char *filter = c->opt.filter;
	c->scenarios = calloc((size_t)(nfiles ? nfiles : 1), sizeof *c->scenarios);
	if (!c->scenarios) {
		fprintf(stderr, "forkchaos check: %s\n", strerror(errno));
		return -1;
	}
	for (int i = 0; i < nfiles; i++) {
		struct fc_scenario *s = &c->scenarios[c->nscenarios];
		if (fc_scenario_load(files[i], s, err, sizeof err) < 0) {
			fprintf(stderr, "forkchaos check: %s\n", err);
			return -1;
		}
		for (int k = 0; k < c->nscenarios; k++) {
			if (!strcmp(c->scenarios[k].name, s->name)) {
				fprintf(stderr,
					"forkchaos check: %s:%d: name '%s' is already used by %s; expected unique names\n",
					s->path, s->name_line, s->name, c->scenarios[k].path);
				return -1;
			}
		}
		if (!filter || fnmatch(filter, s->name, 0) == 0)
			c->nscenarios++;
	}
	if (!c->nscenarios) {
		fprintf(stderr, "forkchaos check: no scenario to run (%d file(s) found%s%s)\n", nfiles, filter ? ", filter " : "",
			filter ? filter : "");
		return -1;
	}
	return 0;
}

static int scenarios(struct fc_check *c)
{
	char(*files)[PATH_MAX] = calloc(MAX_FILES, sizeof *files);
	if (!files) {
		perror("forkchaos check");
		return -1;
	}
	int nfiles = collect(c->opt.paths, c->opt.npaths, files);
	int rc = nfiles < 0 ? -1 : load_scenarios(c, files, nfiles);
	free(files);
	return rc;
}

static int add_lib(struct fc_check *c, const char *path)
{
	if (c->nlibs == FC_MAX_LIBS || !realpath(path, c->libs[c->nlibs])) {
		fprintf(stderr, "forkchaos check: library %s: %s; build it with `make` (defects: `make defects`) or give --lib\n",
			path, c->nlibs == FC_MAX_LIBS ? "too many" : strerror(errno));
		return -1;
	}
	c->nlibs++;
	return 0;
}

static int add_defect_libs(struct fc_check *c)
{
	char pattern[PATH_MAX + 32];
	glob_t found;
	snprintf(pattern, sizeof pattern, "%s/defects/libffd-*.so", c->exe_dir);
	if (glob(pattern, 0, NULL, &found) != 0) {
		fprintf(stderr, "forkchaos check: --matrix: no defect variants in %s/defects/; run `make defects`\n", c->exe_dir);
		return -1;
	}
	qsort(found.gl_pathv, found.gl_pathc, sizeof *found.gl_pathv, by_name);
	int rc = 0;
	for (size_t i = 0; i < found.gl_pathc && rc == 0; i++)
		rc = add_lib(c, found.gl_pathv[i]);
	globfree(&found);
	return rc;
}

static int libraries(struct fc_check *c)
{
	char default_lib[PATH_MAX + 16];
	snprintf(default_lib, sizeof default_lib, "%s/libffd.so", c->exe_dir);
	if (add_lib(c, c->opt.lib ? c->opt.lib : default_lib) < 0)
		return -1;
	return c->opt.matrix ? add_defect_libs(c) : 0;
}

/* --matrix: a scenario's defect: names a build that exists. */
static int defects_known(struct fc_check *c)
{
	for (int s = 0; c->opt.matrix && s < c->nscenarios; s++) {
		const char *defect = c->scenarios[s].defect;
		int known = !defect[0];
		for (int l = 1; l < c->nlibs && !known; l++) {
			const char *base = strrchr(c->libs[l], '/');
			char expected[96];
			snprintf(expected, sizeof expected, "/libffd-%s.so", defect);
			known = base && !strcmp(base, expected);
		}
		if (!known) {
			fprintf(stderr,
				"forkchaos check: %s: defect '%s' has no build (%s/defects/libffd-%s.so); expected a name from "
				"`make defects`\n",
				c->scenarios[s].path, defect, c->exe_dir, defect);
			return -1;
		}
	}
	return 0;
}

/* Loaded unless --update-baseline is to write it. */
static int baseline(struct fc_check *c)
{
	const char *path = c->opt.baseline;
	if (!(c->baseline = calloc(FC_MAX_BASELINE, sizeof *c->baseline))) {
		perror("forkchaos check");
		return -1;
	}
	if (!path || c->opt.update)
		return 0;
	if ((c->nbaseline = fc_baseline_load(path, c->baseline, FC_MAX_BASELINE)) < 0) {
		fprintf(stderr, "forkchaos check: cannot read baseline %s: %s; create it with --update-baseline\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int options_consistent(struct fc_check *c)
{
	if (c->opt.junit && !writable_dir_of(c->opt.junit)) {
		fprintf(stderr,
			"forkchaos check: --junit %s: its folder is missing or not writable; expected a path in an existing "
			"folder\n",
			c->opt.junit);
		return -1;
	}
	if (c->opt.update && !c->opt.baseline) {
		fputs("forkchaos check: --update-baseline needs --baseline FILE (where to write it)\n", stderr);
		return -1;
	}
	return 0;
}

static int beside_us(struct fc_check *c)
{
	ssize_t n = readlink("/proc/self/exe", c->exe_dir, sizeof c->exe_dir - 1);
	c->exe_dir[n > 0 ? n : 0] = 0;
	char *slash = strrchr(c->exe_dir, '/');
	if (slash)
		*slash = 0;
	if (!fc_find_shim(c->shim, sizeof c->shim)) {
		fputs("forkchaos check: cannot find libforkchaos.so beside forkchaos; build it with `make`\n", stderr);
		return -1;
	}
	return 0;
}

static int workdir(struct fc_check *c)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(c->workdir, sizeof c->workdir, "%s/forkchaos-check-XXXXXX", tmp);
	char absolute[PATH_MAX];
	if (!mkdtemp(c->workdir)) {
		fprintf(stderr, "forkchaos check: cannot make a work folder: %s\n", strerror(errno));
		c->workdir[0] = 0;
		return -1;
	}
	/* the traces' paths must survive a target's chdir */
	if (realpath(c->workdir, absolute))
		snprintf(c->workdir, sizeof c->workdir, "%s", absolute);
	return 0;
}

/* Which targets are our drivers: their exit 2 means "could not run",
 * and they get FORKCHAOS_LIB. */
static int commands(struct fc_check *c)
{
	char path[PATH_MAX];
	for (int i = 0; i < c->nscenarios; i++)
		c->scenarios[i].oracles.driver = fc_check_command(c, &c->scenarios[i], path, sizeof path);
	return 0;
}

/* results/RUN-ID/ (or --out DIR's), with traces/ for failing runs. */
static int folder(struct fc_check *c)
{
	char traces[PATH_MAX + 16];
	const char *root = c->opt.out ? c->opt.out : "results";
	if (fc_results_begin(&c->folder, root) < 0) {
		fprintf(stderr,
			"forkchaos check: cannot make a results folder in %s: %s; expected a writable folder (--out DIR)\n", root,
			strerror(errno));
		return -1;
	}
	fc_results_path(&c->folder, "traces", traces, sizeof traces);
	if (mkdir(traces, 0755) < 0) {
		fprintf(stderr, "forkchaos check: cannot make %s: %s\n", traces, strerror(errno));
		fc_results_discard(&c->folder);
		return -1;
	}
	return 0;
}

/* The steps in order; the folders last, so that no error leaves them. */
int fc_check_resolve(struct fc_check *c)
{
	static int (*const steps[])(struct fc_check *) = {
		options_consistent, beside_us, libraries, scenarios, commands, defects_known, baseline, workdir, folder,
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (steps[i](c) < 0)
			return -1;
	return 0;
}

/* The reports and logs of the runs: gone once judged; whatever a killed
 * worker left goes with the folder. */
void fc_check_remove_workdir(const struct fc_check *c)
{
	DIR *dir = c->workdir[0] ? opendir(c->workdir) : NULL;
	struct dirent *entry;
	char path[PATH_MAX + 260];
	while (dir && (entry = readdir(dir))) {
		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", c->workdir, entry->d_name);
		unlink(path);
	}
	if (dir)
		closedir(dir);
	if (c->workdir[0])
		rmdir(c->workdir);
}

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
#include "install_path.h"
#include "seccomp_layer.h"

/* The scenario files found, as many as there are: each as given (for
 * messages) and resolved (so that one named twice runs once). */
struct files {
	char **path, **real;
	int n, room;
};

static void files_free(struct files *f)
{
	for (int i = 0; i < f->n; i++) {
		free(f->path[i]);
		free(f->real[i]);
	}
	free(f->path);
	free(f->real);
}

static int add_file(struct files *f, const char *path)
{
	char real[PATH_MAX];
	if (!realpath(path, real)) {
		fprintf(stderr, "forkchaos check: %s: %s; expected a scenario file\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < f->n; i++)
		if (!strcmp(f->real[i], real))
			return 0; /* the same file named twice (a file and its folder) */
	if (f->n == f->room) {
		int room = f->room ? 2 * f->room : 64;
		char **paths = realloc(f->path, (size_t)room * sizeof *paths);
		if (paths)
			f->path = paths;
		char **reals = paths ? realloc(f->real, (size_t)room * sizeof *reals) : NULL;
		if (!reals)
			goto nomem;
		f->real = reals;
		f->room = room;
	}
	if (!(f->path[f->n] = strdup(path)) || !(f->real[f->n] = strdup(real))) {
		free(f->path[f->n]);
		goto nomem;
	}
	f->n++;
	return 0;
nomem:
	perror("forkchaos check");
	return -1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int named_like_a_scenario(const char *name)
{
	size_t len = strlen(name);
	while (len > 1 && name[len - 1] == '/')
		len--;
	return len > 4 && !strncmp(name + len - 4, ".scn", 4);
}

/* Only a plain file is read: a folder reads as nothing and a FIFO
 * blocks the read forever.  FROM: the folder it was found in, or NULL. */
static int plain_file(const char *path, const struct stat *st, const char *from)
{
	if (S_ISREG(st->st_mode))
		return 0;
	fprintf(stderr, "forkchaos check: %s: is %s, not a scenario file%s%s%s; expected %s\n", path,
		S_ISDIR(st->st_mode) ? "a folder" : "a device, FIFO or socket", from ? " (found in " : "", from ? from : "",
		from ? ")" : "",
		from ? "only scenario files named *.scn in a folder given to check (rename it, or move it out)"
		     : "a scenario file or a folder of *.scn files");
	return -1;
}

/* DIR's *.scn entries (not hidden ones), in name order. */
static int add_folder(struct files *f, const char *dir)
{
	struct dirent **entries;
	size_t len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	int n = scandir(dir, &entries, NULL, alphasort), found = 0, rc = 0;
	if (n < 0) {
		fprintf(stderr, "forkchaos check: %s: cannot list it: %s; expected a readable folder\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *name = entries[i]->d_name;
		char path[PATH_MAX];
		struct stat st;
		if (rc == 0 && name[0] != '.' && named_like_a_scenario(name) &&
		    snprintf(path, sizeof path, "%.*s/%s", (int)len, dir, name) < (int)sizeof path) {
			found++;
			if (stat(path, &st) < 0) {
				fprintf(stderr, "forkchaos check: %s: %s; expected a scenario file\n", path, strerror(errno));
				rc = -1;
			} else {
				rc = plain_file(path, &st, dir) < 0 ? -1 : add_file(f, path);
			}
		}
		free(entries[i]);
	}
	free(entries);
	if (rc == 0 && !found) {
		fprintf(stderr,
			"forkchaos check: %s: a folder%s with no *.scn file in it; expected a scenario file or a folder of *.scn "
			"files\n",
			dir, named_like_a_scenario(dir) ? " (though named like a scenario file)" : "");
		return -1;
	}
	return rc;
}

/* PATHS: files, or folders whose *.scn files are taken in name order. */
static int collect(char **paths, int npaths, struct files *f)
{
	for (int i = 0; i < npaths; i++) {
		struct stat st;
		int rc;
		if (stat(paths[i], &st) < 0) {
			fprintf(stderr, "forkchaos check: %s: %s; expected a scenario file or a folder of *.scn files\n",
				paths[i], strerror(errno));
			return -1;
		}
		if (S_ISDIR(st.st_mode))
			rc = add_folder(f, paths[i]);
		else
			rc = plain_file(paths[i], &st, NULL) < 0 ? -1 : add_file(f, paths[i]);
		if (rc < 0)
			return -1;
	}
	return f->n;
}

static int load_scenarios(struct fc_check *c, char **files, int nfiles)
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
	struct files files = { 0 };
	int nfiles = collect(c->opt.paths, c->opt.npaths, &files);
	int rc = nfiles < 0 ? -1 : load_scenarios(c, files.path, nfiles);
	files_free(&files);
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
	char pattern[PATH_MAX + 32], dir[PATH_MAX], tried[2 * PATH_MAX];
	glob_t found;
	snprintf(pattern, sizeof pattern, "%s/libffd-*.so",
		 fc_place_find(FC_PLACE_DEFECTS, dir, sizeof dir) ? dir : "/nonexistent");
	if (glob(pattern, 0, NULL, &found) != 0) {
		fprintf(stderr, "forkchaos check: --matrix: no defect variants libffd-*.so in %s; run `make defects`\n",
			fc_place_tried(FC_PLACE_DEFECTS, tried, sizeof tried));
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
	char default_lib[PATH_MAX], tried[2 * PATH_MAX];
	if (!c->opt.lib && !fc_place_find(FC_PLACE_LIBFFD, default_lib, sizeof default_lib)) {
		fprintf(stderr, "forkchaos check: no library under test at %s; build it with `make` or give --lib\n",
			fc_place_tried(FC_PLACE_LIBFFD, tried, sizeof tried));
		return -1;
	}
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
			char dir[PATH_MAX];
			fprintf(stderr,
				"forkchaos check: %s: defect '%s' has no build (%s/libffd-%s.so); expected a name from "
				"`make defects`\n",
				c->scenarios[s].path, defect, fc_place_find(FC_PLACE_DEFECTS, dir, sizeof dir) ? dir : "defects",
				defect);
			return -1;
		}
	}
	return 0;
}

/* Loaded unless --update-baseline is to write it. */
static int baseline(struct fc_check *c)
{
	const char *path = c->opt.baseline;
	if (!path || c->opt.update)
		return 0;
	if ((c->nbaseline = fc_baseline_load(path, &c->baseline)) < 0) {
		fprintf(stderr, "forkchaos check: cannot read baseline %s: %s; create it with --update-baseline\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int claim(struct fc_outfile *o, const char *option, const char *path)
{
	char err[PATH_MAX + 256];
	if (fc_outfile_claim(o, path, err, sizeof err) == 0)
		return 0;
	fprintf(stderr, "forkchaos check: %s %s: %s\n", option, path, err);
	return -1;
}

/* What check writes where the user says is checked, and its temporary
 * made, before anything runs: a bad path is an error at once. */
static int options_consistent(struct fc_check *c)
{
	if (c->opt.update && !c->opt.baseline) {
		fputs("forkchaos check: --update-baseline needs --baseline FILE (where to write it)\n", stderr);
		return -1;
	}
	if (c->opt.junit && claim(&c->junit_out, "--junit", c->opt.junit) < 0)
		return -1;
	if (c->opt.update && claim(&c->baseline_out, "--baseline", c->opt.baseline) < 0)
		return -1;
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
		char tried[2 * PATH_MAX];
		fprintf(stderr, "forkchaos check: cannot find libforkchaos.so at %s; build it with `make`\n",
			fc_place_tried(FC_PLACE_SHIM, tried, sizeof tried));
		return -1;
	}
	/* none: a bare target word is looked for in $PATH, and a missing
	 * driver is named where the build would have put it */
	if (!fc_place_find(FC_PLACE_DRIVERS, c->drivers, sizeof c->drivers))
		snprintf(c->drivers, sizeof c->drivers, "%.*s/drivers", (int)sizeof c->drivers - 16, c->exe_dir);
	return 0;
}

static int workdir(struct fc_check *c)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(c->workdir, sizeof c->workdir, "%s/forkchaos-check-XXXXXX", tmp);
	char absolute[PATH_MAX];
	if (!mkdtemp(c->workdir)) {
		fprintf(stderr,
			"forkchaos check: cannot make a work folder in %s%s: %s; expected an existing folder we can write\n", tmp,
			getenv("TMPDIR") ? " ($TMPDIR)" : "", strerror(errno));
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

/* A scenario whose plan has syscall-level rules (sys_NAME, syscall:nr=)
 * runs each time under the seccomp supervisor, as `forkchaos run` would;
 * where the kernel or sandbox has no user notification it is refused
 * here, before anything runs: its rules would reach syscall(2) only, a
 * replay that silently is not the window's. */
static int syscall_layer(struct fc_check *c)
{
	static struct fc_plan plan;
	char why[320] = "", err[512];
	int probed = 0, missing = 0;
	for (int i = 0; i < c->nscenarios; i++) {
		struct fc_scenario *s = &c->scenarios[i];
		if (!s->plan[0] || fc_plan_parse(s->plan, &plan, err, sizeof err) < 0 || fc_plan_syscall_rules(&plan) == 0)
			continue;
		if (!probed++)
			missing = fc_syslayer_probe(why, sizeof why) < 0;
		if (!missing) {
			s->syslayer = 1;
			continue;
		}
		int r = 0;
		while (r < plan.nrules && plan.rules[r].via != FC_VIA_SYSCALL)
			r++;
		fprintf(stderr,
			"forkchaos check: %s: rule %d `%.*s` of its plan acts at the syscall level, which needs seccomp user "
			"notification: %s; add via=api to the rule to act on syscall(2) calls only, or run where the kernel "
			"allows it\n",
			s->path, r + 1, plan.rules[r].text_len, s->plan + plan.rules[r].text_off, why);
		return -1;
	}
	return 0;
}

/* results/RUN-ID/ (or --out DIR's), with traces/ for failing runs. */
static int folder(struct fc_check *c)
{
	char traces[PATH_MAX + 16], latest[PATH_MAX + 16];
	struct stat st;
	const char *root = c->opt.out ? c->opt.out : "results";
	snprintf(latest, sizeof latest, "%s/latest", root);
	if (lstat(latest, &st) == 0 && !S_ISLNK(st.st_mode)) {
		/* it is replaced when the run is complete: known now, not then */
		fprintf(stderr,
			"forkchaos check: %s: is not a symbolic link; expected the link to the newest run that check "
			"keeps there (move it away)\n",
			latest);
		return -1;
	}
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
		options_consistent,   beside_us,     libraries, scenarios, commands,
		syscall_layer,        defects_known, baseline,  workdir,   folder,
		fc_check_guard_start,
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (steps[i](c) < 0)
			return -1;
	return 0;
}

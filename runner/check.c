/* forkchaos check: run scenario files against a library, judge every run
 * with the invariant oracles, print a line per scenario, write JUnit/TAP,
 * gate on a baseline, or build the defect x scenario mutation matrix. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "forkchaos.h"

static const char check_usage[] =
	"usage: forkchaos check [--lib LIB] [--junit FILE] [--tap] [-j N] [--seed S] [--filter GLOB]\n"
	"                       [--repeat N] [--baseline FILE] [--update-baseline] [--matrix] PATHS...\n"
	"\n"
	"Runs the scenario files in PATHS (files, or folders of *.scn) against the library\n"
	"under test, each run under the shim with its plan and a timeout, and judges every\n"
	"run with the invariant oracles (scenarios/README.md). One line per scenario:\n"
	"PASS, FAIL (with the invariant that failed and a command that reproduces it),\n"
	"XFAIL (failed as expected), XPASS (passed though expected to fail).\n"
	"\n"
	"options:\n"
	"  --lib LIB          the library under test (default: libffd.so beside forkchaos)\n"
	"  --junit FILE       write JUnit XML: one testcase per scenario, failures with messages\n"
	"  --tap              print TAP version 13 on stdout instead of the PASS/FAIL lines\n"
	"  -j, --jobs N       run N scenarios at once (default 1)\n"
	"  --seed S           the seed for prob= rules of scenarios without their own (default 1)\n"
	"  --filter GLOB      only scenarios whose name matches GLOB (e.g. 'torn-*')\n"
	"  --repeat N         run each scenario N times instead of its repeat: value\n"
	"  --baseline FILE    fail only on failures not listed in FILE (regression gating)\n"
	"  --update-baseline  write the current failures to the --baseline FILE and exit 0\n"
	"  --matrix           run every defect variant (defects/libffd-*.so beside forkchaos) and\n"
	"                     print the defect x scenario table with the mutation score\n"
	"\n"
	"exit codes: 0 all held (XFAIL included), 1 a scenario failed, regressed or XPASSed\n"
	"(--matrix: a defect survived or the fixed library failed), 2 usage or harness error\n"
	"(malformed scenario, missing library or driver), 3 interrupted (partial results kept).\n"
	"\n"
	"examples:\n"
	"  forkchaos check scenarios/\n"
	"  forkchaos check -j 2 --junit results/junit.xml scenarios/\n"
	"  forkchaos check --lib build/defects/libffd-torn-oldact.so --repeat 20 scenarios/\n"
	"  forkchaos check --baseline ci/known-failures scenarios/\n"
	"  forkchaos check --matrix -j 2 scenarios/\n";

static struct fc_check check;
static struct fc_result *results;

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

static void on_interrupt(int sig)
{
	check.interrupted = 1;
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

/* PATHS: files, or folders whose *.scn files are taken in name order. */
static int collect(char **paths, int npaths, char files[][PATH_MAX], int max)
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
			if (n < max && !already_listed(files, n, paths[i]))
				snprintf(files[n++], PATH_MAX, "%s", paths[i]);
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
			for (size_t k = 0; k < found.gl_pathc && n < max; k++)
				if (!already_listed(files, n, found.gl_pathv[k]))
					snprintf(files[n++], PATH_MAX, "%s", found.gl_pathv[k]);
			globfree(&found);
		}
	}
	return n;
}

static int load_scenarios(char **paths, int npaths, const char *filter)
{
	static char files[512][PATH_MAX];
	char err[1024];
	int nfiles = collect(paths, npaths, files, 512);
	if (nfiles < 0)
		return -1;
	check.scenarios = calloc((size_t)(nfiles ? nfiles : 1), sizeof *check.scenarios);
	for (int i = 0; i < nfiles; i++) {
		struct fc_scenario *s = &check.scenarios[check.nscenarios];
		if (fc_scenario_load(files[i], s, err, sizeof err) < 0) {
			fprintf(stderr, "forkchaos check: %s\n", err);
			return -1;
		}
		for (int k = 0; k < check.nscenarios; k++) {
			if (!strcmp(check.scenarios[k].name, s->name)) {
				fprintf(stderr,
					"forkchaos check: %s:%d: name '%s' is already used by %s; expected unique names\n",
					s->path, s->name_line, s->name, check.scenarios[k].path);
				return -1;
			}
		}
		if (!filter || fnmatch(filter, s->name, 0) == 0)
			check.nscenarios++;
	}
	if (!check.nscenarios) {
		fprintf(stderr, "forkchaos check: no scenario to run (%d file(s) found%s%s)\n", nfiles, filter ? ", filter " : "",
			filter ? filter : "");
		return -1;
	}
	return 0;
}

static int add_lib(const char *path)
{
	if (check.nlibs == 64 || !realpath(path, check.libs[check.nlibs])) {
		fprintf(stderr, "forkchaos check: library %s: %s; build it with `make` (defects: `make defects`) or give --lib\n",
			path, check.nlibs == 64 ? "too many" : strerror(errno));
		return -1;
	}
	check.nlibs++;
	return 0;
}

static int add_defect_libs(void)
{
	char pattern[PATH_MAX + 32];
	glob_t found;
	snprintf(pattern, sizeof pattern, "%s/defects/libffd-*.so", check.exe_dir);
	if (glob(pattern, 0, NULL, &found) != 0) {
		fprintf(stderr, "forkchaos check: --matrix: no defect variants in %s/defects/; run `make defects`\n",
			check.exe_dir);
		return -1;
	}
	qsort(found.gl_pathv, found.gl_pathc, sizeof *found.gl_pathv, by_name);
	for (size_t i = 0; i < found.gl_pathc; i++)
		if (add_lib(found.gl_pathv[i]) < 0)
			return -1;
	globfree(&found);
	return 0;
}

/* Run every (lib, scenario) job with up to check.jobs workers at once; each
 * worker is a process of its own (so it can be the subreaper of its run)
 * and sends its fc_result back in one write. */
static void schedule(int njobs, void (*done)(int job))
{
	pid_t *workers = calloc((size_t)check.jobs, sizeof *workers);
	int *worker_job = calloc((size_t)check.jobs, sizeof *worker_job),
	    *worker_fd = calloc((size_t)check.jobs, sizeof *worker_fd);
	int next = 0, running = 0;
	while (next < njobs || running) {
		while (running < check.jobs && next < njobs && !check.interrupted) {
			int slot = 0, fds[2];
			while (workers[slot])
				slot++;
			if (pipe2(fds, O_CLOEXEC) < 0)
				break;
			pid_t pid = fork();
			if (pid == 0) {
				struct fc_result res;
				close(fds[0]);
				signal(SIGINT, on_interrupt);
				signal(SIGTERM, on_interrupt);
				signal(SIGHUP, on_interrupt);
				fc_check_run_one(&check, next % check.nscenarios, next / check.nscenarios, &res);
				_exit(write(fds[1], &res, sizeof res) == sizeof res ? 0 : 1);
			}
			close(fds[1]);
			if (pid < 0) {
				close(fds[0]);
				break;
			}
			workers[slot] = pid;
			worker_job[slot] = next++;
			worker_fd[slot] = fds[0];
			running++;
		}
		if (!running)
			break;
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR && check.interrupted)
				for (int s = 0; s < check.jobs; s++)
					if (workers[s])
						kill(workers[s], SIGTERM);
			continue;
		}
		for (int slot = 0; slot < check.jobs; slot++) {
			if (workers[slot] != pid)
				continue;
			struct fc_result *res = &results[worker_job[slot]];
			if (read(worker_fd[slot], res, sizeof *res) != sizeof *res) {
				memset(res, 0, sizeof *res);
				res->scenario = worker_job[slot] % check.nscenarios;
				res->lib = worker_job[slot] / check.nscenarios;
				res->harness_error = 1;
				res->verdict.failed = 1;
				res->verdict.oracle = FC_OR_DRIVER;
				snprintf(res->verdict.detail, sizeof res->verdict.detail,
					 "the scenario worker died (status 0x%x)", status);
			}
			close(worker_fd[slot]);
			workers[slot] = 0;
			running--;
			done(worker_job[slot]);
		}
	}
	free(workers);
	free(worker_job);
	free(worker_fd);
}

/* The reports and logs of the runs: gone once judged; whatever a killed
 * worker left goes with the folder. */
static void remove_workdir(void)
{
	DIR *dir = opendir(check.workdir);
	struct dirent *entry;
	char path[PATH_MAX + 260];
	while (dir && (entry = readdir(dir))) {
		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", check.workdir, entry->d_name);
		unlink(path);
	}
	if (dir)
		closedir(dir);
	rmdir(check.workdir);
}

static void classify(struct fc_result *r, char baseline[][64], int nbaseline)
{
	const struct fc_scenario *s = &check.scenarios[r->scenario];
	if (r->interrupted && !check.interrupted && !r->harness_error) {
		/* a signal we did not get ourselves: something (the target?)
		 * signalled the worker; the run is not judged, and says so */
		r->harness_error = 1;
		r->verdict.failed = 1;
		r->verdict.oracle = FC_OR_DRIVER;
		snprintf(r->verdict.detail, sizeof r->verdict.detail,
			 "a run was cut short by a signal to its runner that forkchaos check did not send (did the target signal "
			 "its parent?)");
	}
	if ((!r->runs || (r->interrupted && !r->failed_runs)) && !r->harness_error) {
		r->state = FC_NOT_RUN;
		return;
	}
	if (r->harness_error)
		r->state = FC_ERROR;
	else if (r->failed_runs)
		r->state = s->xfail ? FC_XFAIL : FC_FAIL;
	else
		r->state = s->xfail ? FC_XPASS : FC_PASS;
	for (int i = 0; i < nbaseline; i++)
		if (!strcmp(baseline[i], s->name))
			r->in_baseline = 1;
}

static int tap_mode, matrix_mode;
static int printed;
static char (*baseline_names)[64];
static int nbaseline;

/* Results print in scenario order, as soon as all before them are in. */
static void print_ready(int job)
{
	(void)job;
	if (tap_mode || matrix_mode)
		return;
	while (printed < check.nscenarios &&
	       (results[printed].runs || results[printed].harness_error || results[printed].interrupted)) {
		struct fc_result *r = &results[printed];
		const struct fc_scenario *s = &check.scenarios[r->scenario];
		classify(r, baseline_names, nbaseline);
		printf("%-5s %-28s %d/%d runs failed", fc_state_names[r->state], s->name, r->failed_runs, r->runs);
		if (r->state == FC_XFAIL)
			printf("  (xfail: %s)", s->xfail_reason);
		if (r->state == FC_XPASS)
			printf("  (expected to fail: %s)", s->xfail_reason);
		if (r->state == FC_NOT_RUN)
			printf("  (interrupted)");
		if (r->state == FC_FAIL || r->state == FC_ERROR) {
			char repro[8192], others[256];
			fc_check_repro(&check, s, check.libs[r->lib], repro, sizeof repro);
			fc_verdict_others(&r->verdict, others, sizeof others);
			printf("  [%s] %s%s%s%s%s\n      reproduce: %s", fc_oracle_name(r->verdict.oracle), r->verdict.detail,
			       others[0] ? " (also failed: " : "", others, others[0] ? ")" : "",
			       r->in_baseline ? " (known: in baseline)" : "", repro);
		}
		printf("\n");
		fflush(stdout);
		printed++;
	}
}

int fc_cmd_check(int argc, char **argv)
{
	enum { OPT_LIB = 256, OPT_JUNIT, OPT_TAP, OPT_SEED, OPT_FILTER, OPT_REPEAT, OPT_BASELINE, OPT_UPDATE, OPT_MATRIX };
	static const struct option options[] = {
		{ "lib", required_argument, 0, OPT_LIB },
		{ "junit", required_argument, 0, OPT_JUNIT },
		{ "tap", no_argument, 0, OPT_TAP },
		{ "jobs", required_argument, 0, 'j' },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "filter", required_argument, 0, OPT_FILTER },
		{ "repeat", required_argument, 0, OPT_REPEAT },
		{ "baseline", required_argument, 0, OPT_BASELINE },
		{ "update-baseline", no_argument, 0, OPT_UPDATE },
		{ "matrix", no_argument, 0, OPT_MATRIX },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *lib = NULL, *junit = NULL, *filter = NULL, *baseline = NULL;
	int update = 0, opt;
	char exe[PATH_MAX];
	check.jobs = 1;
	snprintf(check.seed, sizeof check.seed, "1");
	optind = 1;
	while ((opt = getopt_long(argc, argv, "j:h", options, NULL)) != -1) {
		char *end;
		switch (opt) {
		case OPT_LIB: lib = optarg; break;
		case OPT_JUNIT: junit = optarg; break;
		case OPT_TAP: tap_mode = 1; break;
		case OPT_FILTER: filter = optarg; break;
		case OPT_BASELINE: baseline = optarg; break;
		case OPT_UPDATE: update = 1; break;
		case OPT_MATRIX: matrix_mode = 1; break;
		case 'j':
			check.jobs = (int)strtol(optarg, &end, 10);
			if (*end || check.jobs < 1 || check.jobs > 64) {
				fprintf(stderr, "forkchaos check: bad -j '%s': expected a number of jobs from 1 to 64\n", optarg);
				return FC_EXIT_USAGE;
			}
			break;
		case OPT_REPEAT:
			check.repeat_override = (int)strtol(optarg, &end, 10);
			if (*end || check.repeat_override < 1 || check.repeat_override > 10000) {
				fprintf(stderr, "forkchaos check: bad --repeat '%s': expected a number from 1 to 10000\n",
					optarg);
				return FC_EXIT_USAGE;
			}
			break;
		case OPT_SEED:
			if (fc_parse_seed(optarg) < 0 || strlen(optarg) >= sizeof check.seed) {
				fprintf(stderr, "forkchaos check: bad --seed '%s': expected a whole number below 2^64\n", optarg);
				return FC_EXIT_USAGE;
			}
			snprintf(check.seed, sizeof check.seed, "%s", optarg);
			break;
		case 'h': fputs(check_usage, stdout); return FC_EXIT_OK;
		default: fputs("forkchaos check: see `forkchaos check --help`\n", stderr); return FC_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs("forkchaos check: no scenario paths given; e.g. forkchaos check scenarios/\n", stderr);
		return FC_EXIT_USAGE;
	}
	if (junit && !writable_dir_of(junit)) {
		fprintf(stderr,
			"forkchaos check: --junit %s: its folder is missing or not writable; expected a path in an existing "
			"folder\n",
			junit);
		return FC_EXIT_USAGE;
	}
	if (update && !baseline) {
		fputs("forkchaos check: --update-baseline needs --baseline FILE (where to write it)\n", stderr);
		return FC_EXIT_USAGE;
	}
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	*strrchr(exe, '/') = 0;
	snprintf(check.exe_dir, sizeof check.exe_dir, "%s", exe);
	if (!fc_find_shim(check.shim, sizeof check.shim)) {
		fputs("forkchaos check: cannot find libforkchaos.so beside forkchaos; build it with `make`\n", stderr);
		return FC_EXIT_USAGE;
	}
	char default_lib[PATH_MAX + 16];
	snprintf(default_lib, sizeof default_lib, "%s/libffd.so", check.exe_dir);
	if (add_lib(lib ? lib : default_lib) < 0 || (matrix_mode && add_defect_libs() < 0))
		return FC_EXIT_USAGE;
	if (load_scenarios(argv + optind, argc - optind, filter) < 0)
		return FC_EXIT_USAGE;
	for (int s = 0; matrix_mode && s < check.nscenarios; s++) {
		const char *defect = check.scenarios[s].defect;
		int known = !defect[0];
		for (int l = 1; l < check.nlibs && !known; l++) {
			const char *base = strrchr(check.libs[l], '/');
			char expected[96];
			snprintf(expected, sizeof expected, "/libffd-%s.so", defect);
			known = base && !strcmp(base, expected);
		}
		if (!known) {
			fprintf(stderr,
				"forkchaos check: %s: defect '%s' has no build (%s/defects/libffd-%s.so); expected a name from "
				"`make defects`\n",
				check.scenarios[s].path, defect, check.exe_dir, defect);
			return FC_EXIT_USAGE;
		}
	}
	static char baseline_store[1024][64];
	baseline_names = baseline_store;
	if (baseline && !update && (nbaseline = fc_baseline_load(baseline, baseline_store, 1024)) < 0) {
		fprintf(stderr, "forkchaos check: cannot read baseline %s: %s; create it with --update-baseline\n", baseline,
			strerror(errno));
		return FC_EXIT_USAGE;
	}
	snprintf(check.workdir, sizeof check.workdir, "%s/forkchaos-check-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(check.workdir)) {
		fprintf(stderr, "forkchaos check: cannot make a work folder: %s\n", strerror(errno));
		return FC_EXIT_USAGE;
	}

	/* We are the subreaper of last resort: anything a worker leaves comes
	 * back to us and is reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	struct sigaction sa = { .sa_handler = on_interrupt };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	int njobs = check.nscenarios * (matrix_mode ? check.nlibs : 1);
	results = calloc((size_t)njobs, sizeof *results);
	for (int i = 0; i < njobs; i++) {
		results[i].scenario = i % check.nscenarios;
		results[i].lib = i / check.nscenarios;
	}
	schedule(njobs, print_ready);
	remove_workdir();

	int failed = 0, errors = 0;
	for (int i = 0; i < njobs; i++) {
		classify(&results[i], baseline_names, nbaseline);
		if (i < check.nscenarios) {
			failed += (results[i].state == FC_FAIL && !results[i].in_baseline) || results[i].state == FC_XPASS;
			errors += results[i].state == FC_ERROR && !results[i].in_baseline;
		}
	}
	if (tap_mode)
		fc_write_tap(stdout, &check, results, check.nscenarios);
	if (junit && fc_write_junit(junit, &check, results, check.nscenarios) < 0) {
		fprintf(stderr, "forkchaos check: cannot write %s: %s\n", junit, strerror(errno));
		return FC_EXIT_USAGE;
	}
	if (matrix_mode) {
		fc_print_matrix(stdout, &check, results, tap_mode ? "# " : "");
		int survived = 0;
		for (int l = 1; l < check.nlibs; l++) {
			int hits = 0;
			for (int s = 0; s < check.nscenarios; s++) {
				const struct fc_result *r = &results[l * check.nscenarios + s];
				hits += r->failed_runs > 0 && !r->harness_error;
				errors += r->harness_error; /* a variant that cannot run detects nothing */
			}
			survived += !hits;
		}
		failed += survived;
	}
	if (update) {
		if (fc_baseline_save(baseline, &check, results, check.nscenarios) < 0) {
			fprintf(stderr, "forkchaos check: cannot write baseline %s: %s\n", baseline, strerror(errno));
			return FC_EXIT_USAGE;
		}
		fprintf(stderr, "forkchaos check: baseline %s updated\n", baseline);
		return check.interrupted ? FC_EXIT_INTERRUPTED : FC_EXIT_OK;
	}
	if (!tap_mode) {
		int counts[6] = { 0 };
		for (int i = 0; i < check.nscenarios; i++)
			counts[results[i].state]++;
		printf("check: %d passed, %d failed, %d xfail, %d xpass, %d errors, %d not run (library %s, seed %s)\n",
		       counts[FC_PASS], counts[FC_FAIL], counts[FC_XFAIL], counts[FC_XPASS], counts[FC_ERROR], counts[FC_NOT_RUN],
		       check.libs[0], check.seed);
	}
	if (check.interrupted)
		return FC_EXIT_INTERRUPTED;
	if (errors)
		return FC_EXIT_USAGE;
	return failed ? FC_EXIT_FAIL : FC_EXIT_OK;
}

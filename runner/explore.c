/* forkchaos explore: parse (the option table) -> the folder and the clean
 * run (or, --resume, both from the folder) -> the points and candidates ->
 * the runs in their order (explore_run.c) -> each finding minimized -> the
 * folder made complete. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "explore.h"
#include "forkchaos.h"
#include "opts.h"
#include "plan.h"
#include "proc.h"
#include "run_check.h"
#include "sched.h"

static const char explore_usage[] =
	"usage: forkchaos explore [--lib LIB] [--plan BASE] [--calls LIST|%class] [--signals LIST]\n"
	"                         [--depth 1|2] [--budget DUR] [--max-runs N] [-j N] [--seed S]\n"
	"                         [--out DIR] [--shard K/N] [--check LIST] [--max-n N] [--timeout DUR]\n"
	"                         [--minimize N] [--progress-every DUR] -- CMD [ARGS...]\n"
	"       forkchaos explore --resume DIR [-j N]\n"
	"\n"
	"Finds race windows and error paths of CMD without a plan.  A clean run (under\n"
	"--plan BASE) lists its intercepted call points: call x call site x occurrence x\n"
	"side.  Then one perturbation per run (depth 1), each judged by every oracle\n"
	"against the clean run:\n"
	"  signal        SIGCHLD (and --signals) at the point: enter, inside, exit; to the\n"
	"                calling thread, and (signal-other) to another thread when there is one\n"
	"  child-death   a helper child dies there: a real SIGCHLD with a reapable child\n"
	"  reap          a foreign reaper (waitpid(-1) elsewhere) takes the dead children\n"
	"  oldact        the prior SIGCHLD disposition sigaction reports: SIG_IGN, SIG_DFL,\n"
	"                with or without SA_SIGINFO, a real handler with or without it\n"
	"  delay         10 us to 50 ms, log-spaced: the parent after a fork, a child at its\n"
	"                first calls\n"
	"  error         an errno the call can give there (sweep's, prioritised)\n"
	"  nosys         a syscall(2) call the kernel lacks (ENOSYS at every call)\n"
	"A correct program tolerates a signal, a delay, a child dying, a missing syscall,\n"
	"a prior disposition it could find: there a changed exit status or output is a\n"
	"finding (differs).  After an error or a foreign reaper, a clean different exit\n"
	"is `handled`.  The order finds most within a budget: signal-setup calls and their\n"
	"neighbours first, every site once before any twice, the neighbourhood of a\n"
	"finding or of a new kind of outcome next, and every delay first once a failure\n"
	"comes back at another site (a window the runs hit by chance).  Findings are\n"
	"deduplicated by oracle, site and detail, ranked by severity, and each minimized\n"
	"(forkchaos minimize: the smallest plan failing 5 runs out of 5) with a one-line\n"
	"reproducer.\n"
	"\n"
	"options:\n"
	"  --lib LIB          the library a driver tests (FORKCHAOS_LIB=LIB for CMD)\n"
	"  -p, --plan BASE    a plan every run has besides its perturbation (the clean run too)\n"
	"  --calls LIST       only these calls' points (names and %classes, comma-separated)\n"
	"  --signals LIST     more signals than SIGCHLD to send at each point (e.g. SIGTERM,SIGALRM)\n"
	"  --depth 1|2        2: pairs of perturbations too, sampled with the seed (default 1)\n"
	"  --budget DUR       stop choosing runs after DUR (e.g. 60s); --max-runs N: after N runs\n"
	"                     (default: every perturbation)\n"
	"  -j, --jobs N       runs at once (default: the number of CPUs)\n"
	"  --seed S           the seed of every run and of depth 2's sampling (default 1)\n"
	"  --out DIR          the results folder itself (a new one); default results/RUN-ID\n"
	"  --shard K/N        only the K-th of N deterministic slices of the perturbations\n"
	"  --resume DIR       go on with the unfinished explore in DIR (printed when interrupted)\n"
	"  --check LIST       the oracles (as `forkchaos run --check`; default all)\n"
	"  --max-n N          occurrences of a site explored, at most (default 16)\n"
	"  -T, --timeout DUR  each run's timeout (default 20 times the clean run's, at least 5s)\n"
	"  --minimize N       minimize the N most severe findings (default 32; 0: none), the\n"
	"                     others keep their plans as found\n"
	"  --progress-every DUR  progress on stderr this often (default 1s on a terminal, else 10s)\n"
	"\n"
	"The folder: run.json, explore.json, sites.csv, points.csv (each point's worst outcome\n"
	"under each kind), outcomes.csv and outcomes.jsonl (one row per run), findings.csv and\n"
	"findings.jsonl (finding,oracle,severity,site,plan,reproduce,detail,...), traces/ of\n"
	"failing runs, baseline/ (the clean run), runs.jsonl.  SIGINT or SIGTERM stops it: the\n"
	"finished runs are kept and the --resume command printed.\n"
	"\n"
	"exit codes: 0 no finding, 1 findings, 2 usage or harness error, 3 interrupted.\n"
	"\n"
	"examples:\n"
	"  forkchaos explore --lib build/libffd.so -- build/drivers/ffdriver workload\n"
	"  forkchaos explore --budget 60s --signals SIGTERM -- ./server --once\n"
	"  forkchaos explore --calls %proc,%signal,%wait --depth 2 --max-runs 500 -- ./app\n";

#define OPT(...) FC_OPT_ROW(struct fc_explore_options, __VA_ARGS__)
#define NUM(...) FC_OPT_NUM(struct fc_explore_options, __VA_ARGS__)
/* clang-format off */
static const struct fc_opt explore_options[] = {
	OPT("lib", 0, FC_OPT_TEXT, lib),
	OPT("plan", 'p', FC_OPT_TEXT, plan),
	OPT("calls", 0, FC_OPT_TEXT, calls),
	OPT("signals", 0, FC_OPT_TEXT, signals),
	NUM("depth", 0, depth, 1, 2, "a depth"),
	OPT("budget", 0, FC_OPT_DURATION, budget_ns),
	NUM("max-runs", 0, max_runs, 1, 100000000, "a number of runs"),
	NUM("jobs", 'j', jobs, 1, 256, "a number of jobs"),
	OPT("seed", 0, FC_OPT_SEED, seed),
	OPT("out", 0, FC_OPT_TEXT, out),
	OPT("shard", 0, FC_OPT_TEXT, shard),
	OPT("resume", 0, FC_OPT_TEXT, resume),
	OPT("check", 0, FC_OPT_TEXT, check),
	NUM("max-n", 0, max_n, 1, 1000000, "a number of occurrences"),
	OPT("timeout", 'T', FC_OPT_DURATION, timeout_ns),
	NUM("minimize", 0, minimize, 0, 1000000, "a number of findings"),
	OPT("progress-every", 0, FC_OPT_DURATION, progress_ns),
	FC_OPT_END,
};
/* clang-format on */
#undef OPT
#undef NUM

static const struct fc_opt_spec explore_spec = {
	.sub = "explore",
	.usage = explore_usage,
	.opts = explore_options,
	.in_order = 1,
};

static int usage(const char *what)
{
	fprintf(stderr, "forkchaos explore: %s; see `forkchaos explore --help`\n", what);
	return FC_EXIT_USAGE;
}

/* SIGCHLD, then --signals (names or numbers, comma-separated). */
static int parse_signals(struct fc_explore *e, char *err, size_t errlen)
{
	e->signals[0] = SIGCHLD;
	e->nsignals = 1;
	for (const char *p = e->o.signals ? e->o.signals : ""; *p;) {
		size_t len = strcspn(p, ",");
		int sig = len ? fc_signal_lookup(p, len) : -1;
		if (sig <= 0 || e->nsignals == (int)(sizeof e->signals / sizeof e->signals[0])) {
			snprintf(err, errlen, "bad --signals '%s': '%.*s' is not a signal, or too many (at most %d)",
				 e->o.signals, (int)len, p, (int)(sizeof e->signals / sizeof e->signals[0]) - 1);
			return -1;
		}
		if (sig != SIGCHLD)
			e->signals[e->nsignals++] = sig;
		p += len + (p[len] == ',');
	}
	return 0;
}

/* The checks made before anything runs (a new explore and a resumed one). */
static int check_options(struct fc_explore *e, char *err, size_t errlen)
{
	static struct fc_run_check probe;
	uint64_t calls[FC_CALL_WORDS];
	if (parse_signals(e, err, errlen) < 0)
		return -1;
	if (e->o.calls && fc_call_set_parse(e->o.calls, calls, err, errlen) < 0)
		return -1;
	if (e->o.check && fc_run_check_parse(&probe, e->o.check, err, errlen) < 0)
		return -1;
	if (e->o.shard && fc_sweep_parse_shard(&e->s, e->o.shard) < 0) {
		snprintf(err, errlen, "bad --shard '%s': expected K/N with 1 <= K <= N (e.g. 2/4)", e->o.shard);
		return -1;
	}
	return 0;
}

/* CMD, behind `env FORKCHAOS_LIB=LIB` for --lib (absolute: the reproduce
 * lines work from anywhere). */
static int take_command(struct fc_explore *e, char **cmd, int ncmd, char *err, size_t errlen)
{
	char lib[PATH_MAX + 16], real[PATH_MAX];
	char *words[ncmd + 3];
	int n = 0;
	if (e->o.lib) {
		if (!realpath(e->o.lib, real)) {
			snprintf(err, errlen, "bad --lib '%s': %s", e->o.lib, strerror(errno));
			return -1;
		}
		snprintf(lib, sizeof lib, "FORKCHAOS_LIB=%s", real);
		words[n++] = "env";
		words[n++] = lib;
	}
	for (int i = 0; i < ncmd; i++)
		words[n++] = cmd[i];
	if (fc_sweep_take_command(&e->s, words, n) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* a relative command after env is made absolute as well */
	if (e->o.lib && strchr(cmd[0], '/') && cmd[0][0] != '/' && realpath(cmd[0], real)) {
		free(e->s.cmd[2]);
		e->s.cmd[2] = strdup(real);
	}
	return e->s.cmd[n - 1] ? 0 : -1;
}

static int start(struct fc_explore *e, char **cmd, int ncmd)
{
	char err[1024];
	if (!e->s.opt.seed)
		e->s.opt.seed = "1";
	if (check_options(e, err, sizeof err) < 0 || take_command(e, cmd, ncmd, err, sizeof err) < 0)
		return usage(err);
	e->s.latest = !e->o.out;
	if (e->o.out && fc_sweep_folder_at(&e->s.folder, e->o.out, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos explore: %s\n", err);
		return FC_EXIT_USAGE;
	}
	if (!e->o.out && fc_results_begin(&e->s.folder, "results") < 0) {
		fprintf(stderr, "forkchaos explore: cannot make a folder in results/: %s\n", strerror(errno));
		return FC_EXIT_USAGE;
	}
	e->s.created = 1;
	/* the clean run has the timeout given, else a generous one; the runs,
	 * once it is known how long the command takes, a multiple of it */
	e->s.opt.timeout_ns = e->o.timeout_ns ? e->o.timeout_ns : 60000000000u;
	int rc = fc_explore_clean_run(e);
	if (rc >= 0)
		return rc;
	if (!e->o.timeout_ns) {
		uint64_t twenty = (uint64_t)e->clean_ms * 20 * 1000000u;
		e->o.timeout_ns = twenty > 5000000000u ? twenty : 5000000000u;
	}
	e->s.opt.timeout_ns = e->o.timeout_ns;
	if (fc_explore_write_state(e) < 0) {
		fprintf(stderr, "forkchaos explore: cannot write %s/explore.json: %s\n", e->s.folder.dir, strerror(errno));
		return FC_EXIT_USAGE;
	}
	return -1;
}

/* --resume DIR: the unfinished folder (DIR, or .partial-NAME beside it). */
static int resume(struct fc_explore *e, const char *dir)
{
	char copy[PATH_MAX], parent[PATH_MAX], name[PATH_MAX], err[1024];
	struct stat st;
	struct fc_results *r = &e->s.folder;
	if (strlen(dir) >= PATH_MAX - 256)
		return usage("--resume DIR: the path is too long");
	snprintf(copy, sizeof copy, "%s", dir);
	snprintf(parent, sizeof parent, "%s", dirname(copy));
	snprintf(copy, sizeof copy, "%s", dir);
	snprintf(name, sizeof name, "%s", basename(copy));
	const char *bare = !strncmp(name, ".partial-", 9) ? name + 9 : name;
	snprintf(r->root, sizeof r->root, "%.3500s", parent);
	snprintf(r->final, sizeof r->final, "%.3500s/%.500s", parent, bare);
	snprintf(r->dir, sizeof r->dir, "%.3500s/.partial-%.500s", parent, bare);
	if (lstat(r->dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "forkchaos explore: --resume %s: %s\n", dir,
			lstat(r->final, &st) == 0
				? "that explore is complete; nothing to resume"
				: "no unfinished explore there; expected the folder an interrupted explore printed");
		return FC_EXIT_USAGE;
	}
	char path[PATH_MAX + 32];
	if (fc_explore_read_state(e, r->dir, err, sizeof err) < 0 || check_options(e, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos explore: %s\n", err);
		return FC_EXIT_USAGE;
	}
	e->s.opt.timeout_ns = e->o.timeout_ns;
	char stable[PATH_MAX + 32];
	fc_results_path(r, "baseline/check.jsonl", path, sizeof path);
	fc_results_path(r, "baseline/stable.jsonl", stable, sizeof stable);
	if (fc_sweep_read_check_out(path, &e->clean) < 0 || fc_sweep_read_check_out(stable, &e->s.base) < 0) {
		fprintf(stderr, "forkchaos explore: cannot read the clean run's %s or %s\n", path, stable);
		return FC_EXIT_USAGE;
	}
	e->clean.state = e->s.base.state = FC_SW_RAN;
	return -1;
}

/* The points, the candidates, the order; the finished runs of a resumed
 * explore replayed; the runs' own files. */
static int prepare(struct fc_explore *e, int resumed)
{
	char err[1024], path[PATH_MAX + 32];
	fc_results_path(&e->s.folder, "baseline/trace.jsonl", path, sizeof path);
	if (fc_explore_points(e, path, err, sizeof err) < 0 || fc_explore_candidates(e, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos explore: %s\n", err);
		return FC_EXIT_USAGE;
	}
	/* differs compares with the clean run's exit status and output */
	snprintf(e->expect, sizeof e->expect, "%d%s%s", e->s.base.exit, e->s.base.out[0] ? ":" : "", e->s.base.out);
	if (fc_explore_pick_init(e) < 0 || fc_explore_grow_runs(e, 1) < 0)
		goto oom;
	fc_explore_clean_findings(e);
	if (resumed && fc_explore_read_runs(e) < 0) {
		fprintf(stderr, "forkchaos explore: cannot read %s/runs.jsonl: %s\n", e->s.folder.dir, strerror(errno));
		return FC_EXIT_USAGE;
	}
	if (!resumed && fc_sweep_write_sites(&e->s) < 0) {
		fprintf(stderr, "forkchaos explore: cannot write %s/sites.csv: %s\n", e->s.folder.dir, strerror(errno));
		return FC_EXIT_USAGE;
	}
	fc_results_path(&e->s.folder, "runs.jsonl", path, sizeof path);
	e->s.runs_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
	fc_results_path(&e->s.folder, ".work", e->s.work, sizeof e->s.work);
	if (e->s.runs_fd < 0 || (mkdir(e->s.work, 0700) < 0 && errno != EEXIST)) {
		fprintf(stderr, "forkchaos explore: cannot write in %s: %s\n", e->s.folder.dir, strerror(errno));
		return FC_EXIT_USAGE;
	}
	int tolerated = 0;
	for (int k = 0; k < e->ncands; k++)
		tolerated += e->cands[k].tolerated;
	int total = e->ncands + e->npairs;
	if (e->o.max_runs && e->o.max_runs < total)
		total = e->o.max_runs;
	uint64_t every = e->s.opt.progress_ns ? e->s.opt.progress_ns : isatty(2) ? 1000000000u : 10000000000u;
	e->s.opt.progress_ns = every;
	e->s.progress = fc_progress_new("explore", "runs", total > e->nruns ? total - e->nruns : 0, every);
	fprintf(stderr, "forkchaos explore: %d points (%d sites), %d perturbations (%d a correct program tolerates)%s",
		e->npoints, e->s.nsites, e->ncands + e->npairs, tolerated, e->s.shard_n ? " in all shards" : "");
	if (e->nruns)
		fprintf(stderr, ", %d runs done before", e->nruns);
	fputc('\n', stderr);
	return -1;
oom:
	fprintf(stderr, "forkchaos explore: out of memory\n");
	return FC_EXIT_USAGE;
}

static int finish(struct fc_explore *e)
{
	fc_progress_clear(e->s.progress);
	if (!e->interrupted)
		fc_explore_minimize_all(e);
	e->interrupted = e->interrupted || fc_sched_interrupted();
	fc_remove_tree(e->s.work);
	if (e->interrupted) {
		if (fc_explore_write_results(e, 0) < 0)
			fprintf(stderr, "forkchaos explore: cannot write the results so far: %s\n", strerror(errno));
		fprintf(stderr, "forkchaos explore: interrupted; the finished runs are kept in %s/\n", e->s.folder.dir);
		fprintf(stderr, "forkchaos explore: go on with: %s explore --resume %s\n", e->s.exe, e->s.folder.dir);
		return FC_EXIT_INTERRUPTED;
	}
	if (fc_explore_write_results(e, 1) < 0 || fc_sweep_folder_finish(&e->s.folder, e->s.latest) < 0) {
		fprintf(stderr, "forkchaos explore: cannot write the results folder %s: %s\n", e->s.folder.dir, strerror(errno));
		return FC_EXIT_USAGE;
	}
	fprintf(stderr, "forkchaos explore: results in %s/\n", e->s.folder.final);
	return e->exit_code;
}

static int explore(struct fc_explore *e, int argc, char **argv)
{
	int first, rc;
	e->o.minimize = -1; /* not given */
	if ((rc = fc_opts_parse(&explore_spec, argc, argv, &e->o, &first)) >= 0)
		return rc;
	e->s.argc = argc;
	e->s.argv = argv;
	e->s.opt.plan = e->o.plan;
	e->s.opt.seed = e->o.seed;
	e->s.opt.progress_ns = e->o.progress_ns;
	ssize_t n = readlink("/proc/self/exe", e->s.exe, sizeof e->s.exe - 1);
	e->s.exe[n > 0 ? n : 0] = 0;
	if (e->o.resume) {
		struct fc_explore_options given = e->o;
		if (first < argc || given.lib || given.plan || given.calls || given.signals || given.check || given.shard ||
		    given.out || given.seed || given.depth || given.max_n || given.max_runs || given.budget_ns ||
		    given.timeout_ns || given.minimize >= 0)
			return usage("--resume DIR takes the explore's command and options from DIR; give only -j or "
				     "--progress-every with it");
		if ((rc = resume(e, given.resume)) >= 0)
			return rc;
		e->o.jobs = given.jobs;
		e->o.resume = given.resume;
	} else {
		if (first >= argc)
			return usage("no command given; usage: forkchaos explore [OPTIONS] -- CMD [ARGS...]");
		e->o.depth = e->o.depth ? e->o.depth : 1;
		e->o.max_n = e->o.max_n ? e->o.max_n : 16;
		e->o.minimize = e->o.minimize >= 0 ? e->o.minimize : 32;
		if ((rc = start(e, argv + first, argc - first)) >= 0)
			return rc;
	}
	if (!e->o.jobs) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		e->o.jobs = cpus > 0 && cpus < 256 ? (int)cpus : 1;
	}
	if ((rc = prepare(e, e->o.resume != NULL)) >= 0)
		return rc;
	e->s.planned = 1;
	e->started_ms = fc_now_ns() / 1000000;
	if (fc_explore_run(e) < 0) {
		fprintf(stderr, "forkchaos explore: %s\n", strerror(errno));
		return FC_EXIT_USAGE;
	}
	return finish(e);
}

static void free_explore(struct fc_explore *e)
{
	fc_progress_free(e->s.progress);
	if (e->s.runs_fd >= 0)
		close(e->s.runs_fd);
	for (int i = 0; e->s.cmd && i < e->s.ncmd; i++)
		free(e->s.cmd[i]);
	free(e->s.cmd);
	fc__strings_free(&e->s.strings);
	fc__table_free(&e->outcomes_seen);
	free(e->s.sites);
	for (int i = 0; e->site_cands && i < e->s.nsites; i++)
		free(e->site_cands[i]);
	free(e->site_cands);
	free(e->points);
	free(e->cands);
	free(e->pairs);
	free(e->order);
	free(e->results);
	free(e->ended_ms);
	free(e->chosen);
	free(e->site_runs);
	free(e->boost);
	free(e->next_of_site);
	free(e->site_class);
	free(e->reorder);
	free(e->site_ncands);
	free(e->findings);
	for (size_t i = 0; i < sizeof e->owned / sizeof e->owned[0]; i++)
		free(e->owned[i]);
	free(e);
}

int fc_cmd_explore(int argc, char **argv)
{
	struct fc_explore *e = calloc(1, sizeof *e);
	sigset_t stops;
	if (!e) {
		perror("forkchaos explore");
		return FC_EXIT_USAGE;
	}
	e->s.runs_fd = -1;
	e->first_finding_ms = -1;
	/* an interrupt is taken, never died of (as sweep's) */
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGHUP);
	sigprocmask(SIG_BLOCK, &stops, NULL);
	int rc = explore(e, argc, argv);
	if (e->s.created && (rc != FC_EXIT_INTERRUPTED || !e->s.planned))
		fc_results_discard(&e->s.folder);
	free_explore(e);
	return rc;
}

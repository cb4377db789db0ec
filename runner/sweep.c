/* forkchaos sweep: parse (the option table) -> the folder and the clean
 * run (or, --resume, both from the folder) -> the run list -> the runs
 * (sweep_job.c) -> the judged rows and the folder made complete. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "forkchaos.h"
#include "opts.h"
#include "sweep.h"

static const char sweep_usage[] =
	"usage: forkchaos sweep [--calls LIST|%class] [--errnos valid|all|LIST] [--mode once|persistent]\n"
	"                       [--max-n N] [--check LIST] [-j N] [--shard K/N] [--out DIR]\n"
	"                       [--timeout DUR] [--plan BASE] [--seed S] [--progress-every DUR] -- CMD [ARGS...]\n"
	"       forkchaos sweep --resume DIR [-j N]\n"
	"\n"
	"Fails every call site of CMD in turn, one run each, and judges each run with the\n"
	"oracles against a clean run.  The clean run (under --plan BASE) traces CMD and\n"
	"counts its sites: call x caller (its symbol, else OBJECT+0xOFF) x process (the\n"
	"first one, or a child).  Then for each site, each errno and each occurrence N up\n"
	"to --max-n, one run fails exactly that call (CALL:caller=SITE:when=N:error=E); a\n"
	"series stops at the first N the run never reached.  Each run's outcome is ok (as\n"
	"the clean run), handled (it differs, every oracle held) or the first oracle that\n"
	"failed; each failing row has a `forkchaos run --check ORACLE ...` line that\n"
	"reproduces it.  Each run is a `forkchaos run --check` of its own, -j at once.\n"
	"\n"
	"options:\n"
	"  --calls LIST       the calls to fail: names and %classes, comma-separated (default:\n"
	"                     every intercepted call the clean run made); the sys_NAME it holds\n"
	"                     are trapped wherever made, their sites named by the syscall layer\n"
	"  --errnos E         valid: the errnos the call table lists for each call, but those\n"
	"                     that only a wrong argument causes (EBADF, EFAULT, EINVAL, ECHILD,\n"
	"                     ESRCH...) (default); all: every errno; or a LIST such as EAGAIN,ENOMEM\n"
	"  --mode M           once: only the Nth call fails (default); persistent: from the Nth on\n"
	"  --max-n N          occurrences per site and errno, at most (default 16)\n"
	"  --check LIST       the oracles (as `forkchaos run --check`; default all)\n"
	"  -j, --jobs N       runs at once (default: the number of CPUs)\n"
	"  --shard K/N        only the K-th of N slices of the run list (deterministic); join the\n"
	"                     shards' folders with `forkchaos merge`\n"
	"  --out DIR          the results folder itself (a new one); default results/RUN-ID, with\n"
	"                     results/latest pointing at it\n"
	"  --resume DIR       go on with the unfinished sweep in DIR (the folder printed when it\n"
	"                     was interrupted): its options, its clean run, its finished runs\n"
	"  -T, --timeout DUR  each run's timeout (default 30s): past it, the run fails `hang`\n"
	"  -p, --plan BASE    a plan every run has besides its own rule (the clean run too)\n"
	"  --seed S           the seed of every run, for prob= rules of --plan (default 1)\n"
	"  --progress-every DUR  progress on stderr this often (default 1s on a terminal, redrawn\n"
	"                     in place; 10s otherwise)\n"
	"\n"
	"The folder: run.json, sites.csv, outcomes.csv and outcomes.jsonl (one row per run),\n"
	"traces/ of failing runs, baseline/ (the clean run), runs.jsonl and sweep.json (what\n"
	"--resume and merge read).  SIGINT or SIGTERM stops it: the finished runs are kept and\n"
	"the --resume command printed.\n"
	"\n"
	"exit codes: 0 no failing outcome, 1 at least one, 2 usage or harness error (the\n"
	"clean run could not run, a bad option), 3 interrupted (resume it).\n"
	"\n"
	"examples:\n"
	"  forkchaos sweep --calls fork,pipe2 -- ./server --once\n"
	"  forkchaos sweep --calls %proc --errnos EAGAIN --max-n 4 -j 8 -- make -j2\n"
	"  forkchaos sweep --shard 2/4 --out shards/2 -- ./app\n"
	"  forkchaos sweep --resume results/.partial-20260101T120000Z-1a2b3c\n";

#define OPT(...) FC_OPT_ROW(struct fc_sweep_options, __VA_ARGS__)
#define NUM(...) FC_OPT_NUM(struct fc_sweep_options, __VA_ARGS__)
/* clang-format off */
static const struct fc_opt sweep_options[] = {
	OPT("calls", 0, FC_OPT_TEXT, calls),
	OPT("errnos", 0, FC_OPT_TEXT, errnos),
	OPT("mode", 0, FC_OPT_TEXT, mode),
	NUM("max-n", 0, max_n, 1, 1000000, "a number of occurrences"),
	OPT("check", 0, FC_OPT_TEXT, check),
	NUM("jobs", 'j', jobs, 1, 256, "a number of jobs"),
	OPT("shard", 0, FC_OPT_TEXT, shard),
	OPT("out", 0, FC_OPT_TEXT, out),
	OPT("resume", 0, FC_OPT_TEXT, resume),
	OPT("timeout", 'T', FC_OPT_DURATION, timeout_ns),
	OPT("plan", 'p', FC_OPT_TEXT, plan),
	OPT("seed", 0, FC_OPT_SEED, seed),
	OPT("progress-every", 0, FC_OPT_DURATION, progress_ns),
	FC_OPT_END,
};
/* clang-format on */
#undef OPT
#undef NUM

static const struct fc_opt_spec sweep_spec = {
	.sub = "sweep",
	.usage = sweep_usage,
	.opts = sweep_options,
	.in_order = 1,
};

static int usage(const char *fmt, const char *what)
{
	fputs("forkchaos sweep: ", stderr);
	fprintf(stderr, fmt, what);
	fputs("; see `forkchaos sweep --help`\n", stderr);
	return FC_EXIT_USAGE;
}

int fc_sweep_folder_at(struct fc_results *r, const char *dir, char *err, size_t errlen)
{
	struct stat st;
	char copy[PATH_MAX], parent[PATH_MAX], partial[PATH_MAX + 16];
	snprintf(copy, sizeof copy, "%s", dir);
	const char *base = basename(copy);
	if (!*dir || !*base || !strcmp(base, ".") || !strcmp(base, "..") || strlen(dir) >= PATH_MAX - 128) {
		snprintf(err, errlen, "bad --out '%s': expected the path of a new folder", dir);
		return -1;
	}
	snprintf(copy, sizeof copy, "%s", dir);
	snprintf(parent, sizeof parent, "%s", dirname(copy));
	snprintf(copy, sizeof copy, "%s", dir);
	base = basename(copy);
	snprintf(partial, sizeof partial, "%s/.partial-%s", parent, base);
	if (lstat(dir, &st) == 0 || lstat(partial, &st) == 0) {
		snprintf(err, errlen,
			 "--out %s: %s is there already; expected a new folder (nothing of another run is overwritten)", dir,
			 lstat(dir, &st) == 0 ? dir : partial);
		return -1;
	}
	/* fc_results_begin makes PARENT and a fresh folder in it, renamed to
	 * its place beside DIR (never over another's: RENAME_NOREPLACE) */
	if (fc_results_begin(r, parent) < 0 || renameat2(AT_FDCWD, r->dir, AT_FDCWD, partial, RENAME_NOREPLACE) < 0) {
		snprintf(err, errlen, "--out %s: cannot make the folder: %s", dir, strerror(errno));
		if (r->dir[0])
			rmdir(r->dir);
		return -1;
	}
	snprintf(r->id, sizeof r->id, "%.*s", (int)sizeof r->id - 1, base);
	snprintf(r->dir, sizeof r->dir, "%.*s", (int)sizeof r->dir - 1, partial);
	snprintf(r->final, sizeof r->final, "%s", dir);
	return 0;
}

int fc_sweep_folder_finish(struct fc_results *r, int latest)
{
	if (latest)
		return fc_results_finish(r);
	if (renameat2(AT_FDCWD, r->dir, AT_FDCWD, r->final, RENAME_NOREPLACE) < 0)
		return -1;
	snprintf(r->dir, sizeof r->dir, "%s", r->final);
	return 0;
}

/* --resume DIR: the unfinished folder (DIR, or .partial-NAME beside it)
 * and where it goes when complete. */
static int resume_folder(struct fc_sweep *s, const char *dir, char *err, size_t errlen)
{
	struct stat st;
	char copy[PATH_MAX], parent[PATH_MAX], name[PATH_MAX];
	struct fc_results *r = &s->folder;
	snprintf(copy, sizeof copy, "%s", dir);
	snprintf(parent, sizeof parent, "%s", dirname(copy));
	snprintf(copy, sizeof copy, "%s", dir);
	snprintf(name, sizeof name, "%s", basename(copy));
	int partial = !strncmp(name, ".partial-", 9);
	if (strlen(dir) >= PATH_MAX - 256) {
		snprintf(err, errlen, "--resume %.900s...: the path is too long", dir);
		return -1;
	}
	/* short enough for all three (checked above) */
	snprintf(r->root, sizeof r->root, "%.3500s", parent);
	snprintf(r->final, sizeof r->final, "%.3500s/%.500s", parent, partial ? name + 9 : name);
	snprintf(r->dir, sizeof r->dir, "%.3500s/.partial-%.500s", parent, partial ? name + 9 : name);
	if (lstat(r->dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--resume %.900s: %s", dir,
			 lstat(r->final, &st) == 0
				 ? "that sweep is complete; nothing to resume"
				 : "no unfinished sweep there; expected the folder an interrupted sweep printed");
		return -1;
	}
	if (fc_sweep_read_state(s, r->dir, err, errlen) < 0)
		return -1;
	return 0;
}

/* CMD's word made absolute when it is a relative path, so that the
 * reproduce lines work from anywhere. */
int fc_sweep_take_command(struct fc_sweep *s, char **argv, int argc)
{
	char real[PATH_MAX];
	s->ncmd = argc;
	s->cmd = calloc((size_t)argc + 1, sizeof *s->cmd);
	if (!s->cmd)
		return -1;
	for (int i = 0; i < argc; i++)
		s->cmd[i] = strdup(argv[i]);
	if (strchr(argv[0], '/') && argv[0][0] != '/' && realpath(argv[0], real)) {
		free(s->cmd[0]);
		s->cmd[0] = strdup(real);
	}
	for (int i = 0; i < argc; i++)
		if (!s->cmd[i])
			return -1;
	return 0;
}

/* A new sweep: the options checked, the folder made, the clean run.
 * The exit code, or -1 to go on. */
static int start(struct fc_sweep *s, char **cmd, int ncmd)
{
	char err[1024];
	uint64_t calls[FC_CALL_WORDS];
	if (fc_sweep_check_options(s, err, sizeof err) < 0)
		return usage("%s", err);
	if (s->opt.shard && fc_sweep_parse_shard(s, s->opt.shard) < 0)
		return usage("bad --shard '%s': expected K/N with 1 <= K <= N (e.g. 2/4)", s->opt.shard);
	memset(calls, 0xff, sizeof calls);
	if (s->opt.calls && fc_call_set_parse(s->opt.calls, calls, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos sweep: bad --calls '%s': %s\n", s->opt.calls, err);
		return FC_EXIT_USAGE;
	}
	fc_sweep_arm_syscalls(s, s->opt.calls, "sweep");
	/* one default, as check's: the shards of one sweep must agree on it */
	if (!s->opt.seed)
		s->opt.seed = "1";
	if (fc_sweep_take_command(s, cmd, ncmd) < 0) {
		perror("forkchaos sweep");
		return FC_EXIT_USAGE;
	}
	s->latest = !s->opt.out;
	if (s->opt.out && fc_sweep_folder_at(&s->folder, s->opt.out, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos sweep: %s\n", err);
		return FC_EXIT_USAGE;
	}
	if (!s->opt.out && fc_results_begin(&s->folder, "results") < 0) {
		fprintf(stderr, "forkchaos sweep: cannot make a folder in results/: %s\n", strerror(errno));
		return FC_EXIT_USAGE;
	}
	s->created = 1;
	if (fc_sweep_write_state(s) < 0) {
		fprintf(stderr, "forkchaos sweep: cannot write %s/sweep.json: %s\n", s->folder.dir, strerror(errno));
		return FC_EXIT_USAGE;
	}
	int rc = fc_sweep_clean_run(s);
	if (rc >= 0)
		return rc;
	return -1;
}

/* The sites and the run list, from the folder's clean run. */
static int plan(struct fc_sweep *s, int resumed)
{
	char err[1024], path[PATH_MAX + 32];
	uint64_t calls[FC_CALL_WORDS];
	memset(calls, 0xff, sizeof calls);
	if (s->opt.calls && fc_call_set_parse(s->opt.calls, calls, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos sweep: bad calls '%s' in %s/sweep.json: %s\n", s->opt.calls, s->folder.dir, err);
		return FC_EXIT_USAGE;
	}
	fc_results_path(&s->folder, "baseline/check.jsonl", path, sizeof path);
	if (resumed && fc_sweep_read_check_out(path, &s->base) < 0) {
		fprintf(stderr, "forkchaos sweep: cannot read the clean run's %s\n", path);
		return FC_EXIT_USAGE;
	}
	s->base.state = FC_SW_RAN;
	fc_results_path(&s->folder, "baseline/trace.jsonl", path, sizeof path);
	if (fc_sweep_sites(s, path, calls, err, sizeof err) < 0 || fc_sweep_plan(s, err, sizeof err) < 0) {
		fprintf(stderr, "forkchaos sweep: %s\n", err);
		return FC_EXIT_USAGE;
	}
	if (resumed && fc_sweep_read_runs(s, s->folder.dir) < 0) {
		fprintf(stderr, "forkchaos sweep: cannot read %s/runs.jsonl: %s\n", s->folder.dir, strerror(errno));
		return FC_EXIT_USAGE;
	}
	if (!resumed && fc_sweep_write_sites(s) < 0) {
		fprintf(stderr, "forkchaos sweep: cannot write %s/sites.csv: %s\n", s->folder.dir, strerror(errno));
		return FC_EXIT_USAGE;
	}
	return -1;
}

/* The rows still to run, and the series stopped by runs already made. */
static int prepare(struct fc_sweep *s)
{
	s->jobs = calloc((size_t)s->nrows + 1, sizeof *s->jobs);
	s->stopped = mmap(NULL, sizeof *s->stopped * ((size_t)s->nseries + 1), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			  -1, 0);
	if (!s->jobs || s->stopped == MAP_FAILED) {
		s->stopped = NULL;
		return -1;
	}
	for (int i = 0; i < s->nseries; i++)
		s->stopped[i] = INT_MAX;
	int done = 0, swept = 0;
	for (int row = 0; row < s->nrows; row++) {
		const struct fc_sweep_result *r = &s->results[row];
		if (!fc_sweep_in_shard(s, row))
			continue;
		if (r->state == FC_SW_RAN && !r->injected && s->rows[row].n < s->stopped[s->rows[row].series])
			s->stopped[s->rows[row].series] = s->rows[row].n;
		if (r->state == FC_SW_NOT_RUN)
			s->jobs[s->njobs++] = row;
		else
			done++;
	}
	for (int i = 0; i < s->nsites; i++)
		swept += !s->sites[i].note;
	fprintf(stderr, "forkchaos sweep: %d sites (%d swept), %d runs%s%s", s->nsites, swept, s->njobs + done,
		s->shard_n ? " in this shard" : "", done ? "" : "\n");
	if (done)
		fprintf(stderr, ", %d done before\n", done);
	s->runs_fd = -1;
	char path[PATH_MAX + 16];
	fc_results_path(&s->folder, "runs.jsonl", path, sizeof path);
	s->runs_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
	fc_results_path(&s->folder, ".work", s->work, sizeof s->work);
	if (s->runs_fd < 0 || (mkdir(s->work, 0700) < 0 && errno != EEXIST))
		return -1;
	uint64_t every = s->opt.progress_ns ? s->opt.progress_ns : isatty(2) ? 1000000000u : 10000000000u;
	s->opt.progress_ns = every;
	s->progress = fc_progress_new("sweep", "runs", s->njobs, every);
	return 0;
}

static int finish(struct fc_sweep *s)
{
	fc_progress_clear(s->progress);
	fc_remove_tree(s->work);
	if (s->interrupted) {
		if (fc_sweep_write_outcomes(s, 0) < 0)
			fprintf(stderr, "forkchaos sweep: cannot write the outcomes so far: %s\n", strerror(errno));
		fprintf(stderr, "forkchaos sweep: interrupted; the finished runs are kept in %s/\n", s->folder.dir);
		fprintf(stderr, "forkchaos sweep: go on with: %s sweep --resume %s\n", s->exe, s->folder.dir);
		return FC_EXIT_INTERRUPTED;
	}
	if (fc_sweep_write_outcomes(s, 1) < 0 || fc_sweep_folder_finish(&s->folder, s->latest) < 0) {
		fprintf(stderr, "forkchaos sweep: cannot write the results folder %s: %s\n", s->folder.dir, strerror(errno));
		return FC_EXIT_USAGE;
	}
	fprintf(stderr, "forkchaos sweep: results in %s/\n", s->folder.final);
	return s->exit_code;
}

void fc_sweep_free(struct fc_sweep *s)
{
	fc_progress_free(s->progress);
	if (s->stopped)
		munmap(s->stopped, sizeof *s->stopped * ((size_t)s->nseries + 1));
	if (s->runs_fd >= 0)
		close(s->runs_fd);
	for (int i = 0; s->cmd && i < s->ncmd; i++)
		free(s->cmd[i]);
	free(s->cmd);
	fc__strings_free(&s->strings);
	free(s->sites);
	free(s->series);
	free(s->rows);
	free(s->results);
	free(s->jobs);
	for (size_t i = 0; i < sizeof s->owned / sizeof s->owned[0]; i++)
		free(s->owned[i]);
	free(s);
}

static int sweep(struct fc_sweep *s, int argc, char **argv)
{
	int first, rc;
	char err[1024];
	if ((rc = fc_opts_parse(&sweep_spec, argc, argv, &s->opt, &first)) >= 0)
		return rc;
	s->argc = argc;
	s->argv = argv;
	ssize_t n = readlink("/proc/self/exe", s->exe, sizeof s->exe - 1);
	s->exe[n > 0 ? n : 0] = 0;
	if (s->opt.resume) {
		struct fc_sweep_options given = s->opt;
		if (first < argc || given.calls || given.errnos || given.mode || given.check || given.shard || given.out ||
		    given.plan || given.seed || given.max_n || given.timeout_ns)
			return usage("%s",
				     "--resume DIR takes the sweep's command and options from DIR; give only -j or "
				     "--progress-every with it");
		if (resume_folder(s, given.resume, err, sizeof err) < 0) {
			fprintf(stderr, "forkchaos sweep: %s\n", err);
			return FC_EXIT_USAGE;
		}
		s->opt.jobs = given.jobs;
		s->opt.progress_ns = given.progress_ns;
		s->opt.resume = given.resume;
	} else {
		if (first >= argc)
			return usage("%s", "no command given; usage: forkchaos sweep [OPTIONS] -- CMD [ARGS...]");
		s->opt.max_n = s->opt.max_n ? s->opt.max_n : 16;
		s->opt.timeout_ns = s->opt.timeout_ns ? s->opt.timeout_ns : 30000000000u;
		if ((rc = start(s, argv + first, argc - first)) >= 0)
			return rc;
	}
	if (!s->opt.jobs) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		s->opt.jobs = cpus > 0 && cpus < 256 ? (int)cpus : 1;
	}
	if ((rc = plan(s, s->opt.resume != NULL)) >= 0)
		return rc;
	s->planned = 1;
	if (prepare(s) < 0 || fc_sweep_run_jobs(s) < 0) {
		fprintf(stderr, "forkchaos sweep: %s\n", strerror(errno));
		return FC_EXIT_USAGE;
	}
	return finish(s);
}

int fc_cmd_sweep(int argc, char **argv)
{
	struct fc_sweep *s = calloc(1, sizeof *s);
	sigset_t stops;
	if (!s) {
		perror("forkchaos sweep");
		return FC_EXIT_USAGE;
	}
	s->runs_fd = -1;
	/* an interrupt is taken, never died of: during the clean run it
	 * stops it; then the scheduler waits for it (sched.c) */
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGHUP);
	sigprocmask(SIG_BLOCK, &stops, NULL);
	int rc = sweep(s, argc, argv);
	/* an unfinished folder of ours is left only when there is something to
	 * resume (one being resumed is never ours to remove) */
	if (s->created && (rc != FC_EXIT_INTERRUPTED || !s->planned))
		fc_results_discard(&s->folder);
	fc_sweep_free(s);
	/* the mask stays: an interrupt now would kill us with its default
	 * action instead of the exit code said */
	return rc;
}

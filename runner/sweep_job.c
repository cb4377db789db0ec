/* The runs of a sweep: each one `forkchaos run --check ... --check-out F
 * --trace T` child of our own binary (so that a row's reproduce line is
 * its command line by construction), in a sched.c worker; its check-out
 * and trace read back into a fixed-size result.  The clean run is the
 * same command without a rule. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "forkchaos.h"
#include "sched.h"
#include "sweep.h"
#include "trace_read.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void stop_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/* Runs ARGV (this forkchaos), its output to OUT_FD, to its end; a stop
 * signal is passed on to it as SIGTERM (it passes it on to CMD and ends),
 * and *STOPPED says one came.  Its wait status, or -1 and errno. */
static int run_child(char *const argv[], int out_fd, int *stopped)
{
	sigset_t set, old;
	int status = -1;
	stop_set(&set);
	/* RACE: a stop that came before the block ran the scheduler's handler
	 * and set its flag (looked at below); one after it stays pending for
	 * the wait below: neither is missed between the test and the fork. */
	sigprocmask(SIG_BLOCK, &set, &old);
	*stopped = fc_sched_interrupted() != 0;
	if (*stopped) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid_t pid = null_fd >= 0 ? fork() : -1;
	if (pid == 0) {
		dup2(null_fd, 0);
		dup2(out_fd, 1);
		dup2(out_fd, 2);
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* it never outlives its worker */
		/* RACE: our SIGTERM may come before the exec, while the worker's
		 * handler is still ours: it would take it (a flag in a memory the
		 * exec throws away) and the run would wait out its timeout.  The
		 * default action first: a stop pending now ends us here. */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		/* the sweep blocks the stops to wait for them; the run must get them */
		sigprocmask(SIG_SETMASK, &old, NULL);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	int err = errno;
	if (null_fd >= 0)
		close(null_fd);
	struct timespec step = { 0, 200000000 };
	while (pid > 0 && waitpid(pid, &status, WNOHANG) != pid) {
		int sig = sigtimedwait(&set, NULL, &step);
		if ((sig > 0 && sig != SIGCHLD) || (fc_sched_interrupted() && !*stopped)) {
			if (!*stopped)
				kill(pid, SIGTERM);
			*stopped = 1;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return pid > 0 ? status : -1;
}

static void copy_text(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

int fc_sweep_read_check_out(const char *path, struct fc_sweep_result *r)
{
	static struct fc_jline l;
	struct fc_trace_reader reader;
	int got, last = 0;
	long long v;
	if (fc_trace_open(&reader, path) < 0)
		return -1;
	r->nfails = 0;
	while ((got = fc_trace_next(&reader, &l)) > 0) {
		const char *oracle = fc_jline_str(&l, "oracle");
		if (oracle && r->nfails < FC_SWEEP_FAILS) {
			copy_text(r->fails[r->nfails].oracle, sizeof r->fails[0].oracle, oracle);
			copy_text(r->fails[r->nfails].detail, sizeof r->fails[0].detail, fc_jline_str(&l, "detail"));
			r->nfails++;
		}
		if (!oracle && fc_jline_num(&l, "exit", &v)) {
			const struct fc_jval *t = fc_jline_get(&l, "timed_out"), *acted = fc_jline_get(&l, "acted");
			r->exit = (int)v;
			r->signal = fc_jline_num(&l, "signal", &v) ? (int)v : 0;
			r->timed_out = t && t->type == FC_J_BOOL && t->num;
			/* the first rule is the run's own: what it did, in all processes */
			r->injected = acted && acted->type == FC_J_ARR && acted->count ? (int)l.items[acted->first].num : -1;
			copy_text(r->out, sizeof r->out, fc_jline_str(&l, "out"));
			last = 1;
		}
	}
	fc_trace_close(&reader);
	return got < 0 || !last ? -1 : 0;
}

/* Lines of the trace PATH with an injection. */
static int injections(const char *path)
{
	static struct fc_jline l;
	struct fc_trace_reader reader;
	int n = 0;
	if (fc_trace_open(&reader, path) < 0)
		return 0;
	while (fc_trace_next(&reader, &l) > 0) {
		const struct fc_jval *v = fc_jline_get(&l, "injected");
		n += v && v->type == FC_J_STR;
	}
	fc_trace_close(&reader);
	return n;
}

/* The last line of the file PATH (a run's output), for a message. */
static void last_line(const char *path, char *buf, size_t len)
{
	char text[8192];
	buf[0] = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)sizeof text - 1 ? size - (off_t)sizeof text + 1 : 0;
	ssize_t got = pread(fd, text, sizeof text - 1, from);
	close(fd);
	text[got > 0 ? got : 0] = 0;
	size_t end = strlen(text);
	while (end && (text[end - 1] == '\n' || text[end - 1] == ' '))
		text[--end] = 0;
	char *nl = strrchr(text, '\n');
	snprintf(buf, len, "%s", nl ? nl + 1 : text);
}

/* ROW (-1: the clean run) into R; its files stay for the caller. */
static void run_one(const struct fc_sweep *s, int row, const struct fc_sweep_files *files, struct fc_sweep_result *r)
{
	static struct fc_sweep_argv store;
	if (fc_sweep_run_argv(s, row, s->opt.check ? s->opt.check : "all", files->check_out, files->trace, &store) < 0) {
		r->state = FC_SW_ERROR;
		snprintf(r->error, sizeof r->error, "out of memory");
		return;
	}
	fc_sweep_launch(store.argv, files, r);
	free(store.argv);
	store.argv = NULL;
}

void fc_sweep_launch(char *const argv[], const struct fc_sweep_files *files, struct fc_sweep_result *r)
{
	char why[200];
	int stopped = 0;
	long long start = now_ms();
	/* made new each time: a target may have planted a link at the name */
	unlink(files->check_out);
	unlink(files->trace);
	int out_fd = open(files->output, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	int status = out_fd >= 0 ? run_child(argv, out_fd, &stopped) : -1;
	int err = errno;
	if (out_fd >= 0)
		close(out_fd);
	r->duration_ms = now_ms() - start;
	if (stopped) {
		r->state = FC_SW_INTERRUPTED;
		return;
	}
	r->state = FC_SW_ERROR;
	if (status == -1) {
		snprintf(r->error, sizeof r->error, "cannot run forkchaos run: %s", strerror(err));
		return;
	}
	if (fc_sweep_read_check_out(files->check_out, r) < 0) {
		last_line(files->output, why, sizeof why);
		snprintf(r->error, sizeof r->error, "forkchaos run ended (%s %d) without its check-out: %s",
			 WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), why);
		return;
	}
	r->state = FC_SW_RAN;
	if (r->injected < 0) /* a check-out without acted counts: the trace says */
		r->injected = injections(files->trace);
}

static void files_of(const struct fc_sweep *s, int row, struct fc_sweep_files *f)
{
	snprintf(f->check_out, sizeof f->check_out, "%s/%d.check.jsonl", s->work, row + 1);
	snprintf(f->trace, sizeof f->trace, "%s/%d.trace.jsonl", s->work, row + 1);
	snprintf(f->output, sizeof f->output, "%s/%d.out", s->work, row + 1);
}

/* The worker's side of a job: the row, unless its series stopped already
 * before it (a run of it never reached its call). */
static void run_job(void *ctx, int job, void *result)
{
	const struct fc_sweep *s = ctx;
	struct fc_sweep_result *r = result;
	struct fc_sweep_files files;
	int row = s->jobs[job], series = s->rows[row].series;
	if (__atomic_load_n(&s->stopped[series], __ATOMIC_RELAXED) < s->rows[row].n) {
		r->state = FC_SW_SKIPPED;
		fc_progress_add(s->progress, 0);
		return;
	}
	files_of(s, row, &files);
	run_one(s, row, &files, r);
	if (r->state == FC_SW_RAN && !r->injected) {
		/* the first N never reached ends the series: the lowest wins */
		int seen = __atomic_load_n(&s->stopped[series], __ATOMIC_RELAXED);
		while (seen > s->rows[row].n &&
		       !__atomic_compare_exchange_n(&s->stopped[series], &seen, s->rows[row].n, 0, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED))
			;
	}
	int fail;
	const char *outcome = fc_sweep_judge(s, r, &fail);
	if (fc_sweep_failing(outcome)) {
		char kept[PATH_MAX];
		fc_results_path(&s->folder, "traces", kept, sizeof kept);
		mkdir(kept, 0755);
		snprintf(kept + strlen(kept), sizeof kept - strlen(kept), "/%d.jsonl", row + 1);
		r->kept_trace = rename(files.trace, kept) == 0;
	}
	if (r->state != FC_SW_INTERRUPTED)
		fc_progress_add(s->progress, fc_sweep_failing(outcome));
	unlink(files.check_out);
	unlink(files.trace);
	unlink(files.output);
}

static void lost_job(void *ctx, int job, void *result, int status, int err)
{
	struct fc_sweep_result *r = result;
	if (fc_sched_interrupted()) {
		r->state = FC_SW_INTERRUPTED;
		return;
	}
	r->state = FC_SW_ERROR;
	if (err)
		snprintf(r->error, sizeof r->error, "cannot start a sweep worker: %s", strerror(err));
	else if (WIFSIGNALED(status))
		snprintf(r->error, sizeof r->error,
			 "the sweep worker was killed by signal %d, not by forkchaos sweep (did the target signal its parent?)",
			 WTERMSIG(status));
	else
		snprintf(r->error, sizeof r->error, "the sweep worker died (status 0x%x)", status);
}

/* A finished run goes into runs.jsonl at once, in one write: an
 * interrupted or killed sweep keeps it. */
static void done_job(void *ctx, int job, void *result)
{
	struct fc_sweep *s = ctx;
	const struct fc_sweep_result *r = result;
	int row = s->jobs[job];
	char *line = NULL;
	size_t len = 0;
	s->results[row] = *r;
	if (r->state == FC_SW_INTERRUPTED || r->state == FC_SW_NOT_RUN || s->runs_fd < 0)
		return;
	FILE *f = open_memstream(&line, &len);
	if (!f)
		return;
	fc_sweep_runs_line(f, row, r);
	if (fclose(f) == 0 && write(s->runs_fd, line, len) != (ssize_t)len)
		fprintf(stderr, "forkchaos sweep: warning: cannot add run %d to runs.jsonl: %s\n", row + 1, strerror(errno));
	free(line);
}

static void tick(void *ctx)
{
	const struct fc_sweep *s = ctx;
	fc_progress_tick(s->progress);
}

int fc_sweep_run_jobs(struct fc_sweep *s)
{
	struct fc_sweep_result *scratch = calloc((size_t)s->njobs + 1, sizeof *scratch);
	if (!scratch)
		return -1;
	struct fc_sched sched = {
		.njobs = s->njobs,
		.workers = s->opt.jobs,
		.result_size = sizeof *scratch,
		.results = scratch,
		.ctx = s,
		.run = run_job,
		.lost = lost_job,
		.done = done_job,
		.tick = tick,
		.tick_ns = s->opt.progress_ns ? s->opt.progress_ns : 1000000000u,
	};
	int rc = fc_sched_run(&sched);
	s->interrupted = fc_sched_interrupted() != 0;
	free(scratch);
	return rc < 0 ? -1 : 0;
}

int fc_sweep_clean_run(struct fc_sweep *s)
{
	struct fc_sweep_files files;
	char dir[PATH_MAX];
	fc_results_path(&s->folder, "baseline", dir, sizeof dir - 16);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "forkchaos sweep: cannot make %s: %s\n", dir, strerror(errno));
		return FC_EXIT_USAGE;
	}
	snprintf(files.check_out, sizeof files.check_out, "%s/check.jsonl", dir);
	snprintf(files.trace, sizeof files.trace, "%s/trace.jsonl", dir);
	snprintf(files.output, sizeof files.output, "%s/output.txt", dir);
	run_one(s, -1, &files, &s->base);
	if (s->base.state == FC_SW_INTERRUPTED) {
		fprintf(stderr, "forkchaos sweep: interrupted during the clean run; nothing to keep\n");
		return FC_EXIT_INTERRUPTED;
	}
	if (s->base.state != FC_SW_RAN) {
		fprintf(stderr, "forkchaos sweep: the clean run failed: %s\n", s->base.error);
		return FC_EXIT_USAGE;
	}
	for (int k = 0; k < s->base.nfails; k++)
		fprintf(stderr, "forkchaos sweep: note: the clean run already fails %s (%s); runs are judged against it\n",
			s->base.fails[k].oracle, s->base.fails[k].detail);
	return -1;
}

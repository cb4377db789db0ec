/* explore's runs: the clean run, then batches of the order (explore_pick.c)
 * through sched.c, each run a `forkchaos run --check` child of ours
 * (fc_sweep_launch), judged against the clean run as sweep judges (a
 * perturbation a correct program must tolerate also by differs: run
 * --expect with the clean run's exit status and output hash); the
 * findings as they come, then each minimized. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "forkchaos.h"
#include "sched.h"
#include "explore.h"

/* The severity of a failing oracle, most severe first (the order:
 * crash, hang, lost status, lost handler, leak, errno, EINTR; the rest
 * after their kin). */
static const struct {
	const char *oracle, *word;
} severities[] = {
	{ "crash", "critical" }, { "hang", "critical" },    { "status", "high" },       { "chained", "high" },
	{ "fds", "high" },       { "strays", "high" },      { "double-close", "high" }, { "foreign-close", "high" },
	{ "errno", "medium" },   { "api-errno", "medium" }, { "flags", "medium" },      { "eintr", "medium" },
	{ "differs", "low" },    { "exit", "low" },
};
#define NSEVERITIES (int)(sizeof severities / sizeof severities[0])

int fc_explore_severity(const char *oracle, const char **word)
{
	for (int i = 0; i < NSEVERITIES; i++)
		if (!strcmp(severities[i].oracle, oracle)) {
			*word = severities[i].word;
			return i + 1;
		}
	*word = "low";
	return NSEVERITIES + 1;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The oracles of a run: --check's (default all), and differs for a
 * perturbation a correct program tolerates. */
static void check_list(const struct fc_explore *e, int tolerated, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", e->o.check ? e->o.check : "all", tolerated ? ",differs" : "");
}

char *fc_explore_reproduce(const struct fc_explore *e, const char *plan, const char *oracle, int tolerated)
{
	static struct fc_sweep_argv store;
	int differs = !strcmp(oracle, "differs");
	if (fc_sweep_command(&e->s, plan, oracle, differs ? e->expect : NULL, NULL, NULL, &store) < 0)
		return NULL;
	char *line = fc_sweep_quote_line(store.argv);
	free(store.argv);
	return line;
}

static void files_of(const struct fc_explore *e, int run, struct fc_sweep_files *f)
{
	snprintf(f->check_out, sizeof f->check_out, "%s/%d.check.jsonl", e->s.work, run + 1);
	snprintf(f->trace, sizeof f->trace, "%s/%d.trace.jsonl", e->s.work, run + 1);
	snprintf(f->output, sizeof f->output, "%s/%d.out", e->s.work, run + 1);
}

/* The clean run's failures that it gives every time (it is run twice more
 * when it failed): a flaky one is a finding of the clean run, and no
 * excuse for a run that fails the same way.  baseline/stable.jsonl holds
 * them, for --resume.  -1 to go on, else the exit code. */
static int stable_failures(struct fc_explore *e, const char *check, const char *dir)
{
	static struct fc_sweep_argv store;
	struct fc_sweep_files files;
	struct fc_sweep_result again;
	struct fc_sweep_result *base = &e->s.base;
	char path[PATH_MAX + 32];
	snprintf(files.check_out, sizeof files.check_out, "%s/again.jsonl", dir);
	snprintf(files.trace, sizeof files.trace, "%s/again.trace", dir);
	snprintf(files.output, sizeof files.output, "%s/again.txt", dir);
	for (int round = 0; round < 2 && base->nfails; round++) {
		if (fc_sweep_command(&e->s, e->s.opt.plan, check, NULL, files.check_out, NULL, &store) < 0)
			return FC_EXIT_USAGE;
		memset(&again, 0, sizeof again);
		fc_sweep_launch(store.argv, &files, &again);
		free(store.argv);
		if (again.state == FC_SW_INTERRUPTED)
			return FC_EXIT_INTERRUPTED;
		int kept = 0;
		for (int k = 0; k < base->nfails; k++) {
			char sig[FC_SWEEP_DETAIL];
			int seen = 0;
			fc_sweep_signature(base->fails[k].detail, 1, sig, sizeof sig);
			for (int j = 0; j < again.nfails && !seen; j++) {
				char other[FC_SWEEP_DETAIL];
				fc_sweep_signature(again.fails[j].detail, 1, other, sizeof other);
				seen = !strcmp(again.fails[j].oracle, base->fails[k].oracle) && !strcmp(other, sig);
			}
			if (seen)
				base->fails[kept++] = base->fails[k];
		}
		base->nfails = kept;
		/* a run in which every oracle held is what differs compares with
		 * (exit status, output) and what the timeout is a multiple of: the
		 * failing one would make every run that passes "differ" */
		if (again.state == FC_SW_RAN && again.nfails == 0) {
			base->exit = again.exit;
			base->signal = again.signal;
			base->timed_out = again.timed_out;
			memcpy(base->out, again.out, sizeof base->out);
			if (again.duration_ms < e->clean_ms)
				e->clean_ms = again.duration_ms;
		}
	}
	unlink(files.check_out);
	unlink(files.output);
	snprintf(path, sizeof path, "%s/stable.jsonl", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return FC_EXIT_USAGE;
	for (int k = 0; k < base->nfails; k++) {
		fputs("{\"oracle\":", f);
		fc_json_string(f, base->fails[k].oracle);
		fputs(",\"detail\":", f);
		fc_json_string(f, base->fails[k].detail);
		fputs("}\n", f);
	}
	fprintf(f, "{\"exit\":%d,\"signal\":%d,\"timed_out\":%s,\"out\":", base->exit, base->signal,
		base->timed_out ? "true" : "false");
	fc_json_string(f, base->out);
	fputs(",\"acted\":[]}\n", f);
	if (fclose(f) != 0)
		return FC_EXIT_USAGE;
	for (int k = 0; k < e->clean.nfails; k++)
		fprintf(stderr, "forkchaos explore: note: the clean run fails %s%s (%s)\n", e->clean.fails[k].oracle,
			k < base->nfails ? "" : " now and then", e->clean.fails[k].detail);
	return -1;
}

int fc_explore_clean_run(struct fc_explore *e)
{
	static struct fc_sweep_argv store;
	struct fc_sweep_files files;
	char dir[PATH_MAX], check[256];
	fc_results_path(&e->s.folder, "baseline", dir, sizeof dir - 16);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "forkchaos explore: cannot make %s: %s\n", dir, strerror(errno));
		return FC_EXIT_USAGE;
	}
	snprintf(files.check_out, sizeof files.check_out, "%s/check.jsonl", dir);
	snprintf(files.trace, sizeof files.trace, "%s/trace.jsonl", dir);
	snprintf(files.output, sizeof files.output, "%s/output.txt", dir);
	check_list(e, 0, check, sizeof check);
	/* the syscalls --calls names, trapped and traced: their points */
	static char plan[FC_PLAN_MAX + 1];
	fc_sweep_arm_syscalls(&e->s, e->o.calls, "explore");
	fc_sweep_clean_plan(&e->s, plan, sizeof plan);
	if (fc_sweep_command(&e->s, plan, check, NULL, files.check_out, files.trace, &store) < 0) {
		perror("forkchaos explore");
		return FC_EXIT_USAGE;
	}
	long long start = now_ms();
	fc_sweep_launch(store.argv, &files, &e->s.base);
	free(store.argv);
	e->clean_ms = now_ms() - start;
	if (e->s.base.state == FC_SW_INTERRUPTED) {
		fprintf(stderr, "forkchaos explore: interrupted during the clean run; nothing to keep\n");
		return FC_EXIT_INTERRUPTED;
	}
	if (e->s.base.state != FC_SW_RAN) {
		fprintf(stderr, "forkchaos explore: the clean run failed: %s\n", e->s.base.error);
		return FC_EXIT_USAGE;
	}
	e->clean = e->s.base;
	return stable_failures(e, check, dir);
}

/* ---- judging ---- */

const char *fc_explore_outcome(const struct fc_explore *e, int run, int *fail)
{
	const struct fc_sweep_result *r = &e->results[run];
	*fail = -1;
	if (r->state == FC_SW_RAN && !r->injected)
		return "not-reached";
	const char *outcome = fc_sweep_judge(&e->s, r, fail);
	/* handled: it differs (its output too), every oracle held */
	return outcome && !strcmp(outcome, "ok") && strcmp(r->out, e->s.base.out) ? "handled" : outcome;
}

int fc_explore_failing(const char *outcome)
{
	return fc_sweep_failing(outcome) && strcmp(outcome, "not-reached");
}

static int find_finding(const struct fc_explore *e, const char *oracle, const char *site, const char *sig)
{
	for (int i = 0; i < e->nfindings; i++)
		if (!strcmp(e->findings[i].oracle, oracle) && !strcmp(e->findings[i].site, site) &&
		    !strcmp(e->findings[i].signature, sig))
			return i;
	return -1;
}

static struct fc_finding *new_finding(struct fc_explore *e)
{
	if (e->nfindings == e->cap_findings) {
		int cap = e->cap_findings ? e->cap_findings * 2 : 16;
		struct fc_finding *grown = realloc(e->findings, sizeof *grown * (size_t)cap);
		if (!grown)
			return NULL;
		e->findings = grown;
		e->cap_findings = cap;
	}
	struct fc_finding *f = &e->findings[e->nfindings++];
	memset(f, 0, sizeof *f);
	return f;
}

/* RUN -1: the clean run's own failure FAIL. */
static int note(struct fc_explore *e, int run, const char *oracle, const char *detail, const char *site)
{
	char sig[FC_SWEEP_DETAIL];
	const char *word;
	fc_sweep_signature(detail, 0, sig, sizeof sig);
	int at = find_finding(e, oracle, site, sig);
	if (at >= 0) {
		e->findings[at].runs++;
		return 0;
	}
	struct fc_finding *f = new_finding(e);
	if (!f)
		return 0;
	f->job = run;
	f->runs = 1;
	f->rank = fc_explore_severity(oracle, &word);
	f->found_ms = run >= 0 ? e->ended_ms[run] : 0;
	snprintf(f->oracle, sizeof f->oracle, "%s", oracle);
	snprintf(f->site, sizeof f->site, "%s", site);
	snprintf(f->signature, sizeof f->signature, "%s", sig);
	snprintf(f->detail, sizeof f->detail, "%s", detail);
	if (run >= 0)
		fc_explore_plan(e, e->order[run], f->plan, sizeof f->plan);
	else
		snprintf(f->plan, sizeof f->plan, "%s", e->s.opt.plan ? e->s.opt.plan : "");
	f->tolerated = run >= 0 && fc_explore_job_tolerated(e, e->order[run]);
	if (e->first_finding_ms < 0 || f->found_ms < e->first_finding_ms)
		e->first_finding_ms = f->found_ms;
	return 1;
}

int fc_explore_note_finding(struct fc_explore *e, int run, const char *oracle, int fail)
{
	int c[2];
	fc_explore_job_cands(e, e->order[run], c);
	const struct fc_site *site = &e->s.sites[e->points[e->cands[c[0]].point].site];
	const char *detail = fail >= 0 ? e->results[run].fails[fail].detail : "";
	return note(e, run, oracle, detail, site->key);
}

void fc_explore_clean_findings(struct fc_explore *e)
{
	for (int k = 0; k < e->clean.nfails; k++)
		note(e, -1, e->clean.fails[k].oracle, e->clean.fails[k].detail, "");
}

/* ---- the batches ---- */

struct batch {
	struct fc_explore *e;
	int first; /* the batch's first run */
};

static void run_job(void *ctx, int k, void *result)
{
	const struct batch *b = ctx;
	const struct fc_explore *e = b->e;
	static struct fc_sweep_argv store;
	struct fc_sweep_files files;
	struct fc_sweep_result *r = result;
	char plan[FC_PLAN_MAX + 1], check[256];
	int run = b->first + k, job = e->order[run], tolerated = fc_explore_job_tolerated(e, job);
	fc_explore_plan(e, job, plan, sizeof plan);
	check_list(e, tolerated, check, sizeof check);
	files_of(e, run, &files);
	if (fc_sweep_command(&e->s, plan, check, tolerated ? e->expect : NULL, files.check_out, files.trace, &store) < 0) {
		r->state = FC_SW_ERROR;
		snprintf(r->error, sizeof r->error, "out of memory");
		return;
	}
	fc_sweep_launch(store.argv, &files, r);
	free(store.argv);
	store.argv = NULL;
	int fail;
	const char *outcome = r->state == FC_SW_RAN && !r->injected ? "not-reached" : fc_sweep_judge(&e->s, r, &fail);
	if (fc_explore_failing(outcome)) {
		char kept[PATH_MAX];
		fc_results_path(&e->s.folder, "traces", kept, sizeof kept);
		mkdir(kept, 0755);
		snprintf(kept + strlen(kept), sizeof kept - strlen(kept), "/%d.jsonl", run + 1);
		r->kept_trace = rename(files.trace, kept) == 0;
	}
	if (r->state != FC_SW_INTERRUPTED)
		fc_progress_add(e->s.progress, fc_explore_failing(outcome));
	unlink(files.check_out);
	unlink(files.trace);
	unlink(files.output);
}

static void lost_job(void *ctx, int k, void *result, int status, int err)
{
	struct fc_sweep_result *r = result;
	r->state = fc_sched_interrupted() ? FC_SW_INTERRUPTED : FC_SW_ERROR;
	snprintf(r->error, sizeof r->error, "the explore worker died (status 0x%x, %s)", status, err ? strerror(err) : "");
}

/* A run that ended: its result kept, in runs.jsonl at once, learnt from. */
static void done_job(void *ctx, int k, void *result)
{
	struct batch *b = ctx;
	struct fc_explore *e = b->e;
	int run = b->first + k, fail;
	e->results[run] = *(const struct fc_sweep_result *)result;
	e->ended_ms[run] = e->elapsed_before_ms + now_ms() - e->started_ms;
	if (e->results[run].state == FC_SW_INTERRUPTED || e->results[run].state == FC_SW_NOT_RUN)
		return;
	const char *outcome = fc_explore_outcome(e, run, &fail);
	int found = fc_explore_failing(outcome) && fc_explore_note_finding(e, run, outcome, fail);
	fc_explore_learn(e, run, outcome, found);
	if (found) {
		const struct fc_finding *f = &e->findings[e->nfindings - 1];
		fc_progress_clear(e->s.progress);
		fprintf(stderr, "forkchaos explore: found %s at %s after %.2f s (run %d): ", f->oracle, f->site,
			f->found_ms / 1e3, run + 1);
		fc_shown_text(stderr, f->detail);
		fputc('\n', stderr);
	}
	char *line = NULL;
	size_t len = 0;
	FILE *f = e->s.runs_fd >= 0 ? open_memstream(&line, &len) : NULL;
	if (!f)
		return;
	fc_explore_runs_line(f, e, run);
	if (fclose(f) == 0 && write(e->s.runs_fd, line, len) != (ssize_t)len)
		fprintf(stderr, "forkchaos explore: warning: cannot add run %d to runs.jsonl: %s\n", run + 1, strerror(errno));
	free(line);
}

static void tick(void *ctx)
{
	const struct batch *b = ctx;
	fc_progress_tick(b->e->s.progress);
}

static int over_budget(const struct fc_explore *e)
{
	long long elapsed = e->elapsed_before_ms + now_ms() - e->started_ms;
	return (e->o.max_runs && e->nruns >= e->o.max_runs) ||
		(e->o.budget_ns && elapsed * 1000000ll >= (long long)e->o.budget_ns);
}

int fc_explore_grow_runs(struct fc_explore *e, int want)
{
	if (want <= e->cap_runs)
		return 0;
	int cap = e->cap_runs ? e->cap_runs : 256;
	while (cap < want)
		cap *= 2;
	int *order = realloc(e->order, sizeof *order * (size_t)cap);
	if (order)
		e->order = order;
	struct fc_sweep_result *results = realloc(e->results, sizeof *results * (size_t)cap);
	if (results)
		e->results = results;
	long long *ended = realloc(e->ended_ms, sizeof *ended * (size_t)cap);
	if (ended)
		e->ended_ms = ended;
	if (!order || !results || !ended)
		return -1;
	e->cap_runs = cap;
	return 0;
}

int fc_explore_run(struct fc_explore *e)
{
	int width = e->o.jobs * 2, jobs[512];
	if (width > (int)(sizeof jobs / sizeof jobs[0]))
		width = (int)(sizeof jobs / sizeof jobs[0]);
	while (!fc_sched_interrupted() && !over_budget(e)) {
		int want = width;
		if (e->o.max_runs && e->o.max_runs - e->nruns < want)
			want = e->o.max_runs - e->nruns;
		int n = fc_explore_pick(e, jobs, want);
		if (n == 0 || fc_explore_grow_runs(e, e->nruns + n) < 0)
			return n == 0 ? 0 : -1;
		for (int k = 0; k < n; k++) {
			e->order[e->nruns + k] = jobs[k];
			memset(&e->results[e->nruns + k], 0, sizeof e->results[0]);
		}
		struct batch b = { e, e->nruns };
		struct fc_sweep_result *scratch = calloc((size_t)n, sizeof *scratch);
		if (!scratch)
			return -1;
		struct fc_sched sched = {
			.njobs = n,
			.workers = e->o.jobs,
			.result_size = sizeof *scratch,
			.results = scratch,
			.ctx = &b,
			.run = run_job,
			.lost = lost_job,
			.done = done_job,
			.tick = tick,
			.tick_ns = e->s.opt.progress_ns ? e->s.opt.progress_ns : 1000000000u,
		};
		int rc = fc_sched_run(&sched);
		free(scratch);
		e->nruns += n;
		if (rc < 0)
			return -1;
	}
	e->interrupted = fc_sched_interrupted() != 0;
	return 0;
}

/* ---- minimizing the findings ---- */

void fc_explore_minimize_all(struct fc_explore *e)
{
	/* the most severe first, then the first found */
	if (e->nfindings > 1) /* qsort of NULL, 0 is undefined */
		qsort(e->findings, (size_t)e->nfindings, sizeof *e->findings, fc_explore_by_severity);
	for (int i = 0; i < e->nfindings && i < e->o.minimize && !fc_sched_interrupted(); i++) {
		struct fc_finding *f = &e->findings[i];
		struct fc_minimize m = {
			.s = &e->s,
			.oracle = f->oracle,
			.expect = !strcmp(f->oracle, "differs") ? e->expect : NULL,
			.runs = 5,
			.jobs = e->o.jobs,
			.absolute = f->job < 0, /* the clean run's own: against nothing */
		};
		fc_progress_clear(e->s.progress);
		fprintf(stderr, "forkchaos explore: minimizing finding %d (%s at %s)\n", i + 1, f->oracle,
			*f->site ? f->site : "the clean run");
		int rc = fc_minimize_plan(&m, f->plan);
		if (rc < 0)
			break;
		snprintf(f->minimized, sizeof f->minimized, "%s", m.plan);
		f->confirmed = m.confirmed;
		f->tried = m.tried_runs;
		f->minimized_ok = rc == 1;
	}
}

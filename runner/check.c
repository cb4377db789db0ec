/* forkchaos check: run scenario files against a library, judge every run
 * with the invariant oracles, print a line per scenario, write JUnit/TAP,
 * gate on a baseline, or build the defect x scenario mutation matrix.
 * parse (the option table) -> resolve (check_resolve.c) -> run (sched.c,
 * check_run.c) -> report, over one struct fc_check. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "check.h"
#include "forkchaos.h"
#include "opts.h"
#include "sched.h"

static const char check_usage[] =
	"usage: forkchaos check [--lib LIB] [--junit FILE] [--tap] [-j N] [--seed S] [--filter GLOB]\n"
	"                       [--repeat N] [--baseline FILE] [--update-baseline] [--matrix]\n"
	"                       [--out DIR] [--progress-every DUR] PATHS...\n"
	"\n"
	"Runs the scenario files in PATHS (files, or folders of *.scn) against the library\n"
	"under test, each run under the shim with its plan and a timeout, and judges every\n"
	"run with the invariant oracles (scenarios/README.md). One line per scenario:\n"
	"PASS, FAIL (with the invariant that failed and a command that reproduces it),\n"
	"XFAIL (failed as expected), XPASS (passed though expected to fail).  The verdicts,\n"
	"JUnit and the traces of failing runs go to a fresh results/RUN-ID/ (results/latest).\n"
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
	"  --out DIR          the results folder's parent (default: results/ here): DIR/RUN-ID/\n"
	"                     (run.json, verdicts.csv, verdicts.jsonl, junit.xml, traces/), DIR/latest\n"
	"  --progress-every DUR  on a long run, a progress line on stderr this often (default 10s)\n"
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

#define OPT(...) FC_OPT_ROW(struct fc_check_options, __VA_ARGS__)
#define NUM(...) FC_OPT_NUM(struct fc_check_options, __VA_ARGS__)
static const struct fc_opt check_options[] = {
	OPT("lib", 0, FC_OPT_TEXT, lib),
	OPT("junit", 0, FC_OPT_TEXT, junit),
	OPT("tap", 0, FC_OPT_FLAG, tap),
	NUM("jobs", 'j', jobs, 1, 64, "a number of jobs"),
	OPT("seed", 0, FC_OPT_SEED, seed),
	OPT("filter", 0, FC_OPT_TEXT, filter),
	NUM("repeat", 0, repeat, 1, 10000, "a number"),
	OPT("baseline", 0, FC_OPT_TEXT, baseline),
	OPT("update-baseline", 0, FC_OPT_FLAG, update),
	OPT("matrix", 0, FC_OPT_FLAG, matrix),
	OPT("out", 0, FC_OPT_TEXT, out),
	OPT("progress-every", 0, FC_OPT_DURATION, progress_ns),
	FC_OPT_END,
};
#undef OPT
#undef NUM

static const struct fc_opt_spec check_spec = {
	.sub = "check",
	.usage = check_usage,
	.opts = check_options,
	.no_operand = "no scenario paths given; e.g. forkchaos check scenarios/",
};

/* -1 to go on, else the exit code. */
static int parse(struct fc_check *c, int argc, char **argv)
{
	int first, rc;
	c->opt.jobs = 1;
	c->opt.seed = "1";
	c->opt.progress_ns = 10ull * 1000000000u;
	c->argc = argc;
	c->argv = argv;
	if ((rc = fc_opts_parse(&check_spec, argc, argv, &c->opt, &first)) >= 0)
		return rc;
	c->opt.paths = argv + first;
	c->opt.npaths = argc - first;
	return -1;
}

static void classify(struct fc_check *c, struct fc_result *r)
{
	const struct fc_scenario *s = &c->scenarios[r->scenario];
	if (r->interrupted && !fc_sched_interrupted() && !r->harness_error) {
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
	for (int i = 0; i < c->nbaseline; i++)
		if (!strcmp(c->baseline[i], s->name))
			r->in_baseline = 1;
}

/* The worker's side of a job: scenario JOB % n on library JOB / n. */
static void run_job(void *ctx, int job, void *result)
{
	struct fc_check *c = ctx;
	fc_check_run_one(c, job % c->nscenarios, job / c->nscenarios, result);
}

static void lost_job(void *ctx, int job, void *result, int status, int err)
{
	struct fc_check *c = ctx;
	struct fc_result *res = result;
	res->scenario = job % c->nscenarios;
	res->lib = job / c->nscenarios;
	res->harness_error = 1;
	res->verdict.failed = 1;
	res->verdict.oracle = FC_OR_DRIVER;
	if (err)
		snprintf(res->verdict.detail, sizeof res->verdict.detail, "cannot start a scenario worker: %s", strerror(err));
	else if (WIFSIGNALED(status))
		snprintf(res->verdict.detail, sizeof res->verdict.detail,
			 "the scenario worker was killed by signal %d (SIG%s), not by forkchaos check (did the target signal its "
			 "parent?); what it was running was killed",
			 WTERMSIG(status), sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
	else
		snprintf(res->verdict.detail, sizeof res->verdict.detail, "the scenario worker died (status 0x%x)", status);
}

/* Results print in scenario order (the scheduler's order), one line each. */
static void print_result(void *ctx, int job, void *result)
{
	struct fc_check *c = ctx;
	struct fc_result *r = result;
	const struct fc_scenario *s = &c->scenarios[r->scenario];
	c->printed = job + 1;
	if (c->opt.tap || c->opt.matrix)
		return;
	classify(c, r);
	fc_progress_clear(c->progress);
	printf("%-5s %-28s %d/%d runs failed", fc_state_names[r->state], s->name, r->failed_runs, r->runs);
	if (r->state == FC_XFAIL) {
		/* what was detected, so that an XFAIL for another reason shows */
		printf("  (xfail: %s)\n      detected: [%s] ", s->xfail_reason, fc_oracle_name(r->verdict.oracle));
		fc_shown_text(stdout, r->verdict.detail);
	}
	if (r->state == FC_XPASS)
		printf("  (expected to fail: %s)", s->xfail_reason);
	if (r->state == FC_NOT_RUN)
		printf(r->runs || r->interrupted ? "  (interrupted)" : "  (interrupted before it started)");
	if (r->state == FC_FAIL || r->state == FC_ERROR) {
		char repro[8192], others[256];
		fc_check_repro(c, s, c->libs[r->lib], r->verdict.oracle, repro, sizeof repro);
		fc_verdict_others(&r->verdict, others, sizeof others);
		printf("  [%s] ", fc_oracle_name(r->verdict.oracle));
		fc_shown_text(stdout, r->verdict.detail); /* the target's words, maybe */
		printf("%s%s%s%s\n      reproduce: %s", others[0] ? " (also failed: " : "", others, others[0] ? ")" : "",
		       r->in_baseline ? " (known: in baseline)" : "", repro);
	}
	printf("\n");
	fflush(stdout);
}

static void tick(void *ctx)
{
	struct fc_check *c = ctx;
	fc_progress_tick(c->progress);
}

static int run(struct fc_check *c)
{
	c->njobs = c->nscenarios * (c->opt.matrix ? c->nlibs : 1);
	for (int i = 0; i < c->njobs; i++)
		c->total_runs += c->opt.repeat ? c->opt.repeat : c->scenarios[i % c->nscenarios].repeat;
	c->progress = fc_progress_new("check", "scenario runs", c->total_runs, c->opt.progress_ns);
	c->results = calloc((size_t)c->njobs, sizeof *c->results);
	if (!c->results) {
		perror("forkchaos check");
		return -1;
	}
	for (int i = 0; i < c->njobs; i++) {
		c->results[i].scenario = i % c->nscenarios;
		c->results[i].lib = i / c->nscenarios;
	}
	struct fc_sched sched = {
		.njobs = c->njobs,
		.workers = c->opt.jobs,
		.result_size = sizeof *c->results,
		.results = c->results,
		.ctx = c,
		.run = run_job,
		.lost = lost_job,
		.done = print_result,
		.ordered = 1,
		.tick = tick,
		.tick_ns = c->opt.progress_ns,
		.keep = c->guard_pid,
	};
	if (fc_sched_run(&sched) < 0) {
		perror("forkchaos check");
		return -1;
	}
	c->interrupted = fc_sched_interrupted() != 0;
	fc_progress_clear(c->progress);
	/* interrupted: the scenarios that never ran (or whose line waits on
	 * one that did not come) are listed too, each by name */
	for (int job = c->printed; job < c->njobs; job++)
		print_result(c, job, &c->results[job]);
	return 0;
}

/* --matrix: a defect no scenario detects survived; a variant that cannot
 * run detects nothing and is a harness error. */
static int survivors(const struct fc_check *c, int *errors)
{
	int survived = 0;
	for (int l = 1; l < c->nlibs; l++) {
		int hits = 0;
		for (int s = 0; s < c->nscenarios; s++) {
			const struct fc_result *r = &c->results[l * c->nscenarios + s];
			hits += r->failed_runs > 0 && !r->harness_error;
			*errors += r->harness_error;
		}
		survived += !hits;
	}
	return survived;
}

/* A file claimed before the run (check_resolve.c), filled and renamed
 * into place. */
static int write_claimed(struct fc_outfile *o, const struct fc_check *c,
			 void (*write)(FILE *out, const struct fc_check *c, const struct fc_result *res, int n))
{
	FILE *f = fc_outfile_stream(o);
	if (!f)
		return -1;
	write(f, c, c->results, c->nscenarios);
	return fc_outfile_commit(o, f);
}

static int verdicts(struct fc_check *c)
{
	int failed = 0, errors = 0;
	for (int i = 0; i < c->njobs; i++) {
		struct fc_result *r = &c->results[i];
		classify(c, r);
		if (i < c->nscenarios) {
			failed += (r->state == FC_FAIL && !r->in_baseline) || r->state == FC_XPASS;
			errors += r->state == FC_ERROR && !r->in_baseline;
		}
	}
	if (c->opt.tap)
		fc_write_tap(stdout, c, c->results, c->nscenarios);
	if (c->opt.junit && write_claimed(&c->junit_out, c, fc_write_junit) < 0) {
		fprintf(stderr, "forkchaos check: cannot write %s: %s\n", c->opt.junit, strerror(errno));
		return FC_EXIT_USAGE;
	}
	if (c->opt.matrix) {
		fc_print_matrix(stdout, c, c->results, c->opt.tap ? "# " : "");
		failed += survivors(c, &errors);
	}
	if (c->opt.update) {
		if (write_claimed(&c->baseline_out, c, fc_baseline_write) < 0) {
			fprintf(stderr, "forkchaos check: cannot write baseline %s: %s\n", c->opt.baseline, strerror(errno));
			return FC_EXIT_USAGE;
		}
		fprintf(stderr, "forkchaos check: baseline %s updated\n", c->opt.baseline);
		return c->interrupted ? FC_EXIT_INTERRUPTED : FC_EXIT_OK;
	}
	if (!c->opt.tap) {
		int counts[6] = { 0 };
		for (int i = 0; i < c->nscenarios; i++)
			counts[c->results[i].state]++;
		printf("check: %d passed, %d failed, %d xfail, %d xpass, %d errors, %d not run (library %s, seed %s)\n",
		       counts[FC_PASS], counts[FC_FAIL], counts[FC_XFAIL], counts[FC_XPASS], counts[FC_ERROR], counts[FC_NOT_RUN],
		       c->libs[0], c->opt.seed);
	}
	if (c->interrupted)
		return FC_EXIT_INTERRUPTED;
	if (errors)
		return FC_EXIT_USAGE;
	return failed ? FC_EXIT_FAIL : FC_EXIT_OK;
}

/* The verdicts on stdout, then the same in the results folder. */
static int report(struct fc_check *c)
{
	c->exit_code = verdicts(c);
	if (fc_check_write_results(c) < 0)
		return FC_EXIT_USAGE;
	fflush(stdout);
	fprintf(stderr, "check: results in %s/\n", c->folder.final);
	return c->exit_code;
}

static void release(struct fc_check *c)
{
	fc_progress_free(c->progress);
	fc_results_discard(&c->folder); /* unless finished */
	if (c->workdir[0])
		fc_remove_tree(c->workdir);
	fc_outfile_drop(&c->junit_out); /* unless committed */
	fc_outfile_drop(&c->baseline_out);
	fc_check_guard_stop(c);
	free(c->scenarios);
	free(c->baseline);
	free(c->results);
	free(c);
}

int fc_cmd_check(int argc, char **argv)
{
	struct fc_check *c = calloc(1, sizeof *c);
	int rc;
	if (!c) {
		perror("forkchaos check");
		return FC_EXIT_USAGE;
	}
	c->junit_out.fd = c->baseline_out.fd = c->guard_fd = -1;
	if ((rc = parse(c, argc, argv)) < 0)
		rc = fc_check_resolve(c) < 0 || run(c) < 0 ? FC_EXIT_USAGE : report(c);
	release(c);
	return rc;
}

/* explore's judged tables, from the run list, the clean run and the raw
 * results alone (so a resumed explore writes what its runs say):
 * outcomes (one row per run), points (one row per point, its worst outcome
 * under each kind), findings (ranked by severity, minimized), the summary
 * on stdout and run.json. */
#include <stdlib.h>
#include <string.h>
#include "explore.h"
#include "forkchaos.h"

/* ---- outcomes: one row per run ---- */

enum {
	O_RUN,
	O_POINT,
	O_SITE,
	O_KIND,
	O_PERTURBATION,
	O_PLAN,
	O_TOLERATED,
	O_OUTCOME,
	O_EXIT,
	O_DURATION,
	O_ENDED,
	O_DETAIL,
	O_REPRODUCE,
	O_FINDING,
	O_TRACE,
	O_NCOLS
};
static const char *const outcome_cols[O_NCOLS] = { "run",      "point",     "site",      "kind",    "perturbation",
						   "plan",     "tolerated", "outcome",   "exit",    "duration_ms",
						   "ended_ms", "detail",    "reproduce", "finding", "trace" };
static const unsigned outcome_numeric = 1u << O_RUN | 1u << O_POINT | 1u << O_EXIT | 1u << O_DURATION | 1u << O_ENDED |
	1u << O_FINDING;

/* The finding a failing run belongs to (1-based), or 0. */
static int finding_of(const struct fc_explore *e, const char *oracle, const char *site, const char *detail)
{
	char sig[FC_SWEEP_DETAIL];
	fc_sweep_signature(detail, 0, sig, sizeof sig);
	for (int i = 0; i < e->nfindings; i++)
		if (!strcmp(e->findings[i].oracle, oracle) && !strcmp(e->findings[i].site, site) &&
		    !strcmp(e->findings[i].signature, sig))
			return i + 1;
	return 0;
}

struct tally {
	int ok, handled, failed, unreached, errors;
};

static int write_outcomes(struct fc_explore *e, struct tally *t)
{
	static char plan[FC_PLAN_MAX + 1];
	struct fc_results_table table = {
		.r = &e->s.folder, .name = "outcomes", .columns = outcome_cols, .ncols = O_NCOLS, .numeric = outcome_numeric
	};
	if (fc_results_table_open(&table) < 0)
		return -1;
	for (int run = 0; run < e->nruns; run++) {
		const struct fc_sweep_result *r = &e->results[run];
		if (r->state != FC_SW_RAN && r->state != FC_SW_ERROR)
			continue;
		int c[2], fail, job = e->order[run];
		fc_explore_job_cands(e, job, c);
		const struct fc_candidate *cand = &e->cands[c[0]];
		const char *outcome = fc_explore_outcome(e, run, &fail), *detail = fail >= 0 ? r->fails[fail].detail : r->error;
		const char *site = e->s.sites[e->points[cand->point].site].key;
		int failing = fc_explore_failing(outcome), tolerated = fc_explore_job_tolerated(e, job);
		char num[7][24], label[96], trace[48];
		snprintf(num[0], sizeof num[0], "%d", run + 1);
		snprintf(num[1], sizeof num[1], "%d", cand->point + 1);
		snprintf(num[2], sizeof num[2], "%d", r->exit);
		snprintf(num[3], sizeof num[3], "%lld", r->duration_ms);
		snprintf(num[4], sizeof num[4], "%lld", e->ended_ms[run]);
		snprintf(num[5], sizeof num[5], "%d", failing ? finding_of(e, outcome, site, detail) : 0);
		if (!failing)
			num[5][0] = 0;
		snprintf(trace, sizeof trace, r->kept_trace ? "traces/%d.jsonl" : "", run + 1);
		fc_explore_label(e, c[0], label, sizeof label);
		fc_explore_plan(e, job, plan, sizeof plan);
		char *reproduce = failing ? fc_explore_reproduce(e, plan, outcome, tolerated) : NULL;
		const char *values[O_NCOLS] = {
			[O_RUN] = num[0],
			[O_POINT] = num[1],
			[O_SITE] = site,
			[O_KIND] = fc_explore_kind_names[cand->kind],
			[O_PERTURBATION] = label,
			[O_PLAN] = plan,
			[O_TOLERATED] = tolerated ? "yes" : "no",
			[O_OUTCOME] = outcome,
			[O_EXIT] = r->state == FC_SW_ERROR ? "" : num[2],
			[O_DURATION] = num[3],
			[O_ENDED] = num[4],
			[O_DETAIL] = detail,
			[O_REPRODUCE] = reproduce ? reproduce : "",
			[O_FINDING] = num[5],
			[O_TRACE] = trace,
		};
		fc_results_table_row(&table, values);
		free(reproduce);
		t->ok += !strcmp(outcome, "ok");
		t->handled += !strcmp(outcome, "handled");
		t->unreached += !strcmp(outcome, "not-reached");
		t->errors += !strcmp(outcome, "error");
		t->failed += failing;
	}
	return fc_results_table_commit(&table);
}

/* ---- points: each point's worst outcome under each kind ---- */

/* Worse outcomes weigh more: a failure (the more severe, the more), then
 * handled, ok, not reached. */
static int weight(const char *outcome)
{
	const char *word;
	if (!outcome || !*outcome || !strcmp(outcome, "error"))
		return 0;
	if (!strcmp(outcome, "not-reached"))
		return 1;
	if (!strcmp(outcome, "ok"))
		return 2;
	if (!strcmp(outcome, "handled"))
		return 3;
	return 100 - fc_explore_severity(outcome, &word);
}

enum { P_POINT, P_SITE, P_CALL, P_CALLER, P_PROC, P_N, P_WHERE, P_KINDS, P_RUNS = P_KINDS + FC_EK_COUNT, P_WORST, P_NCOLS };

static int write_points(struct fc_explore *e)
{
	const char *columns[P_NCOLS] = { "point", "site", "call", "caller", "proc", "n", "where" };
	for (int k = 0; k < FC_EK_COUNT; k++)
		columns[P_KINDS + k] = fc_explore_kind_names[k];
	columns[P_RUNS] = "runs";
	columns[P_WORST] = "worst";
	struct fc_results_table table = { .r = &e->s.folder,
					  .name = "points",
					  .columns = columns,
					  .ncols = P_NCOLS,
					  .numeric = 1u << P_POINT | 1u << P_N | 1u << P_RUNS };
	const char **worst = calloc((size_t)e->npoints * FC_EK_COUNT + 1, sizeof *worst);
	int *runs = calloc((size_t)e->npoints + 1, sizeof *runs);
	if (!worst || !runs || fc_results_table_open(&table) < 0) {
		free(worst);
		free(runs);
		return -1;
	}
	for (int run = 0; run < e->nruns; run++) {
		int c[2], fail, n = fc_explore_job_cands(e, e->order[run], c);
		const char *outcome = fc_explore_outcome(e, run, &fail);
		for (int i = 0; i < n && outcome; i++) {
			const char **cell = &worst[(size_t)e->cands[c[i]].point * FC_EK_COUNT + (size_t)e->cands[c[i]].kind];
			runs[e->cands[c[i]].point]++;
			if (weight(outcome) > weight(*cell))
				*cell = outcome;
		}
	}
	for (int p = 0; p < e->npoints; p++) {
		const struct fc_point *pt = &e->points[p];
		const struct fc_site *site = &e->s.sites[pt->site];
		char num[3][16], where[64];
		const char *values[P_NCOLS] = { 0 }, *worst_of = NULL;
		snprintf(num[0], sizeof num[0], "%d", p + 1);
		snprintf(num[1], sizeof num[1], "%d", pt->n);
		snprintf(num[2], sizeof num[2], "%d", runs[p]);
		snprintf(where, sizeof where, "%s%s%s", (pt->flags & FC_PT_HANDLER) ? "handler " : "",
			 (pt->flags & FC_PT_SIGNAL)         ? "signal-setup "
				 : (pt->flags & FC_PT_NEAR) ? "near-signal-setup "
							    : "",
			 (pt->flags & FC_PT_THREADS) ? "threads" : "");
		values[P_POINT] = num[0];
		values[P_SITE] = site->key;
		values[P_CALL] = site->call;
		values[P_CALLER] = site->caller;
		values[P_PROC] = site->child ? "child" : "parent";
		values[P_N] = num[1];
		values[P_WHERE] = where;
		for (int k = 0; k < FC_EK_COUNT; k++) {
			values[P_KINDS + k] = worst[(size_t)p * FC_EK_COUNT + (size_t)k]
				? worst[(size_t)p * FC_EK_COUNT + (size_t)k]
				: "";
			if (weight(values[P_KINDS + k]) > weight(worst_of))
				worst_of = values[P_KINDS + k];
		}
		values[P_RUNS] = num[2];
		values[P_WORST] = worst_of ? worst_of : "";
		fc_results_table_row(&table, values);
	}
	free(worst);
	free(runs);
	return fc_results_table_commit(&table);
}

/* ---- findings, ranked ---- */

enum {
	F_FINDING,
	F_ORACLE,
	F_SEVERITY,
	F_SITE,
	F_PLAN,
	F_REPRODUCE,
	F_DETAIL,
	F_PERTURBATION,
	F_FOUND,
	F_RUN,
	F_RUNS,
	F_CONFIRMED,
	F_FOUND_PLAN,
	F_RULES,
	F_NCOLS
};
static const char *const finding_cols[F_NCOLS] = { "finding",   "oracle",    "severity",     "site",     "plan",
						   "reproduce", "detail",    "perturbation", "found_ms", "first_run",
						   "runs",      "confirmed", "found_plan",   "rules" };
static const unsigned finding_numeric = 1u << F_FINDING | 1u << F_FOUND | 1u << F_RUN | 1u << F_RUNS | 1u << F_RULES;

int fc_explore_by_severity(const void *a, const void *b)
{
	const struct fc_finding *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return x->found_ms < y->found_ms ? -1 : x->found_ms > y->found_ms;
}

static int rules_in(const char *plan)
{
	int n = *plan != 0;
	for (const char *c = plan; *c; c++)
		n += *c == ';' && c[1];
	return n;
}

static int write_findings(struct fc_explore *e)
{
	struct fc_results_table table = {
		.r = &e->s.folder, .name = "findings", .columns = finding_cols, .ncols = F_NCOLS, .numeric = finding_numeric
	};
	if (fc_results_table_open(&table) < 0)
		return -1;
	for (int i = 0; i < e->nfindings; i++) {
		const struct fc_finding *f = &e->findings[i];
		const char *word, *plan = f->minimized[0] || f->minimized_ok ? f->minimized : f->plan;
		char num[5][24], label[96] = "", confirmed[32] = "";
		int c[2];
		fc_explore_severity(f->oracle, &word);
		if (f->job >= 0) {
			fc_explore_job_cands(e, e->order[f->job], c);
			fc_explore_label(e, c[0], label, sizeof label);
		}
		snprintf(num[0], sizeof num[0], "%d", i + 1);
		snprintf(num[1], sizeof num[1], "%lld", f->found_ms);
		snprintf(num[2], sizeof num[2], "%d", f->job + 1);
		snprintf(num[3], sizeof num[3], "%d", f->runs);
		snprintf(num[4], sizeof num[4], "%d", rules_in(plan));
		if (f->tried)
			snprintf(confirmed, sizeof confirmed, f->minimized_ok ? "%d/%d" : "no: flaky", 5, 5);
		char *reproduce = fc_explore_reproduce(e, plan, f->oracle, f->tolerated);
		const char *values[F_NCOLS] = {
			[F_FINDING] = num[0],     [F_ORACLE] = f->oracle,
			[F_SEVERITY] = word,      [F_SITE] = f->site,
			[F_PLAN] = plan,          [F_REPRODUCE] = reproduce ? reproduce : "",
			[F_DETAIL] = f->detail,   [F_PERTURBATION] = label,
			[F_FOUND] = num[1],       [F_RUN] = f->job >= 0 ? num[2] : "",
			[F_RUNS] = num[3],        [F_CONFIRMED] = confirmed,
			[F_FOUND_PLAN] = f->plan, [F_RULES] = num[4],
		};
		fc_results_table_row(&table, values);
		printf("FINDING %d  %s (%s) at %s, after %.2f s (%d run%s)\n", i + 1, f->oracle, word,
		       *f->site ? f->site : "the clean run", f->found_ms / 1e3, f->runs, f->runs == 1 ? "" : "s");
		printf("      plan: %s%s\n", *plan ? plan : "(none: the clean run)",
		       f->tried && !f->minimized_ok ? " (not minimized: it does not fail 5 runs out of 5)" : "");
		printf("      ");
		fc_shown_text(stdout, f->detail);
		printf("\n      reproduce: %s\n", reproduce ? reproduce : "(out of memory)");
		free(reproduce);
	}
	return fc_results_table_commit(&table);
}

/* ---- run.json ---- */

struct json_ctx {
	const struct fc_explore *e;
	const struct tally *t;
};

static void members(FILE *f, const void *arg)
{
	const struct json_ctx *c = arg;
	const struct fc_explore *e = c->e;
	const struct fc_explore_options *o = &e->o;
	fputs(",\"options\":{\"target\":[", f);
	for (int i = 0; i < e->s.ncmd; i++) {
		fputs(i ? "," : "", f);
		fc_json_string(f, e->s.cmd[i]);
	}
	fputs("],\"lib\":", f);
	fc_json_string(f, o->lib);
	fputs(",\"calls\":", f);
	fc_json_string(f, o->calls);
	fputs(",\"signals\":", f);
	fc_json_string(f, o->signals);
	fputs(",\"check\":", f);
	fc_json_string(f, o->check ? o->check : "all");
	fputs(",\"shard\":", f);
	fc_json_string(f, o->shard);
	fprintf(f, ",\"depth\":%d,\"max_n\":%d,\"max_runs\":%d,\"budget_s\":%.3f,\"jobs\":%d,\"timeout_s\":%.3f}", o->depth,
		o->max_n, o->max_runs, o->budget_ns / 1e9, o->jobs, e->s.opt.timeout_ns / 1e9);
	fprintf(f, ",\"sites\":%d,\"points\":%d,\"perturbations\":%d,\"runs\":%d", e->s.nsites, e->npoints, e->ncands + e->npairs,
		e->nruns);
	fprintf(f, ",\"summary\":{\"ok\":%d,\"handled\":%d,\"not_reached\":%d,\"failed\":%d,\"error\":%d}", c->t->ok,
		c->t->handled, c->t->unreached, c->t->failed, c->t->errors);
	fprintf(f, ",\"findings\":%d,\"first_finding_ms\":", e->nfindings);
	if (e->nfindings)
		fprintf(f, "%lld", e->first_finding_ms);
	else
		fputs("null", f);
	long long ended = e->nruns ? e->ended_ms[e->nruns - 1] : 0;
	fprintf(f, ",\"explored_ms\":%lld,\"interrupted\":%s,\"exit\":%d", ended, e->interrupted ? "true" : "false",
		e->exit_code);
}

int fc_explore_write_results(struct fc_explore *e, int complete)
{
	struct tally t = { 0 };
	if (e->nfindings > 1) /* qsort of NULL, 0 is undefined */
		qsort(e->findings, (size_t)e->nfindings, sizeof *e->findings, fc_explore_by_severity);
	int rc = write_outcomes(e, &t) < 0 || write_points(e) < 0 || write_findings(e) < 0 ? -1 : 0;
	e->exit_code = e->interrupted ? FC_EXIT_INTERRUPTED : e->nfindings ? FC_EXIT_FAIL : t.errors ? FC_EXIT_USAGE : FC_EXIT_OK;
	printf("explore: %d runs over %d points (%d sites) in %.1f s: %d ok, %d handled, %d not reached, %d failed (%d "
	       "finding%s), %d errors",
	       e->nruns, e->npoints, e->s.nsites, (e->nruns ? e->ended_ms[e->nruns - 1] : 0) / 1e3, t.ok, t.handled, t.unreached,
	       t.failed, e->nfindings, e->nfindings == 1 ? "" : "s", t.errors);
	if (e->nfindings)
		printf("; the first after %.2f s", e->first_finding_ms / 1e3);
	if (e->s.shard_n)
		printf(" (shard %d/%d)", e->s.shard_k, e->s.shard_n);
	printf(" (seed %s)\n", e->s.opt.seed);
	fflush(stdout);
	if (rc < 0 || !complete)
		return rc;
	char *command[e->s.argc + 1];
	command[0] = "forkchaos";
	memcpy(command + 1, e->s.argv, sizeof *command * (size_t)e->s.argc);
	struct json_ctx ctx = { e, &t };
	struct fc_run_info info = {
		.kind = "explore",
		.argc = e->s.argc + 1,
		.argv = command,
		.plan = e->s.opt.plan,
		.seed = e->s.opt.seed,
		.members = members,
		.ctx = &ctx,
	};
	return fc_results_run_json(&e->s.folder, &info);
}

/* The judged rows of a sweep: outcomes.csv and outcomes.jsonl (the same
 * columns), the findings deduplicated by (site, oracle, detail signature),
 * the summary on stdout and run.json.  Computed from the run list, the
 * clean run and the raw results alone, so that a resumed sweep and merged
 * shards write what one uninterrupted sweep would. */
#include <stdlib.h>
#include <string.h>
#include "forkchaos.h"
#include "sweep.h"

enum {
	COL_RUN,
	COL_SITE,
	COL_CALL,
	COL_CALLER,
	COL_PROC,
	COL_N,
	COL_ACTION,
	COL_OUTCOME,
	COL_EXIT,
	COL_DURATION,
	COL_DETAIL,
	COL_REPRODUCE,
	COL_PLAN,
	COL_INJECTED,
	COL_FINDING,
	COL_TRACE,
	NCOLS
};
static const char *const columns[NCOLS] = {
	"run",  "site",        "call",   "caller",    "proc", "n",        "action",  "outcome",
	"exit", "duration_ms", "detail", "reproduce", "plan", "injected", "finding", "trace",
};
static const unsigned numeric = 1u << COL_RUN | 1u << COL_N | 1u << COL_EXIT | 1u << COL_DURATION | 1u << COL_INJECTED |
	1u << COL_FINDING;

struct tally {
	int listed, ok, handled, failed, errors, findings;
};

struct row {
	char run[16], n[16], exit[16], duration[24], injected[16], finding[16], trace[48], action[64], detail[400];
	char plan[FC_PLAN_MAX + 1];
	char *reproduce;
	const char *value[NCOLS];
};

/* ROW's finding: the first run with its site, oracle and signature. */
static long long finding_of(struct fc_sweep *s, struct fc__table *findings, int row, const char *oracle, const char *detail)
{
	char sig[FC_SWEEP_DETAIL];
	const struct fc_site *site = &s->sites[s->series[s->rows[row].series].site];
	fc_sweep_signature(detail, 0, sig, sizeof sig);
	struct fc__key k = { .s = { fc__intern(&s->strings, site->key), fc__intern(&s->strings, oracle),
				    fc__intern(&s->strings, sig) } };
	int added;
	struct fc__row *f = k.s[2] ? fc__table_at(findings, &k, &added) : NULL;
	if (!f)
		return row + 1;
	if (added)
		f->v[0] = row + 1;
	f->n++;
	return f->v[0];
}

static void describe(const struct fc_sweep *s, int row, const char *outcome, int fail, char *buf, size_t len)
{
	const struct fc_sweep_result *r = &s->results[row];
	const struct fc_site *site = &s->sites[s->series[s->rows[row].series].site];
	buf[0] = 0;
	if (fail >= 0)
		snprintf(buf, len, "%s", r->fails[fail].detail);
	else if (r->state == FC_SW_ERROR)
		snprintf(buf, len, "%s", r->error);
	else if (!r->injected)
		snprintf(buf, len, "not reached: %s ran fewer than %d times in a process here; the series ends", site->call,
			 s->rows[row].n);
	else if (!strcmp(outcome, "handled") && r->exit != s->base.exit)
		snprintf(buf, len, "exit %d (the clean run's: %d), every oracle held", r->exit, s->base.exit);
	else if (!strcmp(outcome, "handled"))
		snprintf(buf, len, "its oracles' verdicts differ from the clean run's, none failed anew");
}

static void fill(struct fc_sweep *s, struct fc__table *findings, int row, struct row *w, struct tally *t)
{
	const struct fc_sweep_result *r = &s->results[row];
	const struct fc_site *site = &s->sites[s->series[s->rows[row].series].site];
	int fail;
	const char *outcome = fc_sweep_judge(s, r, &fail);
	int failing = fc_sweep_failing(outcome);
	snprintf(w->run, sizeof w->run, "%d", row + 1);
	snprintf(w->n, sizeof w->n, "%d", s->rows[row].n);
	snprintf(w->exit, sizeof w->exit, "%d", r->exit);
	snprintf(w->duration, sizeof w->duration, "%lld", r->duration_ms);
	snprintf(w->injected, sizeof w->injected, "%d", r->injected);
	snprintf(w->trace, sizeof w->trace, r->kept_trace ? "traces/%d.jsonl" : "", row + 1);
	fc_sweep_action(s, row, w->action, sizeof w->action);
	fc_sweep_rule_plan(s, row, w->plan, sizeof w->plan);
	describe(s, row, outcome, fail, w->detail, sizeof w->detail);
	w->finding[0] = 0;
	if (failing)
		snprintf(w->finding, sizeof w->finding, "%lld", finding_of(s, findings, row, outcome, w->detail));
	w->reproduce = fc_sweep_reproduce(s, row, failing ? outcome : s->opt.check ? s->opt.check : "all");
	const char *value[NCOLS] = {
		[COL_RUN] = w->run,
		[COL_SITE] = site->key,
		[COL_CALL] = site->call,
		[COL_CALLER] = site->caller,
		[COL_PROC] = site->child ? "child" : "parent",
		[COL_N] = w->n,
		[COL_ACTION] = w->action,
		[COL_OUTCOME] = outcome,
		[COL_EXIT] = r->state == FC_SW_ERROR ? "" : w->exit,
		[COL_DURATION] = w->duration,
		[COL_DETAIL] = w->detail,
		[COL_REPRODUCE] = w->reproduce ? w->reproduce : "",
		[COL_PLAN] = w->plan,
		[COL_INJECTED] = w->injected,
		[COL_FINDING] = w->finding,
		[COL_TRACE] = w->trace,
	};
	memcpy(w->value, value, sizeof value);
	t->listed++;
	t->ok += !strcmp(outcome, "ok");
	t->handled += !strcmp(outcome, "handled");
	t->errors += !strcmp(outcome, "error");
	t->failed += failing;
}

/* The findings, one line each with its first run's reproduce line. */
static void print_findings(struct fc_sweep *s, const struct fc__table *findings)
{
	struct fc__row **sorted = fc__table_sorted(findings);
	for (size_t i = 0; sorted && i < findings->len; i++) {
		const struct fc__row *f = sorted[i];
		int row = (int)f->v[0] - 1, fail;
		const char *outcome = fc_sweep_judge(s, &s->results[row], &fail);
		char *line = fc_sweep_reproduce(s, row, outcome);
		printf("FAIL  %s at %s (%lld run%s, first: run %d)  ", f->k.s[1], f->k.s[0], f->n, f->n == 1 ? "" : "s", row + 1);
		fc_shown_text(stdout, fail >= 0 ? s->results[row].fails[fail].detail : "");
		printf("\n      reproduce: %s\n", line ? line : "(out of memory)");
		free(line);
	}
	free(sorted);
}

static void print_summary(const struct fc_sweep *s, const struct tally *t)
{
	int swept = 0;
	for (int i = 0; i < s->nsites; i++)
		swept += !s->sites[i].note;
	printf("sweep: %d runs over %d of %d sites: %d ok, %d handled, %d failed (%d finding%s), %d errors", t->listed, swept,
	       s->nsites, t->ok, t->handled, t->failed, t->findings, t->findings == 1 ? "" : "s", t->errors);
	if (s->shard_n)
		printf(" (shard %d/%d)", s->shard_k, s->shard_n);
	printf(" (seed %s)\n", s->opt.seed);
}

struct json_ctx {
	const struct fc_sweep *s;
	const struct tally *t;
};

static void members(FILE *f, const void *arg)
{
	const struct json_ctx *c = arg;
	const struct fc_sweep *s = c->s;
	const struct fc_sweep_options *o = &s->opt;
	fputs(",\"options\":{\"target\":[", f);
	for (int i = 0; i < s->ncmd; i++) {
		fputs(i ? "," : "", f);
		fc_json_string(f, s->cmd[i]);
	}
	fputs("],\"calls\":", f);
	fc_json_string(f, o->calls);
	fputs(",\"errnos\":", f);
	fc_json_string(f, o->errnos ? o->errnos : "valid");
	fputs(",\"mode\":", f);
	fc_json_string(f, s->persistent ? "persistent" : "once");
	fputs(",\"check\":", f);
	fc_json_string(f, o->check ? o->check : "all");
	fputs(",\"shard\":", f);
	fc_json_string(f, o->shard);
	fprintf(f, ",\"max_n\":%d,\"jobs\":%d,\"timeout_s\":%.3f}", o->max_n, o->jobs, o->timeout_ns / 1e9);
	fprintf(f, ",\"sites\":%d,\"runs\":%d,\"summary\":{\"ok\":%d,\"handled\":%d,\"failed\":%d,\"error\":%d}", s->nsites,
		c->t->listed, c->t->ok, c->t->handled, c->t->failed, c->t->errors);
	fprintf(f, ",\"findings\":%d,\"interrupted\":%s,\"exit\":%d", c->t->findings, s->interrupted ? "true" : "false",
		s->exit_code);
}

int fc_sweep_write_outcomes(struct fc_sweep *s, int complete)
{
	static struct row w;
	struct fc__table findings = { 0 };
	struct tally t = { 0 };
	struct fc_results_table table = {
		.r = &s->folder, .name = "outcomes", .columns = columns, .ncols = NCOLS, .numeric = numeric
	};
	if (fc_results_table_open(&table) < 0)
		return -1;
	for (int row = 0; row < s->nrows; row++) {
		const struct fc_sweep_result *r = &s->results[row];
		if (!fc_sweep_in_shard(s, row) || !fc_sweep_listed(s, row) || (r->state != FC_SW_RAN && r->state != FC_SW_ERROR))
			continue;
		fill(s, &findings, row, &w, &t);
		fc_results_table_row(&table, w.value);
		free(w.reproduce);
	}
	t.findings = (int)findings.len;
	int rc = fc_results_table_commit(&table);
	s->exit_code = s->interrupted ? FC_EXIT_INTERRUPTED : t.errors ? FC_EXIT_USAGE : t.failed ? FC_EXIT_FAIL : FC_EXIT_OK;
	print_findings(s, &findings);
	print_summary(s, &t);
	fflush(stdout);
	fc__table_free(&findings);
	if (rc < 0 || !complete)
		return rc;
	char *command[s->argc + 1];
	command[0] = "forkchaos";
	memcpy(command + 1, s->argv, sizeof *command * (size_t)s->argc);
	struct json_ctx ctx = { s, &t };
	struct fc_run_info info = {
		.kind = "sweep",
		.argc = s->argc + 1,
		.argv = command,
		.plan = s->opt.plan,
		.seed = s->opt.seed,
		.members = members,
		.ctx = &ctx,
	};
	return fc_results_run_json(&s->folder, &info);
}

/* The results folder of a check (design.md, "Results folder"): run.json,
 * verdicts.csv and verdicts.jsonl (one row per scenario and library, the
 * same columns), junit.xml; the traces of failing runs are in traces/
 * already (check_run.c keeps them as the runs end). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

/* target, plan, expect and summary (the scenario's own words) last: the
 * report's findings take them per target, and older readers index the
 * first nine */
enum {
	COL_SCENARIO,
	COL_LIBRARY,
	COL_STATE,
	COL_RUNS,
	COL_FAILED_RUNS,
	COL_ORACLE,
	COL_DETAIL,
	COL_REPRODUCE,
	COL_TRACE,
	COL_TARGET,
	COL_PLAN,
	COL_EXPECT,
	COL_SUMMARY,
	NCOLS
};
static const char *const columns[NCOLS] = {
	"scenario",  "library", "state",  "runs", "failed_runs", "oracle",  "detail",
	"reproduce", "trace",   "target", "plan", "expect",      "summary",
};
/* which columns are numbers in JSON */
static const unsigned numeric = 1u << COL_RUNS | 1u << COL_FAILED_RUNS;

struct row {
	char runs[16], failed_runs[16], trace[256], repro[8192];
	const char *value[NCOLS];
};

static void row_of(const struct fc_check *c, const struct fc_result *r, struct row *row)
{
	const struct fc_scenario *s = &c->scenarios[r->scenario];
	int judged = r->state != FC_PASS && r->state != FC_NOT_RUN;
	snprintf(row->runs, sizeof row->runs, "%d", r->runs);
	snprintf(row->failed_runs, sizeof row->failed_runs, "%d", r->failed_runs);
	row->trace[0] = row->repro[0] = 0;
	if (r->first_failed)
		fc_check_trace_name(c, s, r->lib, r->first_failed, row->trace, sizeof row->trace);
	if (judged)
		fc_check_repro(c, s, c->libs[r->lib], r->verdict.oracle, row->repro, sizeof row->repro);
	row->value[COL_SCENARIO] = s->name;
	row->value[COL_LIBRARY] = c->libs[r->lib];
	row->value[COL_STATE] = fc_state_names[r->state];
	row->value[COL_RUNS] = row->runs;
	row->value[COL_FAILED_RUNS] = row->failed_runs;
	row->value[COL_ORACLE] = r->verdict.failed ? fc_oracle_name(r->verdict.oracle) : "";
	row->value[COL_DETAIL] = r->verdict.failed ? r->verdict.detail : "";
	row->value[COL_REPRODUCE] = row->repro;
	row->value[COL_TRACE] = row->trace;
	row->value[COL_TARGET] = s->target;
	row->value[COL_PLAN] = s->plan;
	row->value[COL_EXPECT] = s->xfail ? s->xfail_reason : "";
	row->value[COL_SUMMARY] = s->summary;
}

static int verdict_files(const struct fc_check *c)
{
	static struct row row;
	FILE *csv = fc_results_create(&c->folder, "verdicts.csv");
	FILE *jsonl = csv ? fc_results_create(&c->folder, "verdicts.jsonl") : NULL;
	if (!jsonl) {
		if (csv)
			fclose(csv);
		return -1;
	}
	for (int k = 0; k < NCOLS; k++)
		fprintf(csv, "%s%s", k ? "," : "", columns[k]);
	fputc('\n', csv);
	for (int i = 0; i < c->njobs; i++) {
		row_of(c, &c->results[i], &row);
		fputc('{', jsonl);
		for (int k = 0; k < NCOLS; k++) {
			fputs(k ? "," : "", csv);
			fc_csv_field(csv, row.value[k]);
			fprintf(jsonl, "%s\"%s\":", k ? "," : "", columns[k]);
			if (numeric >> k & 1)
				fputs(row.value[k], jsonl);
			else
				fc_json_string(jsonl, row.value[k]);
		}
		fputs("}\n", jsonl);
		fputc('\n', csv);
	}
	int rc = fc_results_commit(&c->folder, "verdicts.csv", csv);
	return fc_results_commit(&c->folder, "verdicts.jsonl", jsonl) < 0 ? -1 : rc;
}

static void text_member(FILE *f, const char *name, const char *value)
{
	fprintf(f, ",\"%s\":", name);
	fc_json_string(f, value);
}

/* run.json's own members for a check: its options, libraries, counts. */
static void members(FILE *f, const void *ctx)
{
	const struct fc_check *c = ctx;
	const struct fc_check_options *o = &c->opt;
	int counts[6] = { 0 };
	for (int i = 0; i < c->nscenarios; i++)
		counts[c->results[i].state]++;
	fputs(",\"options\":{\"paths\":[", f);
	for (int i = 0; i < o->npaths; i++) {
		fputs(i ? "," : "", f);
		fc_json_string(f, o->paths[i]);
	}
	fputc(']', f);
	text_member(f, "lib", c->libs[0]);
	text_member(f, "filter", o->filter);
	text_member(f, "baseline", o->baseline);
	text_member(f, "junit", o->junit);
	text_member(f, "out", o->out);
	fprintf(f, ",\"jobs\":%d,\"repeat\":%d,\"matrix\":%s,\"tap\":%s,\"update_baseline\":%s,\"progress_every_s\":%.3f}",
		o->jobs, o->repeat, o->matrix ? "true" : "false", o->tap ? "true" : "false", o->update ? "true" : "false",
		o->progress_ns / 1e9);
	fputs(",\"libraries\":[", f);
	for (int i = 0; i < c->nlibs; i++) {
		fputs(i ? "," : "", f);
		fc_json_string(f, c->libs[i]);
	}
	fprintf(f, "],\"scenarios\":%d,\"runs\":%d", c->nscenarios, c->total_runs);
	fputs(",\"summary\":{", f);
	for (int k = 0; k < 6; k++)
		fprintf(f, "%s\"%s\":%d", k ? "," : "", fc_state_names[k], counts[k]);
	fprintf(f, "},\"interrupted\":%s,\"exit\":%d", c->interrupted ? "true" : "false", c->exit_code);
}

static int junit_file(const struct fc_check *c)
{
	FILE *f = fc_results_create(&c->folder, "junit.xml");
	if (!f)
		return -1;
	fc_write_junit(f, c, c->results, c->nscenarios);
	return fc_results_commit(&c->folder, "junit.xml", f);
}

int fc_check_write_results(struct fc_check *c)
{
	char *command[c->argc + 1]; /* the subcommand's argv, after "forkchaos" */
	command[0] = "forkchaos";
	memcpy(command + 1, c->argv, sizeof *command * (size_t)c->argc);
	struct fc_run_info info = {
		.kind = "check",
		.argc = c->argc + 1,
		.argv = command,
		.seed = c->opt.seed,
		.members = members,
		.ctx = c,
	};
	/* run.json last: its presence says the rest is there */
	if (verdict_files(c) < 0 || junit_file(c) < 0 || fc_results_run_json(&c->folder, &info) < 0 ||
	    fc_results_finish(&c->folder) < 0) {
		fprintf(stderr, "forkchaos check: cannot write the results folder %s: %s\n", c->folder.dir, strerror(errno));
		return -1;
	}
	return 0;
}

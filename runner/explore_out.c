/* explore's results folder (design.md, "Results folder"): explore.json
 * (the options and command: what --resume reads), baseline/ (the clean
 * run), runs.jsonl (each run's job and raw result, appended as it ends),
 * sites.csv, outcomes.csv/jsonl (one row per run), points.csv (one row per
 * point: its worst outcome under each kind of perturbation),
 * findings.csv/jsonl (the contract's columns first), traces/ of failing
 * runs, run.json last. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "explore.h"
#include "forkchaos.h"
#include "trace_read.h"

static void text_member(FILE *f, const char *name, const char *value)
{
	fprintf(f, ",\"%s\":", name);
	fc_json_string(f, value);
}

int fc_explore_write_state(const struct fc_explore *e)
{
	const struct fc_explore_options *o = &e->o;
	FILE *f = fc_results_create(&e->s.folder, "explore.json");
	if (!f)
		return -1;
	fprintf(f, "{\"forkchaos\":\"%s\",\"kind\":\"explore\",\"command\":[", FC_VERSION);
	for (int i = 0; i < e->s.ncmd; i++) {
		fputs(i ? "," : "", f);
		fc_json_string(f, e->s.cmd[i]);
	}
	fputc(']', f);
	text_member(f, "plan", e->s.opt.plan);
	text_member(f, "calls", o->calls);
	text_member(f, "signals", o->signals);
	text_member(f, "check", o->check);
	text_member(f, "seed", e->s.opt.seed);
	text_member(f, "shard", o->shard);
	text_member(f, "lib", o->lib);
	text_member(f, "id", e->s.folder.id);
	fprintf(f,
		",\"depth\":%d,\"max_n\":%d,\"max_runs\":%d,\"budget_ns\":%llu,\"timeout_ns\":%llu,\"minimize\":%d,"
		"\"latest\":%s,\"started\":%lld}\n",
		o->depth, o->max_n, o->max_runs, (unsigned long long)o->budget_ns, (unsigned long long)o->timeout_ns, o->minimize,
		e->s.latest ? "true" : "false", (long long)e->s.folder.started);
	return fc_results_commit(&e->s.folder, "explore.json", f);
}

#define keep(e, l, key) fc_sweep_keep((e)->owned, sizeof(e)->owned / sizeof(e)->owned[0], (l), (key))

int fc_explore_read_state(struct fc_explore *e, const char *folder, char *err, size_t errlen)
{
	static struct fc_jline l;
	char path[PATH_MAX + 16];
	long long v;
	snprintf(path, sizeof path, "%s/explore.json", folder);
	struct fc_sweep *s = &e->s;
	if (fc_sweep_state_load(s, path, "explore", &l, err, errlen) < 0)
		return -1;
	struct fc_explore_options *o = &e->o;
	s->opt.plan = keep(e, &l, "plan");
	o->calls = keep(e, &l, "calls");
	o->signals = keep(e, &l, "signals");
	o->check = keep(e, &l, "check");
	s->opt.seed = keep(e, &l, "seed");
	o->shard = keep(e, &l, "shard");
	o->lib = keep(e, &l, "lib");
	snprintf(s->folder.id, sizeof s->folder.id, "%s", fc_jline_str(&l, "id") ? fc_jline_str(&l, "id") : "");
	o->depth = fc_jline_num(&l, "depth", &v) ? (int)v : 1;
	o->max_n = fc_jline_num(&l, "max_n", &v) ? (int)v : 16;
	o->max_runs = fc_jline_num(&l, "max_runs", &v) ? (int)v : 0;
	o->budget_ns = fc_jline_num(&l, "budget_ns", &v) ? (uint64_t)v : 0;
	o->timeout_ns = fc_jline_num(&l, "timeout_ns", &v) ? (uint64_t)v : 0;
	o->minimize = fc_jline_num(&l, "minimize", &v) ? (int)v : 32;
	const struct fc_jval *b = fc_jline_get(&l, "latest");
	s->latest = b && b->type == FC_J_BOOL && b->num;
	s->folder.started = fc_jline_num(&l, "started", &v) ? (time_t)v : time(NULL);
	if (!s->cmd || !s->opt.seed) {
		snprintf(err, errlen, "%s: no seed, or out of memory", path);
		return -1;
	}
	if (o->shard && fc_sweep_parse_shard(s, o->shard) < 0) {
		snprintf(err, errlen, "%s: bad shard '%s'", path, o->shard);
		return -1;
	}
	return 0;
}

/* ---- runs.jsonl: a run's job and result, one line ---- */

void fc_explore_runs_line(FILE *f, const struct fc_explore *e, int run)
{
	const struct fc_sweep_result *r = &e->results[run];
	fprintf(f, "{\"job\":%d,\"ended_ms\":%lld,\"state\":\"%s\",\"exit\":%d,\"signal\":%d,\"timed_out\":%s,\"injected\":%d",
		e->order[run], e->ended_ms[run], fc_sweep_state_names[r->state], r->exit, r->signal,
		r->timed_out ? "true" : "false", r->injected);
	fprintf(f, ",\"duration_ms\":%lld,\"kept_trace\":%s", r->duration_ms, r->kept_trace ? "true" : "false");
	text_member(f, "out", r->out);
	text_member(f, "error", r->state == FC_SW_ERROR ? r->error : NULL);
	for (int pass = 0; pass < 2; pass++) {
		fputs(pass ? ",\"details\":[" : ",\"oracles\":[", f);
		for (int k = 0; k < r->nfails; k++) {
			fputs(k ? "," : "", f);
			fc_json_string(f, pass ? r->fails[k].detail : r->fails[k].oracle);
		}
		fputc(']', f);
	}
	fputs("}\n", f);
}

static int runs_entry(const struct fc_jline *l, struct fc_sweep_result *r, long long *job, long long *ended)
{
	if (!fc_jline_num(l, "job", job) || fc_sweep_result_read(l, r) < 0)
		return -1;
	if (!fc_jline_num(l, "ended_ms", ended))
		*ended = 0;
	return 0;
}

/* The finished runs, replayed in the order they ended: the picker takes
 * each (its site's turn) and learns its outcome, as it did then. */
int fc_explore_read_runs(struct fc_explore *e)
{
	static struct fc_jline l;
	struct fc_trace_reader reader;
	char path[PATH_MAX + 16];
	int got;
	fc_results_path(&e->s.folder, "runs.jsonl", path, sizeof path);
	if (fc_trace_open(&reader, path) < 0)
		return errno == ENOENT ? 0 : -1;
	while ((got = fc_trace_next(&reader, &l)) > 0) {
		struct fc_sweep_result r;
		long long job, ended;
		int jobs = e->ncands + e->npairs, fail;
		/* a line cut short by a kill is skipped: that run is made again */
		if (runs_entry(&l, &r, &job, &ended) < 0 || job < 0 || job >= jobs || e->chosen[job] ||
		    (r.state != FC_SW_RAN && r.state != FC_SW_ERROR))
			continue;
		if (fc_explore_take(e, (int)job) < 0)
			break;
		int run = e->nruns++;
		e->order[run] = (int)job;
		e->results[run] = r;
		e->ended_ms[run] = ended;
		if (ended > e->elapsed_before_ms)
			e->elapsed_before_ms = ended;
		const char *outcome = fc_explore_outcome(e, run, &fail);
		int found = fc_explore_failing(outcome) && fc_explore_note_finding(e, run, outcome, fail);
		fc_explore_learn(e, run, outcome, found);
	}
	fc_trace_close(&reader);
	return got < 0 ? -1 : 0;
}

/* A sweep's results folder (design.md, "Results folder"): sweep.json (the
 * options and command, what --resume and merge start from), baseline/
 * (the clean run's trace, check-out and output), runs.jsonl (each run's
 * raw result, appended as it ends), sites.csv, outcomes.csv and
 * outcomes.jsonl (one row per run, judged), traces/ of failing runs, and
 * run.json last. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "forkchaos.h"
#include "sweep.h"
#include "trace_read.h"

static void text_member(FILE *f, const char *name, const char *value)
{
	fprintf(f, ",\"%s\":", name);
	fc_json_string(f, value);
}

int fc_sweep_write_state(const struct fc_sweep *s)
{
	const struct fc_sweep_options *o = &s->opt;
	FILE *f = fc_results_create(&s->folder, "sweep.json");
	if (!f)
		return -1;
	fprintf(f, "{\"forkchaos\":\"%s\",\"kind\":\"sweep\",\"command\":[", FC_VERSION);
	for (int i = 0; i < s->ncmd; i++) {
		fputs(i ? "," : "", f);
		fc_json_string(f, s->cmd[i]);
	}
	fputc(']', f);
	text_member(f, "calls", o->calls);
	text_member(f, "errnos", o->errnos);
	text_member(f, "mode", o->mode);
	text_member(f, "check", o->check);
	text_member(f, "plan", o->plan);
	text_member(f, "seed", o->seed);
	text_member(f, "shard", o->shard);
	text_member(f, "id", s->folder.id);
	fprintf(f, ",\"max_n\":%d,\"timeout_ns\":%llu,\"latest\":%s,\"started\":%lld}\n", o->max_n,
		(unsigned long long)o->timeout_ns, s->latest ? "true" : "false", (long long)s->folder.started);
	return fc_results_commit(&s->folder, "sweep.json", f);
}

const char *fc_sweep_keep(char **owned, size_t n, const struct fc_jline *l, const char *key)
{
	const char *v = fc_jline_str(l, key);
	for (size_t i = 0; v && i < n; i++)
		if (!owned[i])
			return owned[i] = strdup(v);
	return NULL;
}

#define keep(s, l, key) fc_sweep_keep((s)->owned, sizeof(s)->owned / sizeof(s)->owned[0], (l), (key))

int fc_sweep_state_load(struct fc_sweep *s, const char *path, const char *kind, struct fc_jline *l, char *err, size_t errlen)
{
	/* L's strings point into the reader's buffer: it stays open until the
	 * next load, so that the caller can keep what it wants of L */
	static struct fc_trace_reader reader;
	static int reader_open;
	if (reader_open)
		fc_trace_close(&reader);
	reader_open = 0;
	if (fc_trace_open(&reader, path) < 0) {
		snprintf(err, errlen, "%s: %s; expected a%s %s's results folder", path, strerror(errno), *kind == 'e' ? "n" : "",
			 kind);
		return -1;
	}
	reader_open = 1;
	int got = fc_trace_next(&reader, l);
	const struct fc_jval *cmd = got > 0 ? fc_jline_get(l, "command") : NULL;
	const char *is = got > 0 ? fc_jline_str(l, "kind") : NULL;
	if (!cmd || cmd->type != FC_J_ARR || !cmd->count || !is || strcmp(is, kind)) {
		snprintf(err, errlen, "%s is not a%s %s's state", path, *kind == 'e' ? "n" : "", kind);
		return -1;
	}
	s->cmd = calloc((size_t)cmd->count + 1, sizeof *s->cmd);
	for (int i = 0; s->cmd && i < cmd->count; i++)
		s->cmd[s->ncmd++] = strdup(l->items[cmd->first + i].str ? l->items[cmd->first + i].str : "");
	return 0;
}

int fc_sweep_read_state(struct fc_sweep *s, const char *folder, char *err, size_t errlen)
{
	static struct fc_jline l;
	char path[PATH_MAX + 16];
	long long v;
	snprintf(path, sizeof path, "%s/sweep.json", folder);
	if (fc_sweep_state_load(s, path, "sweep", &l, err, errlen) < 0)
		return -1;
	struct fc_sweep_options *o = &s->opt;
	o->calls = keep(s, &l, "calls");
	o->errnos = keep(s, &l, "errnos");
	o->mode = keep(s, &l, "mode");
	o->check = keep(s, &l, "check");
	o->plan = keep(s, &l, "plan");
	o->seed = keep(s, &l, "seed");
	o->shard = keep(s, &l, "shard");
	snprintf(s->folder.id, sizeof s->folder.id, "%s", fc_jline_str(&l, "id") ? fc_jline_str(&l, "id") : "");
	o->max_n = fc_jline_num(&l, "max_n", &v) ? (int)v : 16;
	o->timeout_ns = fc_jline_num(&l, "timeout_ns", &v) ? (uint64_t)v : 30000000000u;
	s->folder.started = fc_jline_num(&l, "started", &v) ? (time_t)v : time(NULL);
	const struct fc_jval *latest = fc_jline_get(&l, "latest");
	s->latest = latest && latest->type == FC_J_BOOL && latest->num;
	if (!s->cmd || !o->seed) {
		snprintf(err, errlen, "%s: no seed, or out of memory", path);
		return -1;
	}
	if (o->shard && fc_sweep_parse_shard(s, o->shard) < 0) {
		snprintf(err, errlen, "%s: bad shard '%s'", path, o->shard);
		return -1;
	}
	return 0;
}

void fc_sweep_runs_line(FILE *f, int row, const struct fc_sweep_result *r)
{
	fprintf(f, "{\"run\":%d,\"state\":\"%s\",\"exit\":%d,\"signal\":%d,\"timed_out\":%s,\"injected\":%d,\"duration_ms\":%lld",
		row + 1, fc_sweep_state_names[r->state], r->exit, r->signal, r->timed_out ? "true" : "false", r->injected,
		r->duration_ms);
	fprintf(f, ",\"kept_trace\":%s", r->kept_trace ? "true" : "false");
	text_member(f, "error", r->state == FC_SW_ERROR ? r->error : NULL);
	for (int pass = 0; pass < 2; pass++) {
		fprintf(f, pass ? ",\"details\":[" : ",\"oracles\":[");
		for (int k = 0; k < r->nfails; k++) {
			fputs(k ? "," : "", f);
			fc_json_string(f, pass ? r->fails[k].detail : r->fails[k].oracle);
		}
		fputc(']', f);
	}
	fputs("}\n", f);
}

int fc_sweep_result_read(const struct fc_jline *l, struct fc_sweep_result *r)
{
	long long v;
	const char *state = fc_jline_str(l, "state");
	const struct fc_jval *oracles = fc_jline_get(l, "oracles"), *details = fc_jline_get(l, "details");
	const struct fc_jval *timed = fc_jline_get(l, "timed_out"), *kept = fc_jline_get(l, "kept_trace");
	if (!state || !oracles || oracles->type != FC_J_ARR || !details || details->type != FC_J_ARR ||
	    details->count != oracles->count)
		return -1;
	memset(r, 0, sizeof *r);
	for (int k = 0; k < FC_SW_NSTATES; k++)
		if (!strcmp(state, fc_sweep_state_names[k]))
			r->state = k;
	r->exit = fc_jline_num(l, "exit", &v) ? (int)v : 0;
	r->signal = fc_jline_num(l, "signal", &v) ? (int)v : 0;
	r->injected = fc_jline_num(l, "injected", &v) ? (int)v : 0;
	r->duration_ms = fc_jline_num(l, "duration_ms", &v) ? v : 0;
	r->timed_out = timed && timed->type == FC_J_BOOL && timed->num;
	r->kept_trace = kept && kept->type == FC_J_BOOL && kept->num;
	snprintf(r->error, sizeof r->error, "%s", fc_jline_str(l, "error") ? fc_jline_str(l, "error") : "");
	snprintf(r->out, sizeof r->out, "%s", fc_jline_str(l, "out") ? fc_jline_str(l, "out") : "");
	for (int k = 0; k < oracles->count && k < FC_SWEEP_FAILS; k++, r->nfails++) {
		const char *oracle = l->items[oracles->first + k].str, *detail = l->items[details->first + k].str;
		snprintf(r->fails[k].oracle, sizeof r->fails[k].oracle, "%s", oracle ? oracle : "");
		snprintf(r->fails[k].detail, sizeof r->fails[k].detail, "%s", detail ? detail : "");
	}
	return 0;
}

/* One line of runs.jsonl into R; its row, or -1. */
static int runs_entry(const struct fc_jline *l, struct fc_sweep_result *r)
{
	long long run;
	if (!fc_jline_num(l, "run", &run) || fc_sweep_result_read(l, r) < 0)
		return -1;
	return (int)run - 1;
}

int fc_sweep_read_runs(struct fc_sweep *s, const char *dir)
{
	static struct fc_jline l;
	struct fc_trace_reader reader;
	struct fc_sweep_result r;
	char path[PATH_MAX + 16];
	int got;
	snprintf(path, sizeof path, "%s/runs.jsonl", dir);
	if (fc_trace_open(&reader, path) < 0)
		return errno == ENOENT ? 0 : -1;
	/* a line cut short by a kill is skipped: that run is made again */
	while ((got = fc_trace_next(&reader, &l)) > 0) {
		int row = runs_entry(&l, &r);
		if (row >= 0 && row < s->nrows && (r.state == FC_SW_RAN || r.state == FC_SW_SKIPPED || r.state == FC_SW_ERROR))
			s->results[row] = r;
	}
	fc_trace_close(&reader);
	return got < 0 ? -1 : 0;
}

int fc_sweep_write_sites(const struct fc_sweep *s)
{
	FILE *f = fc_results_create(&s->folder, "sites.csv");
	if (!f)
		return -1;
	fputs("site,call,caller,proc,count,most,note\n", f);
	for (int i = 0; i < s->nsites; i++) {
		const struct fc_site *site = &s->sites[i];
		fc_csv_field(f, site->key);
		fputc(',', f);
		fc_csv_field(f, site->call);
		fputc(',', f);
		fc_csv_field(f, site->caller);
		fprintf(f, ",%s,%lld,%lld,", site->child ? "child" : "parent", site->count, site->most);
		fc_csv_field(f, site->note);
		fputc('\n', f);
	}
	return fc_results_commit(&s->folder, "sites.csv", f);
}

int fc_sweep_copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t got = 0;
	if (link(from, to) == 0)
		return 0;
	int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int out = in >= 0 ? open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644) : -1;
	while (out >= 0 && (got = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)got) != got) {
			got = -1;
			break;
		}
	int err = errno, rc = out >= 0 && got == 0 ? 0 : -1;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0)
		rc = -1;
	errno = err;
	return rc;
}

/* Delta debugging of a failing plan (Zeller's ddmin, then its items): the
 * smallest plan that still fails the same oracle in every one of N runs
 * (default 5).  In order: rules dropped (halves, quarters... then one at a
 * time), then each rule's selectors (caller= with its depth=, lib=, proc=,
 * sig=, fd=, when=, prob= with its seed=), then when= ranges narrowed
 * (halves, to one call), then delays shortened (halved while it fails).
 * A candidate is accepted only when all N runs fail: a flaky plan is kept
 * whole.  The runs are `forkchaos run --check ORACLE` children of ours
 * (fc_sweep_launch), -j at once; "fails" means the oracle failed anew
 * against the clean run the caller gave (explore's), or at all. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "explore.h"
#include "plan.h"
#include "sched.h"

#define MAX_ITEMS 24

struct rule {
	char calls[256];
	char items[MAX_ITEMS][FC_SYM_MAX + 48];
	int nitems;
	int dropped;
};

struct work {
	struct fc_minimize *m;
	struct rule rules[FC_MAX_RULES];
	int nrules;
	char plan[FC_PLAN_MAX + 1]; /* the candidate being tried */
};

/* ---- the plan as rules and items ---- */

static int split_plan(struct work *w, const char *plan)
{
	w->nrules = 0;
	for (const char *p = plan; *p;) {
		size_t len = strcspn(p, ";");
		if (len && w->nrules == FC_MAX_RULES)
			return -1;
		if (len) {
			struct rule *r = &w->rules[w->nrules++];
			memset(r, 0, sizeof *r);
			const char *end = p + len, *colon = memchr(p, ':', len);
			size_t clen = (size_t)((colon ? colon : end) - p);
			snprintf(r->calls, sizeof r->calls, "%.*s", (int)clen, p);
			for (const char *q = colon ? colon + 1 : end; q < end && r->nitems < MAX_ITEMS;) {
				size_t ilen = strcspn(q, ":;");
				if (ilen > (size_t)(end - q))
					ilen = (size_t)(end - q);
				snprintf(r->items[r->nitems++], sizeof r->items[0], "%.*s", (int)ilen, q);
				q += ilen + 1;
			}
		}
		p += len + (p[len] == ';');
	}
	return 0;
}

static int key_is(const char *item, const char *key)
{
	size_t n = strlen(key);
	return !strncmp(item, key, n) && item[n] == '=';
}

/* The plan of the rules not dropped, each without the items in SKIP (a
 * bitset per rule, NULL: none). */
static void join(const struct work *w, const unsigned *skip, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < w->nrules; i++) {
		const struct rule *r = &w->rules[i];
		if (r->dropped)
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s", used ? ";" : "", r->calls);
		for (int k = 0; k < r->nitems; k++)
			if (!skip || !(skip[i] >> k & 1))
				used += (size_t)snprintf(buf + used, used < len ? len - used : 0, ":%s", r->items[k]);
	}
}

/* ---- one candidate: N runs, all failing ---- */

struct trial {
	struct fc_minimize *m;
	const char *plan;
};

static void run_trial(void *ctx, int k, void *result)
{
	const struct trial *t = ctx;
	const struct fc_minimize *m = t->m;
	static struct fc_sweep_argv store;
	struct fc_sweep_files files;
	struct fc_sweep_result *r = result;
	snprintf(files.check_out, sizeof files.check_out, "%s/min%d.check.jsonl", m->s->work, k);
	snprintf(files.trace, sizeof files.trace, "%s/min%d.trace.jsonl", m->s->work, k);
	snprintf(files.output, sizeof files.output, "%s/min%d.out", m->s->work, k);
	if (fc_sweep_command(m->s, t->plan, m->oracle, m->expect, files.check_out, NULL, &store) < 0) {
		r->state = FC_SW_ERROR;
		return;
	}
	fc_sweep_launch(store.argv, &files, r);
	free(store.argv);
	store.argv = NULL;
	unlink(files.check_out);
	unlink(files.output);
}

static void lost_trial(void *ctx, int k, void *result, int status, int err)
{
	((struct fc_sweep_result *)result)->state = fc_sched_interrupted() ? FC_SW_INTERRUPTED : FC_SW_ERROR;
}

/* 1: every run failed the oracle; 0: one did not; -1: interrupted or the
 * runs could not be made.  Batches of -j runs, stopping at a batch with a
 * run that held. */
static int fails(struct work *w, const char *plan)
{
	struct fc_minimize *m = w->m;
	struct fc_sweep_result results[16];
	struct fc_plan parsed;
	char err[256];
	if (*plan && fc_plan_parse(plan, &parsed, err, sizeof err) < 0)
		return 0; /* a selector some other item needs: not a plan */
	struct trial t = { m, plan };
	int jobs = m->jobs < 1 ? 1 : m->jobs > 16 ? 16 : m->jobs;
	for (int done = 0; done < m->runs;) {
		int n = m->runs - done < jobs ? m->runs - done : jobs;
		memset(results, 0, sizeof results);
		struct fc_sched sched = {
			.njobs = n,
			.workers = n,
			.result_size = sizeof results[0],
			.results = results,
			.ctx = &t,
			.run = run_trial,
			.lost = lost_trial,
		};
		if (fc_sched_run(&sched) < n || fc_sched_interrupted())
			return -1;
		for (int k = 0; k < n; k++) {
			m->tried_runs++;
			if (results[k].state != FC_SW_RAN)
				return results[k].state == FC_SW_INTERRUPTED ? -1 : 0;
			if (!(m->absolute ? fc_sweep_failed(&results[k], m->oracle)
					  : fc_sweep_new_failure(m->s, &results[k], m->oracle)))
				return 0;
			for (int f = 0; f < results[k].nfails; f++)
				if (!strcmp(results[k].fails[f].oracle, m->oracle))
					snprintf(m->detail, sizeof m->detail, "%s", results[k].fails[f].detail);
		}
		done += n;
	}
	return 1;
}

static void say(const struct work *w, const char *what, const char *plan)
{
	if (!w->m->quiet)
		fprintf(stderr, "minimize: %s: %s\n", what, *plan ? plan : "(no plan)");
}

/* ---- the steps ---- */

/* ddmin over the rules: drop chunks of 1/N while the rest fails. */
static int drop_rules(struct work *w)
{
	int live[FC_MAX_RULES], n;
	for (int chunks = 2;;) {
		n = 0;
		for (int i = 0; i < w->nrules; i++)
			if (!w->rules[i].dropped)
				live[n++] = i;
		if (n <= 1)
			return 0;
		if (chunks > n)
			chunks = n;
		int progressed = 0;
		for (int c = 0; c < chunks && !progressed; c++) {
			int lo = c * n / chunks, hi = (c + 1) * n / chunks;
			for (int k = lo; k < hi; k++)
				w->rules[live[k]].dropped = 1;
			join(w, NULL, w->plan, sizeof w->plan);
			int rc = fails(w, w->plan);
			if (rc < 0)
				return -1;
			if (rc) {
				progressed = 1;
				say(w, "rules dropped", w->plan);
			} else {
				for (int k = lo; k < hi; k++)
					w->rules[live[k]].dropped = 0;
			}
		}
		if (progressed)
			chunks = chunks > 2 ? chunks - 1 : 2;
		else if (chunks == n)
			return 0;
		else
			chunks = chunks * 2;
	}
}

/* The selectors, each with what cannot stay without it. */
static const char *const selectors[][2] = {
	{ "caller", "depth" }, { "lib", NULL },  { "proc", NULL },   { "sig", NULL },
	{ "fd", NULL },        { "when", NULL }, { "prob", "seed" },
};

static int drop_selectors(struct work *w)
{
	for (int i = 0; i < w->nrules; i++) {
		struct rule *r = &w->rules[i];
		for (size_t s = 0; s < sizeof selectors / sizeof selectors[0] && !r->dropped; s++) {
			unsigned skip[FC_MAX_RULES] = { 0 };
			for (int k = 0; k < r->nitems; k++)
				if (key_is(r->items[k], selectors[s][0]) ||
				    (selectors[s][1] && key_is(r->items[k], selectors[s][1])))
					skip[i] |= 1u << k;
			if (!skip[i])
				continue;
			join(w, skip, w->plan, sizeof w->plan);
			int rc = fails(w, w->plan);
			if (rc < 0)
				return -1;
			if (!rc)
				continue;
			int kept = 0;
			for (int k = 0; k < r->nitems; k++)
				if (!(skip[i] >> k & 1))
					memmove(r->items[kept++], r->items[k], sizeof r->items[0]);
			r->nitems = kept;
			say(w, "selector dropped", w->plan);
		}
	}
	return 0;
}

/* Tries ITEM K of rule I as TEXT: kept when the plan still fails. */
static int try_item(struct work *w, int i, int k, const char *text, const char *what)
{
	char was[sizeof w->rules[0].items[0]];
	memcpy(was, w->rules[i].items[k], sizeof was);
	snprintf(w->rules[i].items[k], sizeof was, "%s", text);
	join(w, NULL, w->plan, sizeof w->plan);
	int rc = fails(w, w->plan);
	if (rc == 1)
		say(w, what, w->plan);
	else
		memcpy(w->rules[i].items[k], was, sizeof was);
	return rc;
}

/* when=FIRST..LAST[+STEP] or FIRST+: halves while one fails, to one call. */
static int narrow_when(struct work *w)
{
	char text[64];
	for (int i = 0; i < w->nrules; i++)
		for (int k = 0; k < w->rules[i].nitems; k++) {
			const char *item = w->rules[i].items[k];
			unsigned long first, last = 0;
			char tail[32] = "";
			if (!key_is(item, "when") || sscanf(item + 5, "%lu%31s", &first, tail) < 1 || !tail[0])
				continue;
			if (!strcmp(tail, "+")) { /* every call from FIRST on: the first alone */
				snprintf(text, sizeof text, "when=%lu", first);
				if (try_item(w, i, k, text, "when= narrowed") < 0)
					return -1;
				continue;
			}
			if (sscanf(tail, "..%lu", &last) != 1 || strchr(tail, '+'))
				continue; /* a step: left as it is */
			while (first < last) {
				unsigned long mid = first + (last - first) / 2;
				int rc;
				snprintf(text, sizeof text, first == mid ? "when=%lu" : "when=%lu..%lu", first, mid);
				if ((rc = try_item(w, i, k, text, "when= narrowed")) < 0)
					return -1;
				if (rc) {
					last = mid;
					continue;
				}
				snprintf(text, sizeof text, mid + 1 == last ? "when=%lu" : "when=%lu..%lu", mid + 1, last);
				if ((rc = try_item(w, i, k, text, "when= narrowed")) < 0)
					return -1;
				if (!rc)
					break;
				first = mid + 1;
			}
		}
	return 0;
}

static void duration_text(uint64_t ns, char *buf, size_t len)
{
	if (ns % 1000000 == 0)
		snprintf(buf, len, "%llums", (unsigned long long)(ns / 1000000));
	else if (ns % 1000 == 0)
		snprintf(buf, len, "%lluus", (unsigned long long)(ns / 1000));
	else
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
}

/* delay=, delay_exit=, wait_child=: halved while the plan fails (down to
 * 10 us: shorter says nothing more). */
static int shorten_delays(struct work *w)
{
	static const char *const keys[] = { "delay", "delay_exit", "wait_child" };
	char text[64], value[32];
	for (int i = 0; i < w->nrules; i++)
		for (int k = 0; k < w->rules[i].nitems; k++)
			for (size_t d = 0; d < sizeof keys / sizeof keys[0]; d++) {
				const char *item = w->rules[i].items[k];
				uint64_t ns;
				size_t klen = strlen(keys[d]);
				if (!key_is(item, keys[d]) ||
				    fc_duration_parse(item + klen + 1, strlen(item + klen + 1), &ns) < 0)
					continue;
				for (int rc = 1; rc == 1 && ns / 2 >= 10000;) {
					ns /= 2;
					duration_text(ns, value, sizeof value);
					snprintf(text, sizeof text, "%s=%s", keys[d], value);
					if ((rc = try_item(w, i, k, text, "delay shortened")) < 0)
						return -1;
				}
			}
	return 0;
}

int fc_minimize_plan(struct fc_minimize *m, const char *plan)
{
	static struct work w;
	memset(&w, 0, sizeof w);
	w.m = m;
	m->tried_runs = m->confirmed = 0;
	m->detail[0] = 0;
	snprintf(m->plan, sizeof m->plan, "%s", plan);
	if (split_plan(&w, plan) < 0)
		return 0;
	int rc = fails(&w, plan);
	if (rc <= 0) {
		if (rc == 0 && !m->quiet)
			fprintf(stderr, "minimize: the plan does not fail %s in %d runs out of %d: kept as it is\n", m->oracle,
				m->runs, m->runs);
		return rc;
	}
	if (drop_rules(&w) < 0 || drop_selectors(&w) < 0 || narrow_when(&w) < 0 || shorten_delays(&w) < 0)
		return -1;
	join(&w, NULL, m->plan, sizeof m->plan);
	m->confirmed = m->runs;
	return 1;
}

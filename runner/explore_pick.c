/* The order of explore's runs: what a budget finds most with.
 *
 *   - each site's candidates take turns by kind: the first of every kind
 *     (an error, a signal, a reap, a prior disposition...) before the
 *     second of any; within a kind, the most telling variant at every
 *     occurrence before the next variant (the first errno at each N, as
 *     sweep; at=inside before exit before enter), a point in a handler or
 *     at a signal-setup call before the others;
 *   - across sites: every site's first perturbation before any site's
 *     second; then the site perturbed least so far, a signal-setup site
 *     counting its runs a quarter, its neighbours a half (they take four
 *     and two turns for an ordinary site's one), signal-setup first among
 *     equals; an install before a query at a sigaction site;
 *   - a finding, or a kind of outcome a site had not given before, boosts
 *     the sites of its neighbourhood (AFEX's observation: faults cluster),
 *     which are then taken first while their boost lasts;
 *   - a failure that does not follow the perturbation (the same oracle
 *     and detail at a second site, or a clean run that fails only now and
 *     then) is a timing window the perturbations only happened to hit:
 *     the reorderings (each delay, the longest first, at every point that
 *     makes a child and at each child's first call) then go before
 *     anything else, as a delay is what holds such a window open every
 *     time (and what minimize can confirm 5 runs out of 5);
 *   - with --depth 2, once every site had a run, pairs sampled with the
 *     seed take every other turn.
 * The order is a function of the clean run and of the outcomes in the
 * order they came: a resumed explore replays its finished runs through it. */
#include <stdlib.h>
#include <string.h>
#include "explore.h"

static int point_class(const struct fc_point *p)
{
	return (p->flags & FC_PT_SIGNAL) ? 0 : (p->flags & FC_PT_NEAR) ? 1 : 2;
}

/* Within a site: the turn (the candidate's place in its kind's list)
 * first, then the kind; within a kind, its variant, then its point. */
static int by_turn(const void *a, const void *b, void *arg)
{
	const struct fc_explore *e = arg;
	const struct fc_candidate *x = &e->cands[*(const int *)a], *y = &e->cands[*(const int *)b];
	if (x->turn != y->turn)
		return x->turn - y->turn;
	if (x->kind != y->kind)
		return x->kind - y->kind;
	return *(const int *)a - *(const int *)b;
}

static int by_variant(const void *a, const void *b, void *arg)
{
	const struct fc_explore *e = arg;
	const struct fc_candidate *x = &e->cands[*(const int *)a], *y = &e->cands[*(const int *)b];
	const struct fc_point *p = &e->points[x->point], *q = &e->points[y->point];
	if (x->sub != y->sub)
		return x->sub - y->sub;
	if (point_class(p) != point_class(q))
		return point_class(p) - point_class(q);
	/* an install before a query: its oldact and its inside are the windows */
	if ((p->flags & FC_PT_INSTALL) != (q->flags & FC_PT_INSTALL))
		return (p->flags & FC_PT_INSTALL) ? -1 : 1;
	if (p->n != q->n)
		return p->n - q->n;
	return *(const int *)a - *(const int *)b;
}

static int in_shard(const struct fc_explore *e, int job)
{
	return !e->s.shard_n || job % e->s.shard_n == e->s.shard_k - 1;
}

static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* depth 2: pairs at two different points, sampled with the seed (the
 * space is the square of the candidates: bounded to a few per candidate) */
static int make_pairs(struct fc_explore *e)
{
	uint64_t state = strtoull(e->s.opt.seed, NULL, 10);
	int want = e->ncands < 2 ? 0 : e->ncands * 2 < 20000 ? e->ncands * 2 : 20000;
	e->pairs = calloc((size_t)want + 1, sizeof *e->pairs);
	if (!e->pairs)
		return -1;
	for (int tries = 0; e->npairs < want && tries < want * 4; tries++) {
		int a = (int)(next_random(&state) % (uint64_t)e->ncands), b = (int)(next_random(&state) % (uint64_t)e->ncands);
		if (e->cands[a].point != e->cands[b].point)
			e->pairs[e->npairs++] = (struct fc_pair){ a, b };
	}
	return 0;
}

/* The reorderings in their order: each delay's variant (the longest
 * first) at every point before the next variant, the points in the
 * clean run's order. */
static int by_reorder(const void *a, const void *b, void *arg)
{
	const struct fc_explore *e = arg;
	const struct fc_candidate *x = &e->cands[*(const int *)a], *y = &e->cands[*(const int *)b];
	if (x->sub != y->sub)
		return x->sub - y->sub;
	return e->points[x->point].order - e->points[y->point].order;
}

/* The reorderings first from now on (once: the queue is kept). */
static void reorder_first(struct fc_explore *e)
{
	if (e->reorder)
		return;
	e->reorder = calloc((size_t)e->ncands + 1, sizeof *e->reorder);
	if (!e->reorder)
		return; /* the order goes on without: nothing is lost but time */
	for (int k = 0; k < e->ncands; k++)
		if (e->cands[k].kind == FC_EK_DELAY)
			e->reorder[e->nreorder++] = k;
	qsort_r(e->reorder, (size_t)e->nreorder, sizeof *e->reorder, by_reorder, e);
}

/* The newest finding's oracle and detail were found at another site
 * already (or in the clean run): the failure came with no regard to
 * where the perturbation was. */
static int wanders(const struct fc_explore *e)
{
	const struct fc_finding *last = &e->findings[e->nfindings - 1];
	for (int i = 0; i + 1 < e->nfindings; i++)
		if (!strcmp(e->findings[i].oracle, last->oracle) && !strcmp(e->findings[i].signature, last->signature) &&
		    strcmp(e->findings[i].site, last->site))
			return 1;
	return 0;
}

int fc_explore_pick_init(struct fc_explore *e)
{
	int nsites = e->s.nsites;
	if (e->o.depth == 2 && make_pairs(e) < 0)
		return -1;
	int njobs = e->ncands + e->npairs;
	e->chosen = calloc((size_t)njobs + 1, 1);
	e->site_runs = calloc((size_t)nsites + 1, sizeof *e->site_runs);
	e->boost = calloc((size_t)nsites + 1, sizeof *e->boost);
	e->next_of_site = calloc((size_t)nsites + 1, sizeof *e->next_of_site);
	e->site_ncands = calloc((size_t)nsites + 1, sizeof *e->site_ncands);
	e->site_cands = calloc((size_t)nsites + 1, sizeof *e->site_cands);
	e->site_class = calloc((size_t)nsites + 1, sizeof *e->site_class);
	if (!e->chosen || !e->site_runs || !e->boost || !e->next_of_site || !e->site_ncands || !e->site_cands || !e->site_class)
		return -1;
	for (int i = 0; i < nsites; i++)
		e->site_class[i] = 3;
	for (int k = 0; k < e->ncands; k++) {
		int site = e->points[e->cands[k].point].site;
		e->site_ncands[site]++;
		if (point_class(&e->points[e->cands[k].point]) < e->site_class[site])
			e->site_class[site] = point_class(&e->points[e->cands[k].point]);
	}
	for (int i = 0; i < nsites; i++) {
		e->site_cands[i] = calloc((size_t)e->site_ncands[i] + 1, sizeof **e->site_cands);
		if (!e->site_cands[i])
			return -1;
		e->site_ncands[i] = 0;
	}
	for (int k = 0; k < e->ncands; k++) {
		int site = e->points[e->cands[k].point].site;
		e->site_cands[site][e->site_ncands[site]++] = k;
	}
	for (int i = 0; i < nsites; i++) {
		int *list = e->site_cands[i], n = e->site_ncands[i];
		/* each kind's list in its order, its place in it the turn */
		qsort_r(list, (size_t)n, sizeof *list, by_variant, e);
		for (int kind = 0; kind < FC_EK_COUNT; kind++)
			for (int j = 0, turn = 0; j < n; j++)
				if (e->cands[list[j]].kind == kind)
					e->cands[list[j]].turn = turn++;
		qsort_r(list, (size_t)n, sizeof *list, by_turn, e);
	}
	/* a clean run that failed now and then: a window the clean run hits
	 * by chance (e->s.base keeps the failures it gives every time) */
	if (e->clean.nfails > e->s.base.nfails)
		reorder_first(e);
	return 0;
}

/* The site's next candidate not chosen (and of this shard), or -1. */
static int next_of(struct fc_explore *e, int site)
{
	while (e->next_of_site[site] < e->site_ncands[site]) {
		int c = e->site_cands[site][e->next_of_site[site]];
		if (!e->chosen[c] && in_shard(e, c))
			return c;
		e->next_of_site[site]++;
	}
	return -1;
}

/* A signal-setup site takes four turns for an ordinary site's one, its
 * neighbours two. */
static const int class_weight[] = { 1, 2, 4, 4 };

/* Site I comes before site J: never perturbed first, then boosted, then
 * the fewest (weighted) runs so far, then signal-setup first. */
static int before(const struct fc_explore *e, int i, int j)
{
	if ((e->site_runs[i] == 0) != (e->site_runs[j] == 0))
		return e->site_runs[i] == 0;
	if (e->boost[i] != e->boost[j])
		return e->boost[i] > e->boost[j];
	int wi = e->site_runs[i] * class_weight[e->site_class[i]], wj = e->site_runs[j] * class_weight[e->site_class[j]];
	if (wi != wj)
		return wi < wj;
	return e->site_class[i] < e->site_class[j];
}

/* The next reordering not chosen (and of this shard), or -1. */
static int next_reordering(struct fc_explore *e)
{
	while (e->next_reorder < e->nreorder) {
		int c = e->reorder[e->next_reorder++];
		if (!e->chosen[c] && in_shard(e, c)) {
			e->site_runs[e->points[e->cands[c].point].site]++;
			return c;
		}
	}
	return -1;
}

static int pick_single(struct fc_explore *e)
{
	int best = next_reordering(e);
	if (best >= 0)
		return best;
	for (int i = 0; i < e->s.nsites; i++)
		if (next_of(e, i) >= 0 && (best < 0 || before(e, i, best)))
			best = i;
	if (best < 0)
		return -1;
	if (e->boost[best] > 0)
		e->boost[best]--;
	e->site_runs[best]++;
	return next_of(e, best);
}

static int pick_pair(struct fc_explore *e)
{
	while (e->next_pair < e->npairs) {
		int job = e->ncands + e->next_pair++;
		if (!e->chosen[job] && in_shard(e, job))
			return job;
	}
	return -1;
}

int fc_explore_take(struct fc_explore *e, int job)
{
	int c[2], n = fc_explore_job_cands(e, job, c);
	if (fc_explore_grow_runs(e, e->nruns + 1) < 0)
		return -1;
	e->chosen[job] = 1;
	e->picks++;
	if (n == 1) {
		int site = e->points[e->cands[c[0]].point].site;
		e->site_runs[site]++;
		if (e->boost[site] > 0)
			e->boost[site]--;
	}
	return 0;
}

int fc_explore_pick(struct fc_explore *e, int *jobs, int max)
{
	int n = 0;
	while (n < max) {
		/* pairs take every other turn once each site had its first run */
		int pair_turn = e->npairs && e->picks >= e->s.nsites && e->picks % 2;
		int job = pair_turn ? pick_pair(e) : -1;
		if (job < 0)
			job = pick_single(e);
		if (job < 0 && !pair_turn)
			job = pick_pair(e);
		if (job < 0)
			break;
		e->chosen[job] = 1;
		e->picks++;
		jobs[n++] = job;
	}
	return n;
}

/* The sites near point P (its process, a few calls away), and its own. */
#define NEIGHBOURHOOD 6
static void boost_around(struct fc_explore *e, int p, int amount)
{
	const struct fc_point *at = &e->points[p];
	for (int q = 0; q < e->npoints; q++) {
		const struct fc_point *pt = &e->points[q];
		int d = pt->order - at->order;
		if (pt->pid != at->pid || d < -NEIGHBOURHOOD || d > NEIGHBOURHOOD)
			continue;
		if (e->boost[pt->site] < amount)
			e->boost[pt->site] = amount;
	}
}

void fc_explore_learn(struct fc_explore *e, int run, const char *outcome, int new_finding)
{
	int c[2], n = fc_explore_job_cands(e, e->order[run], c);
	if (!outcome || !strcmp(outcome, "ok") || !strcmp(outcome, "not-reached") || !strcmp(outcome, "error"))
		return;
	if (new_finding && wanders(e))
		reorder_first(e);
	for (int i = 0; i < n; i++) {
		int p = e->cands[c[i]].point;
		struct fc__key k = { .s = { fc__intern(&e->s.strings, outcome) }, .i = { e->points[p].site } };
		int added = 0;
		if (k.s[0] && !fc__table_at(&e->outcomes_seen, &k, &added))
			continue;
		if (new_finding || added)
			boost_around(e, p, new_finding ? 4 : 2);
	}
}

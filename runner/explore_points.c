/* explore's points and candidates, from the clean run's trace alone (so
 * that --resume and the shards of one explore make the same list).
 *
 * A point is the Nth call of a sweep site (call x caller x process role)
 * in a process: what when=N selects, counting per process.  The trace
 * says of its first instance whether a handler made it, its signal,
 * whether the process had threads by then, whether it was a WNOHANG wait.
 * Each point gets the candidates its call can take: a signal at each side
 * (enter, inside where the call has one, exit), to the calling thread and
 * to another, a helper child's death, a foreign reap, a prior disposition
 * (sigaction on SIGCHLD), a delay (after a call that makes a child, in the
 * parent; at a child's first calls), an errno the call can really give
 * there, and for a syscall(2) call its absence (ENOSYS, an older kernel). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "explore.h"
#include "plan.h"
#include "trace_read.h"

const char *const fc_explore_kind_names[FC_EK_COUNT] = {
#define X(id, name, tolerated) name,
	FC_EXPLORE_KINDS(X)
#undef X
};
static const int kind_tolerated[FC_EK_COUNT] = {
#define X(id, name, tolerated) tolerated,
	FC_EXPLORE_KINDS(X)
#undef X
};

/* ---- the points ---- */

struct scan {
	struct fc_explore *e;
	const uint64_t *calls;
	long long root;
	struct fc__table sites;    /* (call, caller; role, nr) -> site index + 1 */
	struct fc__table counts;   /* (site; pid) -> calls so far */
	struct fc__table points;   /* (; site, n) -> point index + 1 */
	struct fc__table roots;    /* (; pid): the first process's pids */
	struct fc__table threads;  /* (; pid): made a thread */
	struct fc__table handlers; /* (; pid) -> FC_PT_HANDLERS | FC_PT_NORESTART */
	int *line_point, *line_pid, nlines;
	size_t cap_points, cap_lines, cap_pids;
	int first_sigchld_seen;
};

static int is_offset_form(const char *caller)
{
	const char *plus = caller ? strstr(caller, "+0x") : NULL;
	return plus && plus[3] && strspn(plus + 3, "0123456789abcdef") == strlen(plus + 3);
}

static int site_index(struct scan *g, const char *call, const char *caller, int child, long long nr)
{
	struct fc__strings *st = &g->e->s.strings;
	struct fc__key k = { .s = { fc__intern(st, call), fc__intern(st, caller) }, .i = { child, nr } };
	const struct fc__row *row = fc__table_find(&g->sites, &k);
	return row ? (int)row->n - 1 : -1;
}

static int index_sites(struct scan *g)
{
	const struct fc_sweep *s = &g->e->s;
	for (int i = 0; i < s->nsites; i++) {
		struct fc__key k = { .s = { s->sites[i].call, s->sites[i].caller }, .i = { s->sites[i].child, s->sites[i].nr } };
		struct fc__row *row = fc__table_at(&g->sites, &k, NULL);
		if (!row)
			return -1;
		row->n = i + 1;
	}
	return 0;
}

/* The handlers a process has (FC_PT_HANDLERS, FC_PT_NORESTART): what
 * makes EINTR possible there.  A child starts with its parent's, an exec
 * drops them (the dispositions go back to SIG_DFL). */
static unsigned handlers_of(struct scan *g, long long pid)
{
	struct fc__key k = { .i = { pid } };
	const struct fc__row *row = fc__table_find(&g->handlers, &k);
	return row ? (unsigned)row->n : 0;
}

static int set_handlers(struct scan *g, long long pid, unsigned state)
{
	struct fc__key k = { .i = { pid } };
	struct fc__row *row = fc__table_at(&g->handlers, &k, NULL);
	if (!row)
		return -1;
	row->n = state;
	return 0;
}

/* What the line does to the process's handlers (an install, a fork, an
 * exec); -1 when out of memory. */
static int track_handlers(struct scan *g, const struct fc_jline *l, int id, long long pid)
{
	const char *handler = fc_jline_str(l, "handler");
	long long flags = -1, child = 0;
	unsigned now = handlers_of(g, pid);
	if ((fc_calls[id].flags & FC_F_HANDLER) && handler && strcmp(handler, "SIG_DFL") && strcmp(handler, "SIG_IGN")) {
		fc_jline_num(l, "flags", &flags);
		/* signal() is BSD's (SA_RESTART), sysv_signal() is not */
		int restarts = flags >= 0 ? (flags & SA_RESTART) != 0 : id != FC_ID_sysv_signal && id != FC_ID___sysv_signal;
		return set_handlers(g, pid, now | FC_PT_HANDLERS | (restarts ? 0 : FC_PT_NORESTART));
	}
	if ((fc_calls[id].flags & FC_F_RET_CHILD) && fc_jline_num(l, "child", &child) && child > 0 && now)
		return set_handlers(g, child, now);
	return 0;
}

static int has(struct fc__table *t, long long pid)
{
	struct fc__key k = { .i = { pid } };
	return fc__table_find(t, &k) != NULL;
}

static int note(struct fc__table *t, long long pid)
{
	struct fc__key k = { .i = { pid } };
	return fc__table_at(t, &k, NULL) ? 0 : -1;
}

/* What the line says of its call. */
static unsigned line_flags(struct scan *g, const struct fc_jline *l, int id, long long pid, int child)
{
	const struct fc_jval *in = fc_jline_get(l, "in_handler");
	long long options = 0, sig = -1;
	unsigned flags = child ? FC_PT_CHILDPROC : 0;
	if (in && in->type == FC_J_BOOL && in->num)
		flags |= FC_PT_HANDLER | FC_PT_SIGNAL;
	if (fc_calls[id].cls == FC_CLASS_SIGNAL)
		flags |= FC_PT_SIGNAL;
	if (has(&g->threads, pid))
		flags |= FC_PT_THREADS;
	if ((fc_calls[id].flags & FC_F_REAPS) && fc_jline_num(l, "options", &options) && (options & WNOHANG))
		flags |= FC_PT_NOHANG;
	if (fc_calls[id].flags & (FC_F_FORKS | FC_F_NOTE_CHILD | FC_F_RET_CHILD))
		flags |= FC_PT_FORKS;
	flags |= handlers_of(g, pid);
	if ((fc_calls[id].flags & FC_F_HANDLER) && fc_jline_get(l, "handler"))
		flags |= FC_PT_INSTALL;
	if (id == FC_ID_sigaction && fc_jline_num(l, "sig", &sig) && sig == SIGCHLD && !child && !g->first_sigchld_seen) {
		g->first_sigchld_seen = 1;
		flags |= FC_PT_FIRST;
	}
	return flags;
}

static int add_point(struct scan *g, int site, long long n, long long pid, const struct fc_jline *l, unsigned flags)
{
	struct fc_explore *e = g->e;
	struct fc__key k = { .i = { site, n } };
	int added;
	struct fc__row *row = fc__table_at(&g->points, &k, &added);
	if (!row)
		return -1;
	if (!added)
		return (int)row->n - 1;
	struct fc_point *points = fc__grow(e->points, &g->cap_points, (size_t)e->npoints, sizeof *points);
	if (!points)
		return -1;
	e->points = points;
	long long sig = -1;
	fc_jline_num(l, "sig", &sig);
	points[e->npoints] = (struct fc_point){
		.site = site, .n = (int)n, .order = g->nlines, .pid = pid, .sig = (int)sig, .flags = flags
	};
	row->n = ++e->npoints;
	return e->npoints - 1;
}

/* One line of the trace: its point, found or made. */
static int scan_line(struct scan *g, const struct fc_jline *l)
{
	const char *call = fc_jline_str(l, "call"), *side = fc_jline_str(l, "side");
	const struct fc_jval *root = fc_jline_get(l, "root");
	long long pid = 0, nr = -1, ret = -1;
	if (!call || !fc_jline_num(l, "pid", &pid))
		return 0;
	if (root && root->type == FC_J_BOOL && root->num)
		return note(&g->roots, pid);
	if (!strcmp(call, "exec"))
		return set_handlers(g, pid, 0);
	int id = fc_call_lookup(call, strlen(call));
	if (id < 0 || (side && !strcmp(side, "child")))
		return 0;
	if (id == FC_ID_pthread_create && fc_jline_num(l, "ret", &ret) && ret == 0 && note(&g->threads, pid) < 0)
		return -1;
	if (track_handlers(g, l, id, pid) < 0)
		return -1;
	if (!(g->calls[id / 64] >> (id % 64) & 1))
		return 0;
	if (id == FC_ID_syscall)
		fc_jline_num(l, "nr", &nr);
	const char *caller = fc_jline_str(l, "caller"), *where = fc_jline_str(l, "site");
	if ((!caller || is_offset_form(caller)) && where)
		caller = where;
	int child = pid != g->root && !has(&g->roots, pid);
	int site = site_index(g, call, caller, child, nr);
	if (site < 0)
		return 0;
	struct fc__key k = { .i = { site, pid } };
	struct fc__row *count = fc__table_at(&g->counts, &k, NULL);
	if (!count)
		return -1;
	long long n = ++count->n;
	if (n > g->e->o.max_n)
		return 0;
	int point = add_point(g, site, n, pid, l, line_flags(g, l, id, pid, child));
	int *lp = point < 0 ? NULL : fc__grow(g->line_point, &g->cap_lines, (size_t)g->nlines, sizeof *lp);
	if (!lp)
		return -1;
	g->line_point = lp;
	int *pids = fc__grow(g->line_pid, &g->cap_pids, (size_t)g->nlines, sizeof *pids);
	if (!pids)
		return -1;
	g->line_pid = pids;
	lp[g->nlines] = point;
	pids[g->nlines++] = (int)pid;
	return 0;
}

/* A few calls either side of a signal-setup call, in its process, are its
 * neighbours: the windows around an install are there. */
#define NEAR 3
static void mark_neighbours(struct scan *g)
{
	for (int i = 0; i < g->nlines; i++) {
		if (!(g->e->points[g->line_point[i]].flags & FC_PT_SIGNAL))
			continue;
		for (int j = i - 1, seen = 0; j >= 0 && seen < NEAR; j--)
			if (g->line_pid[j] == g->line_pid[i] && ++seen)
				g->e->points[g->line_point[j]].flags |= FC_PT_NEAR;
		for (int j = i + 1, seen = 0; j < g->nlines && seen < NEAR; j++)
			if (g->line_pid[j] == g->line_pid[i] && ++seen)
				g->e->points[g->line_point[j]].flags |= FC_PT_NEAR;
	}
}

int fc_explore_points(struct fc_explore *e, const char *path, char *err, size_t errlen)
{
	static struct fc_jline line;
	uint64_t calls[FC_CALL_WORDS];
	struct fc_trace_reader reader;
	struct scan g = { .e = e, .calls = calls };
	int got = 0, first = 1, rc = -1;
	memset(calls, 0xff, sizeof calls);
	if (e->o.calls && fc_call_set_parse(e->o.calls, calls, err, errlen) < 0)
		return -1;
	if (fc_sweep_sites(&e->s, path, calls, err, errlen) < 0)
		return -1;
	if (index_sites(&g) < 0 || fc_trace_open(&reader, path) < 0) {
		snprintf(err, errlen, "cannot read the clean run's trace %s: %s", path, strerror(errno));
		goto done;
	}
	while ((got = fc_trace_next(&reader, &line)) > 0) {
		if (first && fc_jline_get(&line, "forkchaos"))
			fc_jline_num(&line, "pid", &g.root);
		else if (scan_line(&g, &line) < 0)
			break;
		first = 0;
	}
	fc_trace_close(&reader);
	if (got != 0) {
		snprintf(err, errlen, "cannot read the clean run's trace %s: %s", path,
			 got < 0 ? strerror(errno) : "out of memory");
		goto done;
	}
	mark_neighbours(&g);
	rc = 0;
done:
	fc__table_free(&g.sites);
	fc__table_free(&g.counts);
	fc__table_free(&g.points);
	fc__table_free(&g.roots);
	fc__table_free(&g.threads);
	fc__table_free(&g.handlers);
	free(g.line_point);
	free(g.line_pid);
	return rc;
}

/* ---- the candidates ---- */

/* The delays, log-spaced from 10 us to 50 ms, the likeliest to reorder
 * parent and child first. */
static const char *const delays[] = { "50ms", "1ms", "10us", "10ms", "100us" };
#define NDELAYS (int)(sizeof delays / sizeof delays[0])
static const char *const oldacts[] = { "dfl-siginfo", "ign-siginfo", "handler-siginfo", "handler", "ign", "dfl" };
#define NOLDACTS (int)(sizeof oldacts / sizeof oldacts[0])
/* The sides of a point's events, the most telling first. */
enum { SIDE_INSIDE, SIDE_EXIT, SIDE_ENTER, NSIDES };
static const char *const side_items[NSIDES] = { "at=inside:", "at=exit:", "" };
static const char *const side_names[NSIDES] = { "inside", "exit", "enter" };

struct gen {
	struct fc_explore *e;
	size_t cap;
};

static const char *errno_name(int e, char buf[16])
{
	const char *name = strerrorname_np(e);
	if (name)
		return name;
	snprintf(buf, 16, "%d", e);
	return buf;
}

static int add(struct gen *g, int point, int kind, int variant, int tolerated, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static int add(struct gen *g, int point, int kind, int variant, int tolerated, const char *fmt, ...)
{
	struct fc_explore *e = g->e;
	struct fc_candidate *c = fc__grow(e->cands, &g->cap, (size_t)e->ncands, sizeof *c);
	if (!c)
		return -1;
	e->cands = c;
	c += e->ncands++;
	int sub = e->ncands > 1 && c[-1].point == point && c[-1].kind == kind ? c[-1].sub + 1 : 0;
	*c = (struct fc_candidate){ .point = point, .kind = kind, .variant = variant, .tolerated = tolerated, .sub = sub };
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->rule, sizeof c->rule, fmt, ap);
	va_end(ap);
	return 0;
}

/* Whether the call can fail with E at point P, as it was made there:
 * nothing a wrong argument alone causes; EINTR only where a handler can
 * interrupt it (a handler without SA_RESTART, or any for a call the kernel
 * never restarts, and close) and only where it blocks (never a WNOHANG
 * wait); EAGAIN from libc's waitid only on a nonblocking pidfd, which the
 * calls through libc never give. */
static int can_fail(const struct fc_point *p, int id, int e)
{
	unsigned flags = fc_calls[id].flags;
	if (fc_sweep_caller_error(e))
		return 0;
	if (e == EINTR) {
		if (flags & FC_F_CLOSES)
			return (p->flags & FC_PT_HANDLERS) != 0;
		if (!(flags & FC_F_BLOCKING) || (p->flags & FC_PT_NOHANG))
			return 0;
		return (flags & FC_F_NO_RESTART) ? (p->flags & FC_PT_HANDLERS) != 0 : (p->flags & FC_PT_NORESTART) != 0;
	}
	return !(e == EAGAIN && id == FC_ID_waitid);
}

static int sides_of(int id, int sides[NSIDES])
{
	int n = 0;
	unsigned flags = fc_calls[id].flags;
	if (flags & FC_F_INSIDE)
		sides[n++] = SIDE_INSIDE;
	if (!(flags & (FC_F_ENTER_ONLY | FC_F_EXECS)))
		sides[n++] = SIDE_EXIT;
	sides[n++] = SIDE_ENTER;
	return n;
}

static int signal_text(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);
	return abbrev ? snprintf(buf, len, "SIG%s", abbrev) : snprintf(buf, len, "%d", sig);
}

/* Every candidate of point P (its site's key KEY). */
static int point_candidates(struct gen *g, int p)
{
	struct fc_explore *e = g->e;
	const struct fc_point *pt = &e->points[p];
	const struct fc_site *site = &e->s.sites[pt->site];
	int id = fc_call_lookup(site->call, strlen(site->call)), sides[NSIDES], nsides, rc = 0;
	char num[16], sig[32];
	if (id < 0 || site->note)
		return 0;
	const char *key = site->key;
	unsigned flags = fc_calls[id].flags;
	nsides = sides_of(id, sides);
	/* errors */
	for (const char *q = fc_calls[id].errnos; *q && rc == 0; q += *q != 0) {
		size_t len = strcspn(q, " ");
		int err = fc_errno_lookup(q, len);
		if (err > 0 && can_fail(pt, id, err))
			rc = add(g, p, FC_EK_ERROR, err, 0, "%s:when=%d:%serror=%s", key, pt->n,
				 (flags & FC_F_CLOSES) ? "at=exit:" : "", errno_name(err, num));
		q += len;
	}
	for (int k = 0; k < e->nsignals && rc == 0; k++) {
		signal_text(e->signals[k], sig, sizeof sig);
		for (int i = 0; i < nsides && rc == 0; i++)
			rc = add(g, p, FC_EK_SIGNAL, k * NSIDES + sides[i], 1, "%s:when=%d:%ssignal=%s", key, pt->n,
				 side_items[sides[i]], sig);
		for (int i = 0; i < nsides && rc == 0 && (pt->flags & FC_PT_THREADS); i++)
			if (sides[i] != SIDE_INSIDE)
				rc = add(g, p, FC_EK_OTHER, k * NSIDES + sides[i], 1, "%s:when=%d:%ssignal=%s@other", key, pt->n,
					 side_items[sides[i]], sig);
	}
	/* a reaper or a dying helper in a descendant that makes no child
	 * itself finds nothing: the first process's points only */
	for (int i = 0; i < nsides && rc == 0 && !(pt->flags & FC_PT_CHILDPROC); i++) {
		if (sides[i] == SIDE_INSIDE)
			continue;
		rc = add(g, p, FC_EK_REAP, sides[i], 0, "%s:when=%d:%sreap=any", key, pt->n, side_items[sides[i]]);
		if (rc == 0)
			rc = add(g, p, FC_EK_DEATH, sides[i], 1, "%s:when=%d:%schild_death=exit", key, pt->n,
				 side_items[sides[i]]);
	}
	/* the prior disposition: tolerated where nothing of the program's own
	 * can be there yet (its first look) */
	for (int k = 0; k < NOLDACTS && rc == 0 && id == FC_ID_sigaction && pt->sig == SIGCHLD; k++)
		rc = add(g, p, FC_EK_OLDACT, k, (pt->flags & FC_PT_FIRST) != 0, "%s:when=%d:oldact=%s", key, pt->n, oldacts[k]);
	/* reordering parent and child: the parent held after the fork, the
	 * child at its first calls */
	int parent_fork = (pt->flags & FC_PT_FORKS) && !(pt->flags & FC_PT_CHILDPROC) && !(flags & FC_F_ENTER_ONLY);
	for (int k = 0; k < NDELAYS && rc == 0 && (parent_fork || ((pt->flags & FC_PT_CHILDPROC) && pt->n == 1)); k++)
		rc = add(g, p, FC_EK_DELAY, k, 1, "%s:when=%d:%s=%s", key, pt->n, parent_fork ? "delay_exit" : "delay",
			 delays[k]);
	return rc;
}

/* sys_NAME absent (an older kernel, a sandbox's ENOSYS): every call of it,
 * tolerated (a library that reaches a new syscall must fall back).  One
 * candidate per call, at its first point. */
static int nosys_candidates(struct gen *g)
{
	struct fc_explore *e = g->e;
	uint64_t done[FC_CALL_WORDS] = { 0 };
	for (int p = 0; p < e->npoints; p++) {
		const struct fc_site *site = &e->s.sites[e->points[p].site];
		int id = fc_call_lookup(site->call, strlen(site->call));
		if (id < 0 || id == FC_ID_syscall || !(fc_calls[id].flags & FC_F_SYS) || (done[id / 64] >> (id % 64) & 1))
			continue;
		done[id / 64] |= 1ull << (id % 64);
		if (add(g, p, FC_EK_NOSYS, ENOSYS, 1, "%s:error=ENOSYS", site->call) < 0)
			return -1;
	}
	return 0;
}

int fc_explore_candidates(struct fc_explore *e, char *err, size_t errlen)
{
	struct gen g = { .e = e };
	e->ncands = 0;
	if (nosys_candidates(&g) < 0)
		goto oom;
	for (int p = 0; p < e->npoints; p++)
		if (point_candidates(&g, p) < 0)
			goto oom;
	for (int k = 0; k < e->ncands; k++)
		e->cands[k].tolerated = e->cands[k].tolerated && kind_tolerated[e->cands[k].kind];
	return 0;
oom:
	snprintf(err, errlen, "out of memory for the candidates");
	return -1;
}

int fc_explore_job_cands(const struct fc_explore *e, int job, int out[2])
{
	if (job < e->ncands) {
		out[0] = job;
		return 1;
	}
	out[0] = e->pairs[job - e->ncands].a;
	out[1] = e->pairs[job - e->ncands].b;
	return 2;
}

int fc_explore_job_tolerated(const struct fc_explore *e, int job)
{
	int c[2], n = fc_explore_job_cands(e, job, c);
	return e->cands[c[0]].tolerated && (n == 1 || e->cands[c[1]].tolerated);
}

void fc_explore_plan(const struct fc_explore *e, int job, char *buf, size_t len)
{
	int c[2], n = fc_explore_job_cands(e, job, c);
	const char *base = e->s.opt.plan && *e->s.opt.plan ? e->s.opt.plan : NULL;
	snprintf(buf, len, "%s%s%s%s%s", e->cands[c[0]].rule, n == 2 ? ";" : "", n == 2 ? e->cands[c[1]].rule : "",
		 base ? ";" : "", base ? base : "");
}

void fc_explore_label(const struct fc_explore *e, int cand, char *buf, size_t len)
{
	const struct fc_candidate *c = &e->cands[cand];
	char num[16], sig[32];
	const char *kind = fc_explore_kind_names[c->kind];
	switch (c->kind) {
	case FC_EK_ERROR:
	case FC_EK_NOSYS: snprintf(buf, len, "%s %s", kind, errno_name(c->variant, num)); break;
	case FC_EK_SIGNAL:
	case FC_EK_OTHER:
		signal_text(e->signals[c->variant / NSIDES], sig, sizeof sig);
		snprintf(buf, len, "%s %s %s", kind, sig, side_names[c->variant % NSIDES]);
		break;
	case FC_EK_REAP:
	case FC_EK_DEATH: snprintf(buf, len, "%s %s", kind, side_names[c->variant]); break;
	case FC_EK_DELAY: snprintf(buf, len, "%s %s", kind, delays[c->variant]); break;
	default: snprintf(buf, len, "%s %s", kind, oldacts[c->variant]);
	}
}

/* explore's points and candidates, from the clean run's trace alone (so
 * that --resume and the shards of one explore make the same list).
 *
 * A point is the Nth call of a sweep site (call x caller x process role)
 * in a process: what when=N selects, counting per process.  The trace
 * says of its first instance whether a handler made it, its signal,
 * whether the process had threads by then, whether it was a WNOHANG wait.
 * Each point then gets its candidates (explore_cands.c). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "explore.h"
#include "plan.h"
#include "trace_read.h"

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

static int site_index(struct scan *g, const char *call, const char *caller, const char *via, int child, long long nr)
{
	struct fc__strings *st = &g->e->s.strings;
	struct fc__key k = { .s = { fc__intern(st, call), fc__intern(st, caller), via }, .i = { child, nr } };
	const struct fc__row *row = fc__table_find(&g->sites, &k);
	return row ? (int)row->n - 1 : -1;
}

static int index_sites(struct scan *g)
{
	const struct fc_sweep *s = &g->e->s;
	for (int i = 0; i < s->nsites; i++) {
		struct fc__key k = { .s = { s->sites[i].call, s->sites[i].caller, s->sites[i].via },
				     .i = { s->sites[i].child, s->sites[i].nr } };
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
	const char *caller = fc_sweep_line_caller(l);
	int child = pid != g->root && !has(&g->roots, pid);
	int site = site_index(g, call, caller, fc_sweep_line_via(&g->e->s.strings, l, id), child, nr);
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

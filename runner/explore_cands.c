/* explore's candidates: each point gets the perturbations its call can
 * take, as the clean run's trace says it was made: a signal at each side
 * (enter, inside where the call has one, exit), to the calling thread and
 * to another, a helper child's death, a foreign reap, a prior disposition
 * (sigaction on SIGCHLD), a delay (after a call that makes a child, in the
 * parent; at a child's first calls), an errno the call can really give
 * there, and for a syscall newer kernels added its absence (ENOSYS). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "explore.h"
#include "plan.h"

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
	/* a syscall-level point: the layer acts before the kernel runs the
	 * call and lets it run straight back, with error=, delay= and
	 * signal= only (plan_via.c): nothing at its exit or inside it, no
	 * reaper or helper */
	int layer = site->via && !strcmp(site->via, "syscall");
	nsides = layer ? 0 : sides_of(id, sides);
	if (layer)
		sides[nsides++] = SIDE_ENTER;
	/* errors */
	for (const char *q = fc_calls[id].errnos; *q && rc == 0; q += *q != 0) {
		size_t len = strcspn(q, " ");
		int err = fc_errno_lookup(q, len);
		if (err > 0 && can_fail(pt, id, err) && !(layer && (flags & FC_F_CLOSES)))
			rc = add(g, p, FC_EK_ERROR, err, 0, "%s:when=%d:%serror=%s", key, pt->n,
				 (flags & FC_F_CLOSES) ? "at=exit:" : "", fc_sweep_errno_name(err, num));
		q += len;
	}
	for (int k = 0; k < e->nsignals && rc == 0; k++) {
		signal_text(e->signals[k], sig, sizeof sig);
		for (int i = 0; i < nsides && rc == 0; i++)
			rc = add(g, p, FC_EK_SIGNAL, k * NSIDES + sides[i], 1, "%s:when=%d:%ssignal=%s", key, pt->n,
				 side_items[sides[i]], sig);
		for (int i = 0; i < nsides && rc == 0 && !layer && (pt->flags & FC_PT_THREADS); i++)
			if (sides[i] != SIDE_INSIDE)
				rc = add(g, p, FC_EK_OTHER, k * NSIDES + sides[i], 1, "%s:when=%d:%ssignal=%s@other", key, pt->n,
					 side_items[sides[i]], sig);
	}
	/* a reaper or a dying helper in a descendant that makes no child
	 * itself finds nothing: the first process's points only */
	for (int i = 0; i < nsides && rc == 0 && !layer && !(pt->flags & FC_PT_CHILDPROC); i++) {
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
	int parent_fork = !layer && (pt->flags & FC_PT_FORKS) && !(pt->flags & FC_PT_CHILDPROC) && !(flags & FC_F_ENTER_ONLY);
	for (int k = 0; k < NDELAYS && rc == 0 && (parent_fork || ((pt->flags & FC_PT_CHILDPROC) && pt->n == 1)); k++)
		rc = add(g, p, FC_EK_DELAY, k, 1, "%s:when=%d:%s=%s", key, pt->n, parent_fork ? "delay_exit" : "delay",
			 delays[k]);
	return rc;
}

/* The syscalls a kernel still in use may lack (ENOSYS there, or under a
 * sandbox that denies what it does not know): a library that reaches one
 * through syscall(2) must fall back.  The old ones (close, read, wait4...)
 * every kernel has. */
static const char *const new_syscalls[] = {
	"sys_clone3",            /* Linux 5.3 */
	"sys_pidfd_open",        /* 5.3 */
	"sys_pidfd_send_signal", /* 5.1 */
	"sys_close_range",       /* 5.9 */
	"sys_execveat",          /* 3.19 */
};

static int may_be_missing(const char *call)
{
	for (size_t i = 0; i < sizeof new_syscalls / sizeof new_syscalls[0]; i++)
		if (!strcmp(call, new_syscalls[i]))
			return 1;
	return 0;
}

/* sys_NAME absent (an older kernel, a sandbox's ENOSYS): every call of it,
 * tolerated.  One candidate per call, at its first point. */
static int nosys_candidates(struct gen *g)
{
	struct fc_explore *e = g->e;
	uint64_t done[FC_CALL_WORDS] = { 0 };
	for (int p = 0; p < e->npoints; p++) {
		const struct fc_site *site = &e->s.sites[e->points[p].site];
		int id = fc_call_lookup(site->call, strlen(site->call));
		if (id < 0 || !may_be_missing(site->call) || (done[id / 64] >> (id % 64) & 1))
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
	case FC_EK_NOSYS: snprintf(buf, len, "%s %s", kind, fc_sweep_errno_name(c->variant, num)); break;
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

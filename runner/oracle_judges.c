/* The judges of oracles.def's rows.  Each sees one report line at a time,
 * already split and checked against its row's form (oracle.c), then NULL
 * for the verdict; it returns 1 with a one-line detail when the invariant
 * failed. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include "oracle_judge.h"

int fc__judge_fail(struct fc_judge *j, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->detail, j->len, fmt, ap);
	va_end(ap);
	return 1;
}

/* Fields A and B of OBS (EXPECTED and GOT) differ: FMT, given the fields
 * in order, says how. */
static int __attribute__((format(printf, 5, 0)))
differ(struct fc_judge *j, const struct fc_obs *obs, int a, int b, const char *fmt)
{
	if (!obs || !strcmp(obs->field[a], obs->field[b]))
		return 0;
	return fc__judge_fail(j, fmt, obs->field[0], obs->field[1], obs->field[2], obs->nfields > 3 ? obs->field[3] : "");
}

int fc__judge_hang(struct fc_judge *j, const struct fc_obs *obs)
{
	if (!j->out->timed_out)
		return 0;
	return fc__judge_fail(j, "ran past its timeout; the tree was killed (stuck: %s)", j->out->stuck);
}

/* The signals a process gets for its own fault or abort (those whose
 * default action dumps core): a descendant's death by one is a crash.
 * SIGKILL, SIGTERM and the like are how a parent ends a child on purpose
 * (the drivers do, and status-once judges what the parent was told). */
static const int crash_signals[] = { SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGSYS, SIGXCPU, SIGXFSZ };

static int is_crash_signal(long sig)
{
	for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++)
		if (crash_signals[i] == sig)
			return 1;
	return 0;
}

static const char *signal_name(long sig)
{
	const char *name = sig > 0 && sig < NSIG ? sigabbrev_np((int)sig) : NULL;
	return name ? name : "?";
}

/* The first crashed descendant and how many there were. */
struct crashes {
	int count;
	long pid, sig;
};

static void crashed(struct crashes *c, long pid, long sig)
{
	if (!is_crash_signal(sig))
		return;
	if (!c->count++) {
		c->pid = pid;
		c->sig = sig;
	}
}

/* The target itself, by any signal; its descendants by a crash signal:
 * from the shim's child-signaled lines (a process of the target reaped
 * them) and from the orphans the runner reaped. */
int fc__judge_crash(struct fc_judge *j, const struct fc_obs *obs)
{
	struct crashes *c = (struct crashes *)j->state.bytes;
	const struct fc_outcome *out = j->out;
	if (obs) {
		crashed(c, obs->num[0], obs->num[1]);
		return 0;
	}
	if (out->timed_out)
		return 0;
	if (WIFSIGNALED(out->status)) {
		int sig = WTERMSIG(out->status);
		return fc__judge_fail(j, "the target died by signal %d (SIG%s)%s", sig, signal_name(sig),
				      WCOREDUMP(out->status) ? ", core dumped" : "");
	}
	for (int i = 0; i < out->signaled && i < FC_MAX_SIGNALED; i++)
		crashed(c, out->signaled_first[i].pid, out->signaled_first[i].sig);
	if (!c->count)
		return 0;
	if (c->count > 1)
		return fc__judge_fail(j, "%d descendants died by a signal; the first: pid %ld by signal %ld (SIG%s)", c->count,
				      c->pid, c->sig, signal_name(c->sig));
	return fc__judge_fail(j, "descendant pid %ld died by signal %ld (SIG%s)", c->pid, c->sig, signal_name(c->sig));
}

int fc__judge_stray(struct fc_judge *j, const struct fc_obs *obs)
{
	if (!j->out->strays)
		return 0;
	return fc__judge_fail(j, "%d descendant process(es) left behind when the target exited: %s", j->out->strays,
			      j->out->strays_what);
}

/* differs WHAT EXPECTED GOT (run --expect's): WHAT is exit (the code run
 * exits with) or output (stdout's hash, numbers folded) */
int fc__judge_differs(struct fc_judge *j, const struct fc_obs *obs)
{
	if (!obs || !strcmp(obs->field[1], obs->field[2]))
		return 0;
	if (!strcmp(obs->field[0], "exit"))
		return fc__judge_fail(j,
				      "exit status %s, the clean run's %s: a perturbation a correct program tolerates changed it",
				      obs->field[2], obs->field[1]);
	return fc__judge_fail(j, "its output differs from the clean run's (numbers aside): hash %s, the clean run's %s",
			      obs->field[2], obs->field[1]);
}

/* exit: N (default 0), or any */
int fc__judge_exit(struct fc_judge *j, const struct fc_obs *obs)
{
	int expected = j->choice->exit_status, status = j->out->status;
	if (expected == FC_STATUS_ANY || !WIFEXITED(status) || WEXITSTATUS(status) == expected)
		return 0;
	return fc__judge_fail(j, "exit status %d, expected %d%s%s", WEXITSTATUS(status), expected,
			      *j->target_err ? "; its stderr ends: " : "", j->target_err);
}

/* A field of a shim line as written there: %XX for a blank, a control
 * byte or '%' (inject/oracles.c); shown decoded. */
static void decode(const char *field, char *out, size_t len)
{
	size_t used = 0;
	for (const char *p = field; *p && used + 1 < len; p++) {
		unsigned hi, lo;
		if (p[0] == '%' && sscanf(p + 1, "%1x%1x", &hi, &lo) == 2) {
			unsigned char ch = (unsigned char)(hi << 4 | lo);
			out[used++] = ch < ' ' || ch == 0x7f ? '?' : (char)ch;
			p += 2;
		} else {
			out[used++] = *p;
		}
	}
	out[used] = 0;
}

/* The shim's lines of one kind: how many, and the detail of the first,
 * which the verdict shows with the count. */
struct first_of {
	int count;
	char first[600];
};

static int note_first(struct first_of *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int note_first(struct first_of *f, const char *fmt, ...)
{
	if (f->count++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(f->first, sizeof f->first, fmt, ap);
		va_end(ap);
	}
	return 0;
}

static int verdict_of(struct fc_judge *j, const struct first_of *f, const char *what)
{
	if (!f->count)
		return 0;
	if (f->count == 1)
		return fc__judge_fail(j, "%s", f->first);
	return fc__judge_fail(j, "%d %s; the first: %s", f->count, what, f->first);
}

/* fds BEFORE AFTER (a driver's census); leak FD KIND CALL SITE (the shim's) */
int fc__judge_fds(struct fc_judge *j, const struct fc_obs *obs)
{
	struct first_of *f = (struct first_of *)j->state.bytes;
	char kind[256], site[160];
	if (obs && obs->kind == 1) {
		decode(obs->field[1], kind, sizeof kind);
		decode(obs->field[3], site, sizeof site);
		if (!strcmp(obs->field[2], "?"))
			return note_first(f, "fd %ld (%s) open at exit, not at start; made by a call the shim did not see",
					  obs->num[0], kind);
		return note_first(f, "fd %ld (%s) open at exit, not at start; made by %s at %s", obs->num[0], kind, obs->field[2],
				  site);
	}
	if (!obs)
		return verdict_of(j, f, "descriptors leaked");
	if (obs->num[0] == obs->num[1])
		return 0;
	return fc__judge_fail(j, "fd census %ld before, %ld after (%+ld)", obs->num[0], obs->num[1], obs->num[1] - obs->num[0]);
}

/* double-close FD CALL SITE */
int fc__judge_double_close(struct fc_judge *j, const struct fc_obs *obs)
{
	struct first_of *f = (struct first_of *)j->state.bytes;
	char site[160];
	if (!obs)
		return verdict_of(j, f, "closes of descriptors that were not open");
	decode(obs->field[2], site, sizeof site);
	return note_first(f, "%s(%ld) at %s: the descriptor was not open (EBADF), no rule injected it", obs->field[1],
			  obs->num[0], site);
}

/* spawned ID (all of them first), then status ID EXPECTED GOT */
#define MAX_CHILDREN 1024
struct children {
	int count;
	int ids[MAX_CHILDREN];
	int deliveries[MAX_CHILDREN];
};

static int delivered(struct fc_judge *j, struct children *kids, const struct fc_obs *obs)
{
	long id = obs->num[0];
	for (int i = 0; i < kids->count; i++) {
		if (kids->ids[i] != id)
			continue;
		if (++kids->deliveries[i] > 1)
			return fc__judge_fail(j, "child %ld: exit status delivered %d times", id, kids->deliveries[i]);
		if (strcmp(obs->field[1], obs->field[2]))
			return fc__judge_fail(j, "child %ld: expected %s, got %s", id, obs->field[1], obs->field[2]);
		return 0;
	}
	return fc__judge_fail(j, "a status for child %ld, which the driver never spawned", id);
}

int fc__judge_status(struct fc_judge *j, const struct fc_obs *obs)
{
	struct children *kids = (struct children *)j->state.bytes;
	_Static_assert(sizeof(struct children) <= sizeof j->state, "the children table fits the judge's state");
	if (obs && obs->kind == 0) {
		if (kids->count < MAX_CHILDREN)
			kids->ids[kids->count++] = (int)obs->num[0]; /* '#' fields fit an int */
		return 0;
	}
	if (obs)
		return delivered(j, kids, obs);
	for (int i = 0; i < kids->count; i++)
		if (kids->deliveries[i] == 0)
			return fc__judge_fail(j, "child %d: exit status never delivered", kids->ids[i]);
	return 0;
}

static const char *signal_of(long sig, char *buf, size_t len)
{
	snprintf(buf, len, "SIG%s", signal_name(sig));
	return buf;
}

/* chain CALLS EXPECTED (a driver's count); handler-lost SIG NEW OLD SITE
 * and handler-unchained SIG HANDLER PRED SITE (the shim's) */
int fc__judge_chain(struct fc_judge *j, const struct fc_obs *obs)
{
	struct first_of *f = (struct first_of *)j->state.bytes;
	char sig[32], a[160], b[160], site[160];
	if (!obs)
		return verdict_of(j, f, "SIGCHLD handler chains broken");
	if (obs->kind == 0) {
		if (obs->num[0] == obs->num[1])
			return 0;
		return fc__judge_fail(j, "the previous SIGCHLD handler was called %ld times for %ld SIGCHLDs", obs->num[0],
				      obs->num[1]);
	}
	signal_of(obs->num[0], sig, sizeof sig);
	decode(obs->field[1], a, sizeof a);
	decode(obs->field[2], b, sizeof b);
	decode(obs->field[3], site, sizeof site);
	if (obs->kind == 1)
		return note_first(f, "%s handler %s installed at %s over %s without reading it: %s is lost", sig, a, site, b, b);
	return note_first(f, "%s handler %s (installed at %s) read its predecessor %s and returned without calling it", sig, a,
			  site, b);
}

/* errno WHERE EXPECTED GOT (a driver's); handler-errno SIG HANDLER BEFORE
 * AFTER (the shim's) */
int fc__judge_errno(struct fc_judge *j, const struct fc_obs *obs)
{
	struct first_of *f = (struct first_of *)j->state.bytes;
	char sig[32], fn[160];
	if (!obs)
		return verdict_of(j, f, "handlers changed errno");
	if (obs->kind == 0)
		return differ(j, obs, 1, 2, "errno changed across the SIGCHLD handler at %s: %s became %s");
	decode(obs->field[1], fn, sizeof fn);
	const char *before = strerrorname_np((int)obs->num[2]), *after = strerrorname_np((int)obs->num[3]);
	return note_first(f, "the %s handler %s returned with errno changed: %s (%ld) became %s (%ld)",
			  signal_of(obs->num[0], sig, sizeof sig), fn, before ? before : "0", obs->num[2], after ? after : "0",
			  obs->num[3]);
}

/* eintr CALL COUNT (a driver's); intr CALL SITE SIG HANDLER RESTART (the
 * shim's) */
int fc__judge_eintr(struct fc_judge *j, const struct fc_obs *obs)
{
	struct first_of *f = (struct first_of *)j->state.bytes;
	char sig[32], site[160], fn[160];
	if (!obs)
		return verdict_of(j, f, "blocking calls interrupted");
	if (obs->kind == 0) {
		if (obs->num[1] == 0)
			return 0;
		return fc__judge_fail(j, "%s, a blocking call unrelated to libffd, failed with EINTR %ld time(s)", obs->field[0],
				      obs->num[1]);
	}
	decode(obs->field[1], site, sizeof site);
	decode(obs->field[3], fn, sizeof fn);
	if (obs->num[2] <= 0)
		return note_first(f, "%s at %s failed with EINTR that no rule injected", obs->field[0], site);
	return note_first(f, "%s at %s failed with EINTR that no rule injected: the %s handler %s interrupted it%s",
			  obs->field[0], site, signal_of(obs->num[2], sig, sizeof sig), fn,
			  obs->num[4] ? " (installed with SA_RESTART)" : ", installed without SA_RESTART");
}

/* result CALL RET ERRNO EXPECTED_ERRNO; EXPECTED any: a program that knows
 * no plan (ffdriver workload) knows only that a failure must set errno */
int fc__judge_api_errno(struct fc_judge *j, const struct fc_obs *obs)
{
	if (obs && !strcmp(obs->field[3], "any"))
		return strcmp(obs->field[2], "0")
			? 0
			: fc__judge_fail(j, "%s returned %s with errno 0: a failure must say in errno why", obs->field[0],
					 obs->field[1]);
	/* EXPECTED 0: the driver expected no failure (the plan's failure
	 * should have been absorbed, e.g. by a fallback) */
	if (obs && !strcmp(obs->field[3], "0") && strcmp(obs->field[2], "0"))
		return fc__judge_fail(j, "%s returned %s with errno %s where it should have succeeded (no failure expected)",
				      obs->field[0], obs->field[1], obs->field[2]);
	return differ(j, obs, 2, 3, "%s returned %s with errno %s; the failure that caused it was %s");
}

/* flag NAME EXPECTED GOT */
int fc__judge_flags(struct fc_judge *j, const struct fc_obs *obs)
{
	return differ(j, obs, 1, 2, "flag %s: expected %s, got %s (lost without an error)");
}

/* fd_intact FD 1|0 */
int fc__judge_foreign_close(struct fc_judge *j, const struct fc_obs *obs)
{
	if (!obs || obs->num[1])
		return 0;
	return fc__judge_fail(j, "fd %ld, which the library never owned, was closed under the driver", obs->num[0]);
}

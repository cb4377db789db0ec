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

int fc__judge_crash(struct fc_judge *j, const struct fc_obs *obs)
{
	if (j->out->timed_out || !WIFSIGNALED(j->out->status))
		return 0;
	int sig = WTERMSIG(j->out->status);
	return fc__judge_fail(j, "the driver died by signal %d (SIG%s)%s", sig, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?",
			      WCOREDUMP(j->out->status) ? ", core dumped" : "");
}

int fc__judge_stray(struct fc_judge *j, const struct fc_obs *obs)
{
	if (!j->out->strays)
		return 0;
	return fc__judge_fail(j, "%d descendant process(es) left behind when the driver exited (killed and reaped by the runner)",
			      j->out->strays);
}

/* fds BEFORE AFTER */
int fc__judge_fds(struct fc_judge *j, const struct fc_obs *obs)
{
	if (!obs || obs->num[0] == obs->num[1])
		return 0;
	return fc__judge_fail(j, "fd census %ld before, %ld after (%+ld)", obs->num[0], obs->num[1], obs->num[1] - obs->num[0]);
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

/* chain CALLS EXPECTED */
int fc__judge_chain(struct fc_judge *j, const struct fc_obs *obs)
{
	if (!obs || obs->num[0] == obs->num[1])
		return 0;
	return fc__judge_fail(j, "the previous SIGCHLD handler was called %ld times for %ld SIGCHLDs", obs->num[0], obs->num[1]);
}

/* errno WHERE EXPECTED GOT */
int fc__judge_errno(struct fc_judge *j, const struct fc_obs *obs)
{
	return differ(j, obs, 1, 2, "errno changed across the SIGCHLD handler at %s: %s became %s");
}

/* eintr CALL COUNT */
int fc__judge_eintr(struct fc_judge *j, const struct fc_obs *obs)
{
	if (!obs || obs->num[1] == 0)
		return 0;
	return fc__judge_fail(j, "%s, a blocking call unrelated to libffd, failed with EINTR %ld time(s)", obs->field[0],
			      obs->num[1]);
}

/* result CALL RET ERRNO EXPECTED_ERRNO */
int fc__judge_api_errno(struct fc_judge *j, const struct fc_obs *obs)
{
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

/* The actions a rule takes: delay, signal, injected failure.  Order for one
 * call: delay, enter-side signal, skip-with-failure or the real call,
 * at=inside signal (the INSIDE hook), delay_exit, exit-side failure, trace,
 * errno, exit-side signal last (so a handler that clobbers errno is seen by
 * the caller, as it would be with a real asynchronous signal). */
#include <time.h>
#include <unistd.h>
#include "libc.h"
#include "shim.h"
#include "stats.h"

static void sleep_ns(uint64_t ns)
{
	struct timespec deadline;
	fc__now(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)(ns / 1000000000u);
	deadline.tv_nsec += (long)(ns % 1000000000u);
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	/* An absolute deadline: a handler that interrupts the delay does not
	 * stretch it, and the delay is never cut short. */
	while (fc__clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline) == -EINTR)
		;
}

/* The child a call made: fork-like calls return it; otherwise (posix_spawn,
 * a later call) the last child this process made. */
static pid_t child_of(const struct fc_call *c, long ret)
{
	int returns_child = fc_calls[c->id].flags & FC_F_RET_CHILD;
	return returns_child && ret > 0 ? (pid_t)ret : fc__state.last_child;
}

/* wait_child=: hold the window open until the child is dead (a zombie, or
 * already reaped by someone), a deterministic replacement for "sleep long
 * enough".  Peeks with WNOWAIT: the child's status stays for its reaper. */
static void wait_child_exit(pid_t pid, uint64_t max_ns)
{
	struct timespec tick = { 0, 1000000 };
	if (pid <= 0)
		return;
	for (uint64_t waited = 0; waited < max_ns; waited += 1000000) {
		siginfo_t info;
		info.si_pid = 0;
		if (fc__waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid == pid)
			return;
		fc__clock_nanosleep(CLOCK_MONOTONIC, 0, &tick);
	}
}

static void send_signal(const struct fc_rule *rule, const struct fc_call *c, long ret)
{
	pid_t target;
	switch (rule->sigdest) {
	case FC_DEST_SELF:
	case FC_DEST_THREAD:
		/* The calling thread: delivered before the syscall returns to us. */
		fc__tgkill(fc__getpid(), fc__gettid(), rule->signo);
		return;
	case FC_DEST_PARENT: target = fc__getppid(); break;
	case FC_DEST_CHILD:
		target = child_of(c, ret);
		if (target <= 0)
			return;
		break;
	default: target = fc__getpid();
	}
	/* A raw kill: a failure (the child is gone) does not show in errno,
	 * while a handler's own change to errno does, as it would with a real
	 * asynchronous signal. */
	fc__kill(target, rule->signo);
}

/* How the call fails with ERROR: its return value (errno in *err). */
static long failure_value(const struct fc_call *c, int error, int *err)
{
	if (fc_calls[c->id].flags & FC_F_RET_ERRNO)
		return error;
	*err = error;
	return fc_calls[c->id].flags & FC_F_RET_PTR ? 0 : -1; /* NULL, or -1 (SIG_ERR too) */
}

/* What an injected failure returns, and the errno that goes with it. */
static long injected_value(const struct fc_call *c, const struct fc_rule *rule, int *err)
{
	if (rule->actions & FC_ACT_RETVAL) {
		if (rule->actions & FC_ACT_ERROR)
			*err = rule->error;
		return rule->retval;
	}
	return failure_value(c, rule->error, err);
}

/* The errno a result stands for, 0 when the call succeeded. */
static int failure_errno(const struct fc_call *c, long ret, int err)
{
	unsigned flags = fc_calls[c->id].flags;
	if (flags & FC_F_RET_ERRNO)
		return (int)ret;
	if (flags & FC_F_RET_PTR)
		return ret == 0 ? err : 0;
	return ret == -1 ? err : 0;
}

static int acts_after(const struct fc_rule *rule)
{
	return rule->at != FC_AT_ENTER && (rule->actions & (FC_ACT_ERROR | FC_ACT_RETVAL));
}

/* An injection the call could never give in this mode: a WNOHANG wait
 * does not block, so no signal can interrupt it.  Said once per rule, in
 * the stats region (the launcher prints it) and in the trace. */
static void note_impossible(const struct fc_call *c, const struct fc_rule *rule, int err)
{
	if (err != EINTR || !(c->seen & FC_SEEN_WAIT) || !(c->options & WNOHANG))
		return;
	if (fc__stats && (__atomic_load_n(&fc__stats->notes[c->rule], __ATOMIC_RELAXED) & FC_NOTE_EINTR_NOHANG))
		return;
	fc__note(c->rule, FC_NOTE_EINTR_NOHANG);
	fc__trace_warning(fc_calls[c->id].name, ":error=EINTR",
			  " injected into a WNOHANG call, which never blocks and so is never interrupted; at=exit would "
			  "report EINTR after the real call, losing what it reaped");
}

int fc__pre(struct fc_call *c, long *ret)
{
	if (FC_UNLIKELY(c->on_trace_fd)) {
		/* the trace's descriptor is not the target's: as if it were not
		 * open, which it would not be without the shim */
		int err = EBADF;
		*ret = failure_value(c, EBADF, &err);
		fc__trace_event(c, *ret, EBADF);
		errno = err;
		return 1;
	}
	const struct fc_rule *rule = fc__rule(c);
	if (rule && (rule->actions & FC_ACT_DELAY))
		sleep_ns(rule->delay_ns);
	errno = c->saved_errno;
	if (rule && (rule->actions & FC_ACT_SIGNAL) && rule->at == FC_AT_ENTER)
		send_signal(rule, c, 0);
	if (!rule || rule->at != FC_AT_ENTER || !(rule->actions & (FC_ACT_ERROR | FC_ACT_RETVAL))) {
		errno = c->saved_errno;
		return 0;
	}
	int err = c->saved_errno;
	*ret = injected_value(c, rule, &err);
	c->injected = 1;
	note_impossible(c, rule, err);
	fc__trace_event(c, *ret, failure_errno(c, *ret, err));
	errno = err;
	return 1;
}

int fc__wants_inside(const struct fc_call *c)
{
	const struct fc_rule *rule = fc__rule(c);
	return rule && rule->at == FC_AT_INSIDE && (rule->actions & FC_ACT_SIGNAL) && !c->child_side;
}

void fc__inside(struct fc_call *c)
{
	int err = errno;
	send_signal(fc__rule(c), c, 0);
	c->at = -1; /* raised: the exit side must not raise it again */
	errno = err;
}

long fc__post(struct fc_call *c, long ret)
{
	int err = errno;
	const struct fc_rule *rule = c->child_side ? NULL : fc__rule(c);
	if (rule && (rule->actions & FC_ACT_DELAY_EXIT))
		sleep_ns(rule->delay_exit_ns);
	if (rule && (rule->actions & FC_ACT_WAIT_CHILD))
		wait_child_exit(child_of(c, ret), rule->wait_child_ns);
	/* WINDOW: 9 (close retried on EINTR): at=exit:error=EINTR reports EINTR
	 * after the kernel closed the fd, exactly as Linux does. */
	if (rule && acts_after(rule)) {
		ret = injected_value(c, rule, &err);
		c->injected = 1;
	} else {
		fc__seen_result(c, ret);
		fc__oracle_after(c, ret, failure_errno(c, ret, err));
	}
	fc__trace_event(c, ret, failure_errno(c, ret, err));
	errno = err;
	if (rule && (rule->actions & FC_ACT_SIGNAL) && c->at != FC_AT_ENTER && c->at != -1)
		send_signal(rule, c, ret);
	return ret;
}

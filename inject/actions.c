/* The actions a rule takes: delay, the point's events (a foreign reap, a
 * helper child's death, a signal), injected failure, a rewritten oldact.
 * Order for one call: delay, enter-side events, skip-with-failure or the
 * real call, at=inside events (the INSIDE hook), delay_exit, exit-side
 * failure, trace, errno, exit-side events last (so a handler that clobbers
 * errno is seen by the caller, as it would be with a real asynchronous
 * signal).  Everything here may run in a signal handler and in a vfork
 * child: raw system calls, no locks, no malloc. */
#include <fcntl.h>
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

/* Another thread of this process than the caller: the first that
 * /proc/self/task lists (the oldest), 0 when there is none.  A small
 * buffer: this may run on a handler's stack. */
struct task_entry { /* getdents64's record (the kernel's linux_dirent64) */
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

static pid_t other_thread(void)
{
	_Alignas(8) char buf[128];
	pid_t self = fc__gettid(), found = 0;
	int fd = fc__open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	long got;
	if (fd < 0)
		return 0;
	while (!found && (got = fc__sys(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < got && !found;) {
			const struct task_entry *d = (const struct task_entry *)(buf + off);
			uint64_t tid;
			if (fc__parse_u64(d->name, &tid) && (pid_t)tid != self)
				found = (pid_t)tid;
			off += d->reclen ? d->reclen : got;
		}
	}
	fc__close(fd);
	return found;
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
	case FC_DEST_OTHER:
		/* a thread the call did not come from (one blocked in read(), say):
		 * what the kernel does with a process signal the caller blocks */
		target = other_thread();
		if (target > 0)
			fc__tgkill(fc__getpid(), target, rule->signo);
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

/* reap=any: every child of the process dead at this instant is reaped, as
 * waitpid(-1, WNOHANG) in another component would: its status is lost to
 * the program, which must then get ECHILD, not hang.  A child dead by a
 * signal is still observed (crash judges descendants whoever reaps them). */
static void reap_any(void)
{
	for (int n = 0; n < 4096; n++) {
		int status = 0;
		long pid = fc__sys6(SYS_wait4, -1, (long)&status, WNOHANG, 0, 0, 0);
		if (pid <= 0)
			return;
		if (WIFSIGNALED(status))
			fc__observe_signaled((pid_t)pid, WTERMSIG(status));
	}
}

/* child_death=: a helper child of the caller dies at this point, so that a
 * real SIGCHLD with a reapable child arrives (another component's child),
 * not only a bare signal.  A raw clone: no atfork handler of the program
 * runs, and the child does nothing but die.  The caller goes on once the
 * helper is a zombie: the signal has been sent, and taken by a handler
 * where it is not blocked; the helper is then reaped, unless the program's
 * handler took it, so that it is no stray of the program's. */
static void child_death(const struct fc_rule *rule)
{
	long pid = fc__sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
	if (pid == 0) {
		if (rule->death == FC_DEATH_KILL)
			fc__kill(fc__getpid(), SIGKILL);
		fc__sys(SYS_exit_group, 0, 0, 0);
	}
	if (pid < 0)
		return;
	siginfo_t info;
	while (fc__waitid(P_PID, pid, &info, WEXITED | WNOWAIT) == -EINTR)
		;
	fc__sys6(SYS_wait4, pid, 0, WNOHANG, 0, 0, 0);
}

/* The point's events at the rule's side: the reap first (the child taken
 * before the signal says it died), then the helper's death, the signal. */
static void point_events(const struct fc_rule *rule, const struct fc_call *c, long ret)
{
	if (rule->actions & FC_ACT_REAP)
		reap_any();
	if (rule->actions & FC_ACT_CHILD_DEATH)
		child_death(rule);
	if (rule->actions & FC_ACT_SIGNAL)
		send_signal(rule, c, ret);
}

/* oldact=: the disposition the caller is told was there before.  A real
 * handler is one of ours that does nothing (a component's that counts, say),
 * installed nowhere: a program that chains to it calls it harmlessly. */
static void foreign_handler(int sig)
{
	(void)sig;
}

static void foreign_action(int sig, siginfo_t *info, void *uctx)
{
	(void)sig;
	(void)info;
	(void)uctx;
}

void fc__oldact_told(const struct fc_call *c, int sig, struct sigaction *old, const struct fc_handler_step *step)
{
	const struct fc_rule *rule = fc__rule(c);
	if (!rule || !(rule->actions & FC_ACT_OLDACT) || !old)
		return;
	int restorer = old->sa_flags & 0x04000000; /* SA_RESTORER, glibc's: kept as the kernel gave it */
	__builtin_memset(&old->sa_mask, 0, sizeof old->sa_mask);
	switch (rule->oldact) {
	case FC_OLDACT_IGN:
	case FC_OLDACT_IGN_SIGINFO: old->sa_handler = SIG_IGN; break;
	case FC_OLDACT_DFL:
	case FC_OLDACT_DFL_SIGINFO: old->sa_handler = SIG_DFL; break;
	case FC_OLDACT_HANDLER: old->sa_handler = foreign_handler; break;
	default: old->sa_sigaction = foreign_action;
	}
	int siginfo = rule->oldact == FC_OLDACT_IGN_SIGINFO || rule->oldact == FC_OLDACT_DFL_SIGINFO ||
		rule->oldact == FC_OLDACT_HANDLER_SIGINFO;
	int handler = rule->oldact == FC_OLDACT_HANDLER || rule->oldact == FC_OLDACT_HANDLER_SIGINFO;
	old->sa_flags = restorer | (siginfo ? SA_SIGINFO : 0) | (handler ? SA_RESTART : 0);
	/* what it chains to is not what it replaced: it owes its real
	 * predecessor no call (chained would blame the program otherwise) */
	fc__handlers_told(sig, step);
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
	FC_ERRNO_BACK(c->saved_errno);
	if (rule && (rule->actions & FC_ACT_EVENTS) && rule->at == FC_AT_ENTER)
		point_events(rule, c, 0);
	if (!rule || rule->at != FC_AT_ENTER || !(rule->actions & (FC_ACT_ERROR | FC_ACT_RETVAL))) {
		FC_ERRNO_BACK(c->saved_errno);
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
	return rule && rule->at == FC_AT_INSIDE && (rule->actions & FC_ACT_EVENTS) && !c->child_side;
}

void fc__inside(struct fc_call *c)
{
	int err = errno;
	point_events(fc__rule(c), c, 0);
	c->at = -1; /* raised: the exit side must not raise it again */
	FC_ERRNO_BACK(err);
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
	FC_ERRNO_BACK(err);
	if (rule && (rule->actions & FC_ACT_EVENTS) && c->at != FC_AT_ENTER && c->at != -1)
		point_events(rule, c, ret);
	return ret;
}

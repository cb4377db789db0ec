/* The supervisor's loop: the listener is polled with the watch loop's
 * signals (a signalfd beside it), each notification is received, decided
 * and answered at once, or held until its delay= is over while the others
 * go on.  Nothing here waits on the target: a call whose process died
 * meanwhile is answered into the void (ENOENT), and the signal= of a rule
 * goes only to a thread the kernel still holds in that call. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "seccomp_int.h"
#include "stats.h"

#define SWEEP_NS 100000000ull /* how often the dead are looked for */
#define BATCH 256             /* notifications answered before the signals are looked at again */

uint64_t fc__sys_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int fc__sys_exec_phase(struct fc_syslayer *l)
{
	if (l->phase != FC_SYS_BEFORE_EXEC)
		return l->phase;
	struct pollfd p = { l->report_fd, POLLIN, 0 };
	if (poll(&p, 1, 0) <= 0)
		return l->phase;
	/* the child's report: its errno when the exec failed, nothing (the
	 * pipe closed by the exec) when it ran.  RACE: a call of the new image
	 * received before the watch loop saw the pipe close: the pipe is looked
	 * at for every call until then (a call of the launcher's child holds
	 * it before its exec, so the pipe is still open for those) */
	int err = 0;
	ssize_t got = read(l->report_fd, &err, sizeof err);
	l->exec_errno = err;
	l->phase = got == (ssize_t)sizeof err ? FC_SYS_EXEC_FAILED : FC_SYS_RUNNING;
	return l->phase;
}

static int still_held(const struct fc_syslayer *l, uint64_t id)
{
	return ioctl(l->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static void raise_signal(const struct fc_syslayer *l, const struct fc_sys_call *c)
{
	/* RACE: the caller was killed and its tid reused while we decided: the
	 * notification is valid only while that very thread waits in it */
	if (!still_held(l, c->id) || c->sig_pid <= 0)
		return;
	if (c->sig_tid)
		syscall(SYS_tgkill, c->sig_pid, c->sig_tid, c->signo);
	else
		kill(c->sig_pid, c->signo);
}

static void answer(struct fc_syslayer *l, struct fc_sys_call *c)
{
	if (c->signo)
		raise_signal(l, c);
	/* before the answer: the line comes before what the call leads to
	 * (a fork's child's lines, the caller's own line for it) */
	if (c->traced)
		fc__sys_trace_call(l, c);
	size_t size = l->sizes.seccomp_notif_resp > sizeof *l->resp ? l->sizes.seccomp_notif_resp : sizeof *l->resp;
	memset(l->resp, 0, size);
	l->resp->id = c->id;
	if (c->cont)
		l->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (c->error)
		l->resp->error = -c->error;
	if (!c->cont && c->error && l->conf.stats) {
		/* for the shim's oracles: this error is ours, not the program's */
		struct fc_stats *st = l->conf.stats;
		__typeof__(st->sys_injected[0]) *slot = &st->sys_injected[(unsigned)c->tid % FC_STATS_SYS_SLOTS];
		slot->err = c->error;
		__atomic_store_n(&slot->tid, c->tid, __ATOMIC_RELEASE);
	} else
		l->resp->val = c->val;
	if (ioctl(l->listener, SECCOMP_IOCTL_NOTIF_SEND, l->resp) < 0) {
		/* ENOENT: killed, or (without a killable-only wait) interrupted
		 * by a signal, and then the call comes again: counted then */
		if (errno == ENOENT && !l->killable)
			fc__sys_undo(l, c);
		return;
	}
}

void fc__sys_handle_one(struct fc_syslayer *l)
{
	size_t size = l->sizes.seccomp_notif > sizeof *l->req ? l->sizes.seccomp_notif : sizeof *l->req;
	memset(l->req, 0, size);
	/* only after POLLIN: a notification withdrawn since gives ENOENT, the
	 * receive never blocks */
	if (ioctl(l->listener, SECCOMP_IOCTL_NOTIF_RECV, l->req) < 0)
		return;
	struct fc_sys_call c = {
		.id = l->req->id,
		.tid = (pid_t)l->req->pid,
		.nr = l->req->data.nr,
		.ip = l->req->data.instruction_pointer,
		.t_ns = fc__sys_now(),
	};
	memcpy(c.args, l->req->data.args, sizeof c.args);
	fc__sys_decide(l, &c);
	if (c.due && l->ndelayed < FC_SYS_DELAYED) {
		l->delayed[l->ndelayed++] = c;
		return;
	}
	if (c.due && !l->delayed_full_said++)
		fc__sys_trace_warning(l, c.pid,
				      "more calls held for delay= at once than the supervisor holds (1024): the others are "
				      "answered without their delay");
	answer(l, &c);
}

static uint64_t next_due(const struct fc_syslayer *l)
{
	uint64_t due = UINT64_MAX;
	for (int i = 0; i < l->ndelayed; i++)
		if (l->delayed[i].due < due)
			due = l->delayed[i].due;
	return due;
}

static void answer_due(struct fc_syslayer *l, uint64_t now)
{
	for (int i = 0; i < l->ndelayed;) {
		if (l->delayed[i].due > now) {
			i++;
			continue;
		}
		struct fc_sys_call c = l->delayed[i];
		l->delayed[i] = l->delayed[--l->ndelayed];
		answer(l, &c);
	}
}

static int more_pending(int listener)
{
	struct pollfd p = { listener, POLLIN, 0 };
	return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

static void stop_listening(struct fc_syslayer *l)
{
	close(l->listener);
	l->listener = -1;
}

int fc_syslayer_wait(struct fc_syslayer *l, const sigset_t *set, siginfo_t *info, const struct timespec *timeout)
{
	if (!l || l->listener < 0)
		return sigtimedwait(set, info, timeout);
	uint64_t deadline = fc__sys_now() + (uint64_t)timeout->tv_sec * 1000000000u + (uint64_t)timeout->tv_nsec;
	int fd = signalfd(l->sigfd, set, SFD_CLOEXEC | SFD_NONBLOCK);
	l->sigfd = fd >= 0 ? fd : l->sigfd;
	for (;;) {
		struct timespec zero = { 0, 0 };
		int sig = sigtimedwait(set, info, &zero);
		if (sig > 0)
			return sig;
		uint64_t now = fc__sys_now();
		answer_due(l, now);
		if (now >= l->next_sweep) {
			fc__sys_proc_sweep(l, 0);
			l->next_sweep = now + SWEEP_NS;
		}
		if (now >= deadline) {
			errno = EAGAIN;
			return -1;
		}
		uint64_t until = l->ndelayed ? next_due(l) : deadline;
		until = until < deadline ? until : deadline;
		until = until < l->next_sweep ? until : l->next_sweep;
		uint64_t left = until > now ? until - now : 0;
		struct timespec wait = { (time_t)(left / 1000000000u), (long)(left % 1000000000u) };
		struct pollfd fds[2] = { { l->listener, POLLIN, 0 }, { l->sigfd, POLLIN, 0 } };
		if (ppoll(fds, l->sigfd >= 0 ? 2 : 1, &wait, NULL) < 0 && errno != EINTR)
			return sigtimedwait(set, info, timeout); /* no poll: no worse than before */
		if (fds[0].revents & POLLIN) {
			int n = 0;
			do
				fc__sys_handle_one(l);
			while (++n < BATCH && more_pending(l->listener));
		} else if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			/* no process is left under the filter: none can come */
			stop_listening(l);
			left = deadline > fc__sys_now() ? deadline - fc__sys_now() : 0;
			struct timespec rest = { (time_t)(left / 1000000000u), (long)(left % 1000000000u) };
			return sigtimedwait(set, info, &rest);
		}
	}
}

void fc_syslayer_end(struct fc_syslayer *l)
{
	if (!l)
		return;
	/* the processes are gone: held calls answered into the void */
	if (l->listener >= 0) {
		answer_due(l, UINT64_MAX);
		stop_listening(l);
	}
	fc__sys_proc_sweep(l, 1);
	int *fds[] = { &l->sigfd, &l->trace_fd, &l->last_pid_fd, &l->sock[0], &l->sock[1] };
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* The generic path's SIGCHLD side: the one-time handler installation, the
 * handler itself, and the peek/claim/reap/report step that the handler, the
 * publishing parent and a polling waiter all share. */
#include "ffd_internal.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The disposition that was in place before ours.  Two buffers and an index
 * so that the handler only ever reads a buffer that is completely written:
 * the index is published with a release store after the buffer is filled. */
static struct sigaction old_actions[2];
/* -1: nothing published, do not chain.  DEFECT torn-oldact: 0, the handler
 * reads straight from the buffer being filled. */
static _Atomic int old_index = FFD_DEFECT(TORN_OLDACT) ? 0 : -1;

enum { INSTALL_NONE = -2, INSTALL_DONE = -1 };
static _Atomic int install_state = INSTALL_NONE;

static void chain_old_action(int sig, siginfo_t *info, void *uctx)
{
	int idx = atomic_load_explicit(&old_index, memory_order_acquire);
	if (idx < 0)
		return;
	const struct sigaction *old = &old_actions[idx];
	if (FFD_DEFECT(CHAIN_SIGDFL) && (old->sa_flags & SA_SIGINFO)) {
		/* DEFECT chain-sigdfl (review 1, window 2): SA_SIGINFO is trusted
		 * before the handler value, so SIG_DFL/SIG_IGN are called as
		 * addresses 0/1. */
		old->sa_sigaction(sig, info, uctx);
		return;
	}
	/* RACE: window 2 (SA_SIGINFO with SIG_DFL/SIG_IGN): the handler value is
     * checked first, whatever the flags say; then the arity follows
     * SA_SIGINFO. */
	if (old->sa_handler == SIG_DFL || old->sa_handler == SIG_IGN)
		return;
	if (old->sa_flags & SA_SIGINFO)
		old->sa_sigaction(sig, info, uctx);
	else
		old->sa_handler(sig);
}

/* Claim a slot whose child is dead (or gone), reap it, and hand the status
 * to the waiter.  Async-signal-safe; callable from any thread or from the
 * handler: the strong CAS makes exactly one caller do the work. */
static enum ffd__check slot_finish(struct ffd__slot *slot, int from, pid_t pid, int gone)
{
	int expected = from;
	/* RACE: close-orphan: ffd_close orphans the slot (LIVE -> ORPHAN)
     * between our read of LIVE and our claim: the child is still ours to
     * reap, or it would stay a zombie (only the handler looks at ORPHAN
     * slots again). */
	while (!atomic_compare_exchange_strong(&slot->state, &expected, FFD__SLOT_CLAIMED)) {
		if (from != FFD__SLOT_LIVE || expected != FFD__SLOT_ORPHAN)
			return FFD__CHILD_RETRY; /* someone else is on it */
		from = FFD__SLOT_ORPHAN;
	}
	/* RACE: slot-reuse: (ABA) between our read of the pid and the claim,
     * another thread may have finished this child, released the slot and
     * published a new child in it, LIVE again.  The claim then belongs to
     * the new child: give it back rather than report our old pid's fate
     * (ECHILD: already reaped) as the new child's. */
	if (atomic_load_explicit(&slot->pid, memory_order_acquire) != pid) {
		atomic_store_explicit(&slot->state, from, memory_order_release);
		/* Our brief claim may have turned away a genuine finisher of the
         * new child (its own SIGCHLD, or publish's check): look at the new
         * child now, so its death is not left unreported. */
		return ffd__slot_check(slot);
	}

	struct ffd__record rec;
	memset(&rec, 0, sizeof(rec));
	if (!gone) {
		int wstatus = 0;
		/* Reap this pid only, never -1: other children are not ours. */
		pid_t reaped = wait4(pid, &wstatus, WNOHANG, &rec.ru);
		if (reaped == pid) {
			ffd__decode_status(wstatus, &rec);
		} else if (reaped < 0 && errno == ECHILD) {
			if (FFD_DEFECT(FOREIGN_REAPER_HANG)) {
				/* DEFECT foreign-reaper-hang (review 3, window 12): ECHILD
				 * is taken for "not yet"; the claim is given back and the
				 * slot waits for a SIGCHLD that will never come. */
				atomic_store_explicit(&slot->state, from, memory_order_release);
				return FFD__CHILD_ALIVE;
			}
			gone = 1;
		} else {
			/* Not reapable yet (or a transient failure): give the claim
             * back; the next SIGCHLD or the waiter's poll retries. */
			atomic_store_explicit(&slot->state, from, memory_order_release);
			return FFD__CHILD_RETRY;
		}
	}
	if (gone) {
		/* RACE: window 12 (foreign reaper): the status is lost, but the
         * waiter is told so with ECHILD and the slot is completed. */
		memset(&rec, 0, sizeof(rec));
		rec.error = ECHILD;
	}

	int write_fd = atomic_load_explicit(&slot->write_fd, memory_order_relaxed);
	if (from == FFD__SLOT_ORPHAN) {
		/* Nobody reads any more: no record (the read end is closed, a write
         * would raise SIGPIPE); just free the slot. */
		if (write_fd >= 0)
			close(write_fd);
		ffd__slot_release(slot);
		return FFD__CHILD_FINISHED;
	}
	slot->record = rec;
	/* One write below PIPE_BUF: atomic.  Its result does not matter: the
     * slot keeps the record and the close makes the read end readable. */
	if (write_fd >= 0) {
		ssize_t unused = write(write_fd, &rec, sizeof(rec));
		(void)unused;
		close(write_fd);
	}
	atomic_store_explicit(&slot->write_fd, -1, memory_order_relaxed);
	atomic_store_explicit(&slot->state, FFD__SLOT_DONE, memory_order_release);
	return FFD__CHILD_FINISHED;
}

enum ffd__check ffd__slot_check(struct ffd__slot *slot)
{
	int from = atomic_load_explicit(&slot->state, memory_order_acquire);
	if (from == FFD__SLOT_DONE || from == FFD__SLOT_FREE)
		return FFD__CHILD_FINISHED;
	if (from != FFD__SLOT_LIVE && from != FFD__SLOT_ORPHAN)
		return FFD__CHILD_RETRY; /* CLAIMED: another caller is finishing */

	pid_t pid = atomic_load_explicit(&slot->pid, memory_order_relaxed);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	int gone = 0;
	/* Peek first (WNOWAIT): the pid stays a zombie, so it cannot be reused
     * while we claim the slot. */
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
		if (errno != ECHILD)
			return FFD__CHILD_RETRY;
		/* DEFECT foreign-reaper-hang: "no such child" read as "still running". */
		if (FFD_DEFECT(FOREIGN_REAPER_HANG))
			return FFD__CHILD_ALIVE;
		gone = 1;
	} else if (si.si_pid == 0) {
		return FFD__CHILD_ALIVE;
	}
	return slot_finish(slot, from, pid, gone);
}

static struct ffd__slot *check_one(struct ffd__slot *slot, void *unused)
{
	(void)unused;
	(void)ffd__slot_check(slot);
	return NULL;
}

/* Finish this process's ORPHAN slots whose child is dead: a backstop for a
 * SIGCHLD that some other party consumed (an application handler that does
 * not chain, a foreign reaper), run from ffd_fork, ffd_spawn and ffd_close. */
void ffd__sweep_orphans(void)
{
	ffd__slot_each(FFD__STATE_BIT(FFD__SLOT_ORPHAN), check_one, NULL);
}

static void sigchld_handler(int sig, siginfo_t *info, void *uctx)
{
	/* RACE: window 3 (handler clobbers errno): waitid/wait4/write/close may
     * set errno; the interrupted code must see its own value. */
	int saved_errno = errno;
	ffd__slot_each(FFD__STATE_BIT(FFD__SLOT_LIVE) | FFD__STATE_BIT(FFD__SLOT_ORPHAN), check_one, NULL);
	chain_old_action(sig, info, uctx);
	/* DEFECT handler-errno (review 5, window 3): errno is left as the
	 * handler's own calls set it. */
	if (!FFD_DEFECT(HANDLER_ERRNO))
		errno = saved_errno;
}

static int install_now(void)
{
	struct sigaction action;
	memset(&action, 0, sizeof(action));
	action.sa_sigaction = sigchld_handler;
	sigemptyset(&action.sa_mask);
	/* RACE: window 4 (EINTR in unrelated code): SA_RESTART.
     * DEFECT no-restart (review 5, window 4): without it every blocking call
     * the signal interrupts fails with EINTR. */
	action.sa_flags = SA_SIGINFO | (FFD_DEFECT(NO_RESTART) ? 0 : SA_RESTART);

	/* DEFECT torn-oldact (review 1, window 1): the kernel makes the handler
     * live before libc copies the old action into the buffer the handler
     * reads; a SIGCHLD in between sees a zeroed old action and is not
     * chained. */
	if (FFD_DEFECT(TORN_OLDACT))
		return sigaction(SIGCHLD, &action, &old_actions[0]);

	/* RACE: window 1 (handler live before the old disposition is stored):
     * SIGCHLD is blocked in this thread; the current disposition is read
     * and published first, so the handler, whichever thread runs it, only
     * ever sees a complete old action; the install's own oldact lands in a
     * private buffer and replaces the published one only if it differs
     * (someone changed SIGCHLD in between). */
	sigset_t sigchld_only, saved_mask;
	sigemptyset(&sigchld_only);
	sigaddset(&sigchld_only, SIGCHLD);
	int err = pthread_sigmask(SIG_BLOCK, &sigchld_only, &saved_mask);
	if (err != 0) {
		errno = err;
		return -1;
	}
	int ret = -1;
	struct sigaction current;
	if (sigaction(SIGCHLD, NULL, &current) < 0)
		goto restore_mask;
	if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == sigchld_handler) {
		ret = 0; /* inherited from a parent that forked mid-install */
		goto restore_mask;
	}
	old_actions[0] = current;
	atomic_store_explicit(&old_index, 0, memory_order_release);

	struct sigaction replaced;
	if (sigaction(SIGCHLD, &action, &replaced) < 0) {
		atomic_store_explicit(&old_index, -1, memory_order_release);
		goto restore_mask;
	}
	if (replaced.sa_handler != old_actions[0].sa_handler || replaced.sa_flags != old_actions[0].sa_flags) {
		old_actions[1] = replaced;
		atomic_store_explicit(&old_index, 1, memory_order_release);
	}
	ret = 0;

restore_mask : {
	int saved_errno = errno;
	pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
	errno = saved_errno;
}
	return ret;
}

/* One-time, thread-safe install.  A failed install can be retried by a later
 * call (the state returns to NONE). */
int ffd__sigchld_install(void)
{
	/* install_state: INSTALL_NONE, INSTALL_DONE, or the pid of the process
     * installing.  RACE: install-fork: a fork while another thread installs
     * leaves the child a "busy" state that no thread of the child will ever
     * finish: a state naming another pid is taken over (install_now then
     * finds the handler already in place if the parent got that far). */
	pid_t self = getpid();
	for (;;) {
		int state = atomic_load_explicit(&install_state, memory_order_acquire);
		if (state == INSTALL_DONE)
			return 0;
		if ((state == INSTALL_NONE || (state > INSTALL_DONE && state != self)) &&
		    atomic_compare_exchange_strong(&install_state, &state, self))
			break;
		sched_yield(); /* another thread is installing right now */
	}
	int ret = install_now();
	int saved_errno = errno;
	atomic_store_explicit(&install_state, ret == 0 ? INSTALL_DONE : INSTALL_NONE, memory_order_release);
	errno = saved_errno;
	return ret;
}

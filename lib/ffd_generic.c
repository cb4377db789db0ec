/* The generic path: fork()/posix_spawn() plus a death pipe per child and the
 * SIGCHLD handler of ffd_sigchld.c. */
#include "ffd_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* The "go" channel that holds the forked child until its pid is published:
 * an eventfd (read_fd == write_fd), or a pipe where eventfd is missing. */
struct go_channel {
	int read_fd;
	int write_fd;
};

static int go_open(struct go_channel *go)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	if (fd >= 0) {
		go->read_fd = go->write_fd = fd;
		return 0;
	}
	if (errno != ENOSYS && errno != EINVAL)
		return -1;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	go->read_fd = fds[0];
	go->write_fd = fds[1];
	return 0;
}

static void go_close(struct go_channel *go)
{
	ffd__close_keep_errno(go->read_fd);
	if (go->write_fd != go->read_fd)
		ffd__close_keep_errno(go->write_fd);
	go->read_fd = go->write_fd = -1;
}

/* Parent side.  The parent keeps its read end open until after this write,
 * so a pipe-based channel can never raise SIGPIPE here. */
static int go_release(const struct go_channel *go)
{
	uint64_t one = 1;
	ssize_t n = write(go->write_fd, &one, sizeof(one));
	if (n == (ssize_t)sizeof(one))
		return 0;
	if (n >= 0)
		errno = EIO;
	return -1;
}

/* Child side: async-signal-safe only (we are right after fork). */
static int go_wait(struct go_channel *go)
{
	if (go->write_fd != go->read_fd)
		close(go->write_fd); /* so a parent that gives up means EOF here */
	uint64_t value;
	ssize_t n;
	do
		n = read(go->read_fd, &value, sizeof(value));
	while (n < 0 && errno == EINTR);
	close(go->read_fd);
	return n == (ssize_t)sizeof(value) ? 0 : -1;
}

/* ffd__slot_check outside the handler.  RACE: cancellation: its wait4,
 * write and close are cancellation points; a thread cancelled there would
 * leave the slot CLAIMED for ever (ffd_close would spin on it).  So no
 * cancellation inside a claim. */
static enum ffd__check check_uncancellable(struct ffd__slot *slot)
{
	int old_state;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old_state);
	enum ffd__check result = ffd__slot_check(slot);
	pthread_setcancelstate(old_state, NULL);
	return result;
}

static void publish(struct ffd__slot *slot, pid_t pid)
{
	atomic_store_explicit(&slot->pid, pid, memory_order_relaxed);
	atomic_store_explicit(&slot->state, FFD__SLOT_LIVE, memory_order_release);
	/* RACE: window 11 (death before publication): a SIGCHLD that arrived
     * while the slot was still RESERVED was skipped by the handler, so look
     * for ourselves now that the pid is visible; the CAS inside decides
     * between us and a concurrent handler.
     * DEFECT unpublished-death (review 3, window 11): without this check, a
     * death whose SIGCHLD came before publication is never written to the
     * death pipe; the descriptor never becomes readable. */
	if (!FFD_DEFECT(UNPUBLISHED_DEATH))
		(void)check_uncancellable(slot);
}

/* The "go" write failed after publication: the child would wait forever.
 * Kill it, take the slot back from the SIGCHLD side, and reap it here. */
static void abandon_child(struct ffd__slot *slot, pid_t pid)
{
	int saved_errno = errno;
	kill(pid, SIGKILL);
	for (;;) {
		/* RACE: abandon-claim: the handler, or a waiter's peek, may be
		 * finishing this child right now.  LIVE -> RESERVED by CAS takes
		 * it out of their sight only if nobody claimed it; else wait for
		 * the finisher (CLAIMED) or accept its work (DONE), so the child is
		 * reaped exactly once and the write end closed exactly once. */
		int state = FFD__SLOT_LIVE;
		if (atomic_compare_exchange_strong(&slot->state, &state, FFD__SLOT_RESERVED)) {
			/* The handler no longer sees it: we are the only reaper. */
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			int write_fd = atomic_exchange(&slot->write_fd, -1);
			ffd__close_keep_errno(write_fd);
			break;
		}
		if (state == FFD__SLOT_DONE)
			break; /* already reaped; the finisher closed the write end */
		sched_yield(); /* CLAIMED: a finisher is at work */
	}
	errno = saved_errno;
}

/* What every new child of the generic path starts with: dead orphans
 * finished, a slot, and the handler installed.  NULL with errno on failure,
 * with nothing kept. */
static struct ffd__slot *take_slot(void)
{
	ffd__sweep_orphans();
	struct ffd__slot *slot = ffd__slot_reserve();
	if (slot && ffd__sigchld_install() < 0) {
		int saved_errno = errno;
		ffd__slot_release(slot);
		errno = saved_errno;
		return NULL;
	}
	return slot;
}

int ffd__generic_fork(int flags, pid_t *ppid)
{
	struct go_channel go = { -1, -1 };
	int death[2] = { -1, -1 };

	struct ffd__slot *slot = take_slot();
	if (!slot)
		return -1;
	if (go_open(&go) < 0)
		goto fail_slot;
	if (pipe2(death, O_CLOEXEC) < 0) {
		/* DEFECT pipe-fail-leak (review 2, window 5): the go channel taken
		 * just before is forgotten. */
		if (FFD_DEFECT(PIPE_FAIL_LEAK))
			goto fail_slot;
		/* RACE: window 5 (pipe failure after another resource was taken):
         * release the go channel too. */
		goto fail_go;
	}
	if (ffd__set_fd_flags(death[0], flags) < 0)
		goto fail_pipe;
	atomic_store_explicit(&slot->read_fd, death[0], memory_order_relaxed);
	atomic_store_explicit(&slot->write_fd, death[1], memory_order_relaxed);

	pid_t pid = fork();
	if (pid < 0) {
		/* DEFECT fork-fail-leak (review 4, window 6): returns at once; the
		 * go channel, both pipe ends and the slot stay taken. */
		if (FFD_DEFECT(FORK_FAIL_LEAK))
			return -1;
		/* RACE: window 6 (fork failure): everything taken is released in
         * reverse order and fork's errno is what the caller sees. */
		goto fail_pipe;
	}
	if (pid == 0) {
		close(death[0]);
		close(death[1]);
		if (go_wait(&go) < 0)
			_exit(127);
		return FFD_CHILD_PROCESS;
	}

	publish(slot, pid);
	/* DEFECT release-ignored (review 3, window 10): the failure is ignored
	 * and the descriptor handed out; the child never runs on. */
	if (go_release(&go) < 0 && !FFD_DEFECT(RELEASE_IGNORED)) {
		/* RACE: window 10 (failed "go" write): the child would block
         * forever; kill and reap it, fail with the write's errno. */
		abandon_child(slot, pid);
		go_close(&go);
		ffd__close_keep_errno(death[0]);
		ffd__slot_release(slot);
		return -1;
	}
	go_close(&go);
	if (ppid)
		*ppid = pid;
	return death[0];

fail_pipe:
	ffd__close_keep_errno(death[0]);
	ffd__close_keep_errno(death[1]);
fail_go:
	go_close(&go);
fail_slot:
	ffd__slot_release(slot);
	return -1;
}

int ffd__generic_spawn(int flags, pid_t *ppid, const char *path, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	int death[2] = { -1, -1 };

	struct ffd__slot *slot = take_slot();
	if (!slot)
		return -1;
	if (pipe2(death, O_CLOEXEC) < 0)
		goto fail_slot;
	if (ffd__set_fd_flags(death[0], flags) < 0)
		goto fail_pipe;
	atomic_store_explicit(&slot->read_fd, death[0], memory_order_relaxed);
	atomic_store_explicit(&slot->write_fd, death[1], memory_order_relaxed);

	pid_t pid;
	if (ffd__posix_spawn(&pid, path, fa, attr, argv, envp) < 0)
		goto fail_pipe;
	/* No go channel: the spawned child execs at once and may well die before
     * publication, which publish() checks for (window 11). */
	publish(slot, pid);
	if (ppid)
		*ppid = pid;
	return death[0];

fail_pipe:
	ffd__close_keep_errno(death[0]);
	ffd__close_keep_errno(death[1]);
fail_slot:
	ffd__slot_release(slot);
	return -1;
}

/* The child is finished (slot DONE): report it, consuming unless WNOWAIT. */
static int deliver(struct ffd__slot *slot, int fd, struct ffd_info *info, int options, struct rusage *ru)
{
	if (atomic_load_explicit(&slot->consumed, memory_order_acquire)) {
		errno = ECHILD;
		return -1;
	}
	struct ffd__record rec = slot->record;
	if (!(options & FFD_WNOWAIT)) {
		/* RACE: two-waiters: two plain ffd_wait on one finished fd.  The
		 * status is taken (exchange) before the pipe is drained, so exactly
		 * one caller consumes it; the loser answers ECHILD, and the drain
		 * polls first so that nobody blocks reading an empty pipe. */
		if (atomic_exchange(&slot->consumed, 1)) {
			errno = ECHILD; /* another thread took it meanwhile */
			return -1;
		}
		struct ffd__record drained;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n = 0;
		if (poll(&pfd, 1, 0) > 0) /* never block on an empty pipe */
			do
				n = read(fd, &drained, sizeof(drained));
			while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN) {
			atomic_store(&slot->consumed, 0); /* status left for a later call */
			return -1;
		}
	}
	if (rec.error != 0) {
		errno = rec.error;
		return -1;
	}
	if (info) {
		info->code = rec.code;
		info->status = rec.status;
	}
	if (ru)
		*ru = rec.ru;
	return 0;
}

int ffd__generic_wait(struct ffd__slot *slot, int fd, struct ffd_info *info, int options, struct rusage *ru)
{
	int nonblocking = -1; /* unknown until needed */
	for (;;) {
		if (atomic_load_explicit(&slot->state, memory_order_acquire) == FFD__SLOT_DONE)
			return deliver(slot, fd, info, options, ru);

		/* RACE: window 12 (foreign reaper) and 11 (missed death): never rely
         * on SIGCHLD alone; peek ourselves on every wakeup, so ECHILD or an
         * unreported death is seen within FFD__RECHECK_MS. */
		if (check_uncancellable(slot) == FFD__CHILD_FINISHED)
			continue;
		if (options & FFD_WNOHANG) {
			errno = EAGAIN;
			return -1;
		}
		if (nonblocking < 0) {
			/* The descriptor's own flag decides, as for a pidfd. */
			int fl = fcntl(fd, F_GETFL);
			if (fl < 0)
				return -1;
			nonblocking = (fl & O_NONBLOCK) != 0;
		}
		if (nonblocking) {
			errno = EAGAIN;
			return -1;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, FFD__RECHECK_MS) < 0 && errno != EINTR)
			return -1;
		if (pfd.revents & POLLNVAL) {
			errno = EBADF;
			return -1;
		}
		if (pfd.revents && atomic_load_explicit(&slot->state, memory_order_acquire) == FFD__SLOT_CLAIMED)
			sched_yield(); /* record written, DONE a moment away */
	}
}

int ffd__generic_close(struct ffd__slot *slot, int fd)
{
	/* Reap now if the child is already dead (even if its SIGCHLD was
     * missed), so the slot is freed right away. */
	(void)check_uncancellable(slot);
	ffd__sweep_orphans();
	for (;;) {
		int state = atomic_load_explicit(&slot->state, memory_order_acquire);
		/* RACE: fd-reuse: across threads, once close() returns, another
         * thread's pipe2 may get the same number; a slot that still names
         * it would be found by that thread's ffd_wait/ffd_close (a stale
         * DONE slot answered ECHILD, and closing "it" closed the new
         * child's read end: SIGPIPE at its death).  So the slot lets go of
         * the number before the number is closed. */
		if (state == FFD__SLOT_DONE) {
			atomic_store_explicit(&slot->read_fd, -1, memory_order_release);
			ffd__slot_release(slot);
			return ffd__close_fd(fd);
		}
		if (state == FFD__SLOT_LIVE) {
			/* Still running: the handler will reap it and free the slot.
             * The state changes before the read end closes, so the handler
             * never writes into a pipe without a reader (SIGPIPE). */
			if (atomic_compare_exchange_strong(&slot->state, &state, FFD__SLOT_ORPHAN)) {
				atomic_store_explicit(&slot->read_fd, -1, memory_order_release);
				return ffd__close_fd(fd);
			}
			continue;
		}
		sched_yield(); /* CLAIMED: a finisher is writing the record */
	}
}

/* The pidfd path: clone3 (or clone) with CLONE_PIDFD, waitid(P_PIDFD).  No
 * SIGCHLD handler.  Every kernel entry goes through libc's syscall() so an
 * LD_PRELOAD shim sees it as sys_clone3, sys_clone, sys_pidfd_open and
 * sys_waitid. */
#include "ffd_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
/* Older libc headers lack P_PIDFD in idtype_t; the kernel value is 3. */
#define FFD__P_PIDFD 3

/* The kernel's clone3 argument block, version 0 (64 bytes): our own copy of
 * the ABI so we need not mix <linux/sched.h> into <sched.h>. */
struct clone3_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
};

/* What the kernel offers, found once and cached for the process (children
 * inherit it: same kernel). */
enum { MODE_UNKNOWN, MODE_CLONE3, MODE_CLONE, MODE_NONE };
static _Atomic int pidfd_mode = MODE_UNKNOWN;

/* RACE: window 13 (pidfd unavailable): ENOSYS (old kernel), EPERM (seccomp)
 * and EINVAL (flag or idtype unknown) mean "no pidfd here": fall back to the
 * generic path.  Any other errno (EAGAIN, ENOMEM, EMFILE...) is a real
 * failure and is reported. */
static int means_unsupported(int err)
{
	/* DEFECT pidfd-no-fallback (window 13): every error is reported, so a
     * kernel or seccomp filter without pidfd makes ffd_fork fail. */
	if (FFD_DEFECT(PIDFD_NO_FALLBACK))
		return 0;
	return err == ENOSYS || err == EPERM || err == EINVAL;
}

static void downgrade(int from, int to)
{
	atomic_compare_exchange_strong(&pidfd_mode, &from, to);
}

/* pidfd_open on ourselves, then waitid(P_PIDFD) on that pidfd: a kernel that
 * knows P_PIDFD answers ECHILD (we are not our own child). */
static int probe_mode(void)
{
	long self_fd = syscall(SYS_pidfd_open, (long)getpid(), 0L);
	if (self_fd < 0)
		return means_unsupported(errno) ? MODE_NONE : -1;
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	long ret = syscall(SYS_waitid, (long)FFD__P_PIDFD, self_fd, &si, (long)(WEXITED | WNOHANG), NULL);
	int err = errno;
	ffd__close_keep_errno((int)self_fd);
	if (ret == 0 || err == ECHILD)
		return MODE_CLONE3;
	errno = err;
	return means_unsupported(err) ? MODE_NONE : -1;
}

static int current_mode(void)
{
	int mode = atomic_load_explicit(&pidfd_mode, memory_order_acquire);
	if (mode != MODE_UNKNOWN)
		return mode;
	mode = probe_mode();
	if (mode < 0)
		return -1;
	int expected = MODE_UNKNOWN;
	if (!atomic_compare_exchange_strong(&pidfd_mode, &expected, mode))
		mode = expected; /* another thread probed first */
	return mode;
}

/* Fork semantics (no new stack: the child runs on a copy of ours) and a
 * pidfd for the parent.  Returns the pid (0 in the child), -1 with errno, or
 * FFD__FALLBACK. */
static long clone_with_pidfd(int *pidfd)
{
	int mode = current_mode();
	if (mode < 0)
		return -1;
	if (mode == MODE_CLONE3) {
		struct clone3_args args;
		memset(&args, 0, sizeof(args));
		args.flags = CLONE_PIDFD;
		args.pidfd = (uint64_t)(uintptr_t)pidfd;
		args.exit_signal = SIGCHLD;
		long pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0)
			return pid;
		if (!means_unsupported(errno))
			return -1;
		downgrade(MODE_CLONE3, MODE_CLONE);
		mode = MODE_CLONE;
	}
	if (mode == MODE_CLONE) {
		/* parent_tid (third argument on every architecture's clone) receives
         * the pidfd with CLONE_PIDFD. */
		long pid = syscall(SYS_clone, (long)(CLONE_PIDFD | SIGCHLD), 0L, pidfd, 0L, 0L);
		if (pid >= 0)
			return pid;
		if (!means_unsupported(errno))
			return -1;
		downgrade(MODE_CLONE, MODE_NONE);
	}
	return FFD__FALLBACK;
}

int ffd__pidfd_fork(int flags, pid_t *ppid)
{
	int pidfd = -1;
	long pid = clone_with_pidfd(&pidfd);
	if (pid == FFD__FALLBACK || pid < 0)
		return (int)pid;
	if (pid == 0)
		return FFD_CHILD_PROCESS; /* raw clone: async-signal-safe from here */

	if (ffd__set_fd_flags(pidfd, flags) < 0) {
		/* Nobody else knows this child: reap it before failing. */
		ffd__kill_and_reap((pid_t)pid);
		ffd__close_keep_errno(pidfd);
		return -1;
	}
	if (ppid)
		*ppid = (pid_t)pid;
	return pidfd;
}

/* Kill and reap pid, but only while it is a child of ours: on these error
 * paths the pid may already name someone else (see pidfd-spawn below). */
static void end_if_ours(pid_t pid)
{
	int saved_errno = errno;
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	if (syscall(SYS_waitid, (long)P_PID, (long)pid, &si, (long)(WEXITED | WNOHANG | WNOWAIT), NULL) == 0)
		ffd__kill_and_reap(pid);
	errno = saved_errno;
}

/* RACE: pidfd-spawn: posix_spawn gives a pid, not a pidfd (glibc 2.36 has
 * no pidfd_spawn, and its file actions and attributes are opaque, so we
 * cannot clone3(CLONE_PIDFD) and apply them ourselves): the pidfd is opened
 * after it returns.  We cannot reap the child in between (no handler on
 * this path) and a zombie still has a pidfd, but a foreign reaper
 * (waitpid(-1) in another thread, SIG_IGN, SA_NOCLDWAIT) can take it, and
 * its pid can go to another process: pidfd_open then answers ESRCH, or a
 * pidfd of that other process.  So the pidfd is proved ours before it is
 * used: waitid(P_PIDFD, WNOHANG|WNOWAIT) on it answers ECHILD for a process
 * that is not our child; the child is then reported as reaped elsewhere
 * (ECHILD, as window 12), and nobody is killed or handed out.  What stays
 * open: in that same instant, after a full pid wrap-around, the pid going
 * to a new child of ours (another thread's fork): no check tells two
 * children of ours apart; only a pidfd from the spawn itself (glibc 2.39's
 * pidfd_spawn) would close that. */
static long open_spawned(pid_t pid)
{
	long fd = syscall(SYS_pidfd_open, (long)pid, 0L);
	if (fd < 0) {
		if (errno == ESRCH) {
			errno = ECHILD; /* a foreign reaper took it, nobody has the pid */
			return -1;
		}
		end_if_ours(pid);
		return -1;
	}
	siginfo_t si;
	long ret;
	do {
		memset(&si, 0, sizeof(si));
		ret = syscall(SYS_waitid, (long)FFD__P_PIDFD, fd, &si, (long)(WEXITED | WNOHANG | WNOWAIT), NULL);
	} while (ret < 0 && errno == EINTR);
	if (ret == 0)
		return fd; /* our child, alive or a zombie (WNOWAIT kept it one) */
	int err = errno;
	ffd__close_keep_errno((int)fd);
	if (err != ECHILD)
		end_if_ours(pid); /* no answer: as for a failed pidfd_open */
	errno = err;
	return -1;
}

int ffd__pidfd_spawn(int flags, pid_t *ppid, const char *path, const posix_spawn_file_actions_t *fa,
		     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	int mode = current_mode();
	if (mode < 0)
		return -1;
	if (mode == MODE_NONE)
		return FFD__FALLBACK;

	pid_t pid;
	if (ffd__posix_spawn(&pid, path, fa, attr, argv, envp) < 0)
		return -1;
	long pidfd = open_spawned(pid);
	if (pidfd < 0)
		return -1;
	if (ffd__set_fd_flags((int)pidfd, flags) < 0) {
		ffd__kill_and_reap(pid); /* proved ours above, and still unreaped */
		ffd__close_keep_errno((int)pidfd);
		return -1;
	}
	if (ppid)
		*ppid = pid;
	return (int)pidfd;
}

int ffd__pidfd_wait(int fd, struct ffd_info *info, int options, struct rusage *ru)
{
	long wait_options = WEXITED;
	if (options & FFD_WNOHANG)
		wait_options |= WNOHANG;
	if (options & FFD_WNOWAIT)
		wait_options |= WNOWAIT;

	siginfo_t si;
	long ret;
	do {
		memset(&si, 0, sizeof(si));
		/* An O_NONBLOCK pidfd makes the kernel answer EAGAIN for a live
         * child; a foreign reaper makes it answer ECHILD. */
		ret = syscall(SYS_waitid, (long)FFD__P_PIDFD, (long)fd, &si, wait_options, ru);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -1;
	if (si.si_pid == 0) { /* WNOHANG and still running */
		errno = EAGAIN;
		return -1;
	}
	if (info) {
		info->code = si.si_code;
		info->status = si.si_status;
	}
	return 0;
}

/* Reaper for a child whose pidfd was closed while it ran: without a SIGCHLD
 * handler nobody else would reap it.  One small detached thread per such
 * child, blocked in waitid on a private pidfd; it ends with the child. */
static void *orphan_reaper(void *arg)
{
	int fd = (int)(intptr_t)arg;
	siginfo_t si;
	long ret;
	/* RACE: reaper-nonblock: an FFD_NONBLOCK pidfd makes waitid(P_PIDFD)
     * answer EAGAIN at once on a live child: the reaper would give up and
     * leave a zombie.  The descriptor is ours alone now; make it blocking. */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	do {
		memset(&si, 0, sizeof(si));
		ret = syscall(SYS_waitid, (long)FFD__P_PIDFD, (long)fd, &si, (long)WEXITED, NULL);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	close(fd);
	return NULL;
}

static int start_orphan_reaper(int fd)
{
	pthread_attr_t attr;
	int err = pthread_attr_init(&attr);
	if (err != 0)
		goto fail;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);

	/* RACE: reaper-mask: a thread that blocked signals itself could take a
     * signal meant for the application's threads between its start and its
     * own pthread_sigmask.  The mask is set here, around pthread_create, so
     * the thread starts with every signal blocked and has no such moment;
     * a signal for this thread meanwhile waits for the restore below. */
	sigset_t all, saved_mask;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved_mask);
	pthread_t thread;
	err = pthread_create(&thread, &attr, orphan_reaper, (void *)(intptr_t)fd);
	pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
	pthread_attr_destroy(&attr);
	if (err == 0)
		return 0;
fail:
	errno = err;
	return -1;
}

int ffd__pidfd_close(int fd)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	/* Reap it now if it is dead and unreported; if it already was reaped
     * (ffd_wait, or a foreign reaper) this says ECHILD. */
	long ret = syscall(SYS_waitid, (long)FFD__P_PIDFD, (long)fd, &si, (long)(WEXITED | WNOHANG), NULL);
	if (ret == 0 && si.si_pid == 0) {
		/* Still running: hand the descriptor to a reaper thread. */
		if (start_orphan_reaper(fd) == 0)
			return 0;
		/* No thread: release the descriptor anyway and report why; the
         * child will stay a zombie when it exits. */
		int saved_errno = errno;
		close(fd);
		errno = saved_errno;
		return -1;
	}
	return ffd__close_fd(fd);
}

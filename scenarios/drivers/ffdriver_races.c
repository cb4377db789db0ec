/* The races between a child's death and the library's own bookkeeping:
 * publication (window 11), a foreign reaper (12), the pidfd fallback (13),
 * and threads that close, wait, install or get cancelled at once. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ffdriver.h"

/* Window 11: the child dies before its pid is published (the plan fails
 * its "go" read and holds ffd_fork until it is dead).  The fd must become
 * readable by itself; we poll it without calling ffd_wait. */
int fc__unpublished(const struct fc__args *args)
{
	/* 127: libffd's exit for a child whose go read failed, before it
	 * reaches the held child's own code */
	int fd = fc__held_child_or_die(FFD_USE_FORK, 127, NULL, NULL);
	struct pollfd pfd = { fd, POLLIN, 0 };
	char got[32];
	if (poll(&pfd, 1, 3000) == 1)
		obs("status 127 exited:127 %s", fc__wait_status(fd, FFD_WNOHANG, got, sizeof got));
	else
		obs("note the fd of a dead child stayed unreadable for 3 s");
	fc__ffd.close(fd);
	/* reap whatever the library did not (the fault lied to it), so that
	 * strays are the library's, not ours */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return 0;
}

/* Window 12: our SIGUSR2 handler is the foreign reaper; the plan raises
 * SIGUSR2 right after libffd's peek, before its reap. */
static void foreign_reaper(int sig)
{
	int saved = errno;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

int fc__foreign(const struct fc__args *args)
{
	fc__on_signal(SIGUSR2, foreign_reaper);
	int before = obs_fd_count();
	int fd = fc__held_child(FFD_USE_FORK, 1, NULL, NULL);
	if (fd < 0)
		obs_library_failed("ffd_fork");
	struct ffd_info info;
	int ret = fc__ffd.wait(fd, &info, 0, NULL);
	obs("result ffd_wait %d %s ECHILD", ret, ret < 0 ? obs_errno(errno) : "0");
	fc__ffd.close(fd);
	obs("fds %d %d", before, obs_fd_count());
	return 0;
}

/* Window 13: the pidfd path must fall back when its syscalls fail with
 * ENOSYS/EPERM/EINVAL (the plan), and still deliver the status. */
int fc__pidfd_fallback(const struct fc__args *args)
{
	fc__install_old_handler();
	int before = obs_fd_count();
	int fd = fc__held_child(0, 4, NULL, NULL);
	obs("spawned 4");
	obs("result ffd_fork %d %s 0", fd < 0 ? -1 : 0, fd < 0 ? obs_errno(errno) : "0");
	if (fd >= 0)
		fc__reap_reported(4, fd);
	obs("fds %d %d", before, obs_fd_count());
	return 0;
}

/* The SIGCHLD handler runs on this thread only (the others block SIGCHLD). */
static void *signal_thread(void *arg)
{
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_UNBLOCK, &chld, NULL);
	for (;;)
		pause();
	return arg;
}

static void block_sigchld_here(void)
{
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, NULL);
}

struct release_job {
	pid_t pid, tid;
	struct fc__gate *gate; /* opened when TID sleeps in clock_nanosleep (the plan's delay) */
};

static void *release_when_delayed(void *arg)
{
	struct release_job *job = arg;
	fc__await_syscall(job->pid, job->tid, SYS_clock_nanosleep, -1);
	fc__gate_open(job->gate);
	return NULL;
}

/* ffd_close moves a live child's slot to ORPHAN while the handler, on the
 * signal thread, has already seen the child dead (the plan holds both in
 * place: close's peek returns alive and waits; the child dies; the
 * handler's peek returns dead and waits longer).  The orphan must still be
 * reaped: no zombie, no stray. */
int fc__close_race(const struct fc__args *args)
{
	struct fc__gate hold;
	pthread_t sig_thread, releaser;
	pid_t pid;
	block_sigchld_here();
	pthread_create(&sig_thread, NULL, signal_thread, NULL);
	int before = obs_fd_count();
	fc__gate_make(&hold);
	int fd = fc__held_child(FFD_USE_FORK, 1, &hold, &pid);
	if (fd < 0)
		obs_library_failed("ffd_fork");
	struct release_job job = { getpid(), gettid(), &hold };
	pthread_create(&releaser, NULL, release_when_delayed, &job);
	int ret = fc__ffd.close(fd);
	obs("result ffd_close %d %s 0", ret, ret < 0 ? obs_errno(errno) : "0");
	pthread_join(releaser, NULL);
	if (!fc__reaped_within(pid, 5000))
		obs("note child %d still unreaped 5 s after ffd_close of its dead orphan", (int)pid);
	obs("fds %d %d", before, obs_fd_count());
	return 0;
}

static int shared_fd;

static void *plain_wait(void *arg)
{
	struct ffd_info info;
	char got[32];
	if (fc__ffd.wait(shared_fd, &info, 0, NULL) == 0)
		obs("status 1 exited:1 %s", obs_status(&info, got, sizeof got));
	else
		obs("result ffd_wait -1 %s ECHILD", obs_errno(errno));
	return arg;
}

/* Two threads, one finished child, plain blocking ffd_wait each (the plan
 * holds the first reader before its read, so both are past the status
 * check).  One gets the status, the other ECHILD; neither blocks, though a
 * second, live child keeps the death pipe's write end open elsewhere. */
int fc__two_waiters(const struct fc__args *args)
{
	struct fc__gate hold, hold_other;
	fc__gate_make(&hold);
	fc__gate_make(&hold_other);
	shared_fd = fc__held_child_or_die(FFD_USE_FORK, 1, &hold, NULL);
	int other = fc__held_child_or_die(args->path_flags, 2, &hold_other, NULL);
	fc__gate_open(&hold); /* child 1 exits */
	struct pollfd pfd = { shared_fd, POLLIN, 0 };
	poll(&pfd, 1, 5000);
	pthread_t waiters[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&waiters[i], NULL, plain_wait, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(waiters[i], NULL);
	fc__gate_open(&hold_other); /* child 2 exits */
	fc__reap_reported(2, other);
	fc__ffd.close(shared_fd);
	return 0;
}

static pid_t installer_tid;

static void *first_generic_use(void *arg)
{
	__atomic_store_n(&installer_tid, gettid(), __ATOMIC_RELEASE);
	fc__reap_reported(1, fc__held_child_or_die(FFD_USE_FORK, 1, NULL, NULL));
	return arg;
}

/* A plain fork while another thread is inside libffd's first handler
 * install (the plan delays it; /proc shows when).  In the child, the
 * install is nobody's: its own first ffd_fork must take it over. */
int fc__install_fork(const struct fc__args *args)
{
	pthread_t installer;
	pthread_create(&installer, NULL, first_generic_use, NULL);
	while (!__atomic_load_n(&installer_tid, __ATOMIC_ACQUIRE))
		sched_yield();
	if (!fc__await_syscall(getpid(), installer_tid, SYS_clock_nanosleep, -1))
		obs("note the install was never delayed: is the plan right?");
	pid_t child = fork();
	if (child == 0) {
		int fd = fc__held_child(FFD_USE_FORK, 7, NULL, NULL); /* child 7 exits 0 */
		obs("result child-ffd_fork %d %s 0", fd < 0 ? -1 : 0, fd < 0 ? obs_errno(errno) : "0");
		if (fd >= 0)
			fc__reap_quietly(fd);
		_exit(0);
	}
	int status;
	waitpid(child, &status, 0);
	pthread_join(installer, NULL);
	return 0;
}

static pid_t waiter_tid;
static int cancel_fd;

static void *cancellable_wait(void *arg)
{
	struct ffd_info info;
	__atomic_store_n(&waiter_tid, gettid(), __ATOMIC_RELEASE);
	fc__ffd.wait(cancel_fd, &info, 0, NULL);
	return arg;
}

/* A thread waiting in ffd_wait is cancelled while it reaps (the plan holds
 * its wait4; SIGCHLD is blocked everywhere, so its own recheck is what
 * finds the death).  ffd_close afterwards must return, not spin. */
int fc__cancel_wait(const struct fc__args *args)
{
	struct fc__gate hold;
	pthread_t waiter;
	block_sigchld_here();
	fc__gate_make(&hold);
	cancel_fd = fc__held_child(FFD_USE_FORK, 1, &hold, NULL);
	if (cancel_fd < 0)
		obs_library_failed("ffd_fork");
	pthread_create(&waiter, NULL, cancellable_wait, NULL);
	fc__gate_open(&hold); /* the child exits; the waiter's recheck finds it */
	while (!__atomic_load_n(&waiter_tid, __ATOMIC_ACQUIRE))
		sched_yield();
	if (!fc__await_syscall(getpid(), waiter_tid, SYS_clock_nanosleep, -1))
		obs("note the reap was never delayed: is the plan right?");
	pthread_cancel(waiter);
	pthread_join(waiter, NULL);
	int ret = fc__ffd.close(cancel_fd);
	obs("result ffd_close %d %s 0", ret, ret < 0 ? obs_errno(errno) : "0");
	return 0;
}

/* The generic (SIGCHLD) path: handler chaining, foreign reapers, missed
 * signals, table growth, cleanup on a real resource failure. */
#include "ffd.h"
#include "ffd_internal.h"
#include "test_ffd_util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

static volatile int chained_calls;
static volatile int chained_with_info;

static void counting_handler(int sig)
{
	(void)sig;
	chained_calls++;
}

static void counting_action(int sig, siginfo_t *info, void *uctx)
{
	(void)sig;
	(void)uctx;
	chained_calls++;
	if (info && info->si_signo == SIGCHLD)
		chained_with_info++;
}

static int fork_exiting_child(int code, pid_t *pid)
{
	int fd = ffd_fork(FFD_USE_FORK, pid);
	if (fd == FFD_CHILD_PROCESS)
		_exit(code);
	cr_assert_geq(fd, 0, "ffd_fork: %s", strerror(errno));
	return fd;
}

Test(generic, previous_handler_chained_called, .timeout = 10)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = counting_handler;
	cr_assert_eq(sigaction(SIGCHLD, &sa, NULL), 0);

	int fd = fork_exiting_child(5, NULL);
	struct ffd_info info;
	cr_assert_eq(ffd_wait(fd, &info, 0, NULL), 0);
	cr_expect_eq(info.status, 5);
	cr_expect(wait_counter(&chained_calls, 1), "old handler not chained");
	ffd_close(fd);
}

Test(generic, previous_siginfo_action_chained_with_info, .timeout = 10)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = counting_action;
	sa.sa_flags = SA_SIGINFO;
	cr_assert_eq(sigaction(SIGCHLD, &sa, NULL), 0);

	int fd = fork_exiting_child(0, NULL);
	cr_assert_eq(ffd_wait(fd, NULL, 0, NULL), 0);
	cr_expect(wait_counter(&chained_with_info, 1), "SA_SIGINFO action not chained with its siginfo");
	ffd_close(fd);
}

/* Window 2: SIG_DFL with SA_SIGINFO must not be called as address 0. */
Test(generic, sigdfl_with_siginfo_not_called, .timeout = 10)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = SA_SIGINFO;
	cr_assert_eq(sigaction(SIGCHLD, &sa, NULL), 0);

	int fd = fork_exiting_child(9, NULL);
	struct ffd_info info;
	cr_assert_eq(ffd_wait(fd, &info, 0, NULL), 0);
	cr_expect_eq(info.status, 9);
	ffd_close(fd);
}

Test(generic, handler_installed_restart_siginfo, .timeout = 10)
{
	int fd = fork_exiting_child(0, NULL);
	struct sigaction now;
	cr_assert_eq(sigaction(SIGCHLD, NULL, &now), 0);
	cr_expect(now.sa_flags & SA_RESTART, "no SA_RESTART (window 4)");
	cr_expect(now.sa_flags & SA_SIGINFO);
	cr_expect(now.sa_handler != SIG_DFL && now.sa_handler != SIG_IGN);
	cr_assert_eq(ffd_wait(fd, NULL, 0, NULL), 0);
	ffd_close(fd);
}

/* Window 3: the handler's failing waitid must not leak its errno. */
Test(generic, handler_preserves_errno, .timeout = 10)
{
	struct gate gate;
	gate_make(&gate);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = counting_handler;
	cr_assert_eq(sigaction(SIGCHLD, &sa, NULL), 0);

	pid_t pid;
	int fd = ffd_fork(FFD_USE_FORK, &pid);
	if (fd == FFD_CHILD_PROCESS)
		child_exit_after_gate(&gate, 0);
	cr_assert_geq(fd, 0);
	/* A foreign reap makes the handler's own waitid fail with ECHILD. */
	sigset_t chld, saved;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, &saved);
	gate_open(&gate);
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
	errno = EDOM;
	pthread_sigmask(SIG_SETMASK, &saved, NULL); /* handler runs here */
	int seen = errno;
	cr_expect_eq(chained_calls, 1, "handler did not run at unblock");
	cr_expect_eq(seen, EDOM, "errno changed to %d by the handler", seen);
	ffd_close(fd);
	gate_drop(&gate);
}

/* Window 12: a foreign reaper took the child: ECHILD, not a hang, even with
 * SIGCHLD blocked throughout (the waiter checks for itself). */
Test(generic, foreign_reaper_echild, .timeout = 10)
{
	struct gate gate;
	gate_make(&gate);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, NULL);

	pid_t pid;
	int fd = ffd_fork(FFD_USE_FORK, &pid);
	if (fd == FFD_CHILD_PROCESS)
		child_exit_after_gate(&gate, 0);
	cr_assert_geq(fd, 0);
	gate_open(&gate);
	cr_assert_eq(waitpid(-1, NULL, 0), pid);

	struct ffd_info info;
	errno = 0;
	cr_expect_eq(ffd_wait(fd, &info, 0, NULL), -1);
	cr_expect_eq(errno, ECHILD);
	int before = count_open_fds();
	cr_expect_eq(ffd_close(fd), 0);
	cr_expect_eq(count_open_fds(), before - 1);
	cr_expect_null(ffd__slot_find(fd), "slot not freed");
	gate_drop(&gate);
}

/* Window 11 and missed signals: SIGCHLD never delivered, status still
 * reported by the waiter's own check. */
Test(generic, blocked_sigchld_death_still_reported, .timeout = 10)
{
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, NULL);

	int fd = fork_exiting_child(12, NULL);
	struct ffd_info info;
	cr_assert_eq(ffd_wait(fd, &info, 0, NULL), 0, "%s", strerror(errno));
	cr_expect_eq(info.code, CLD_EXITED);
	cr_expect_eq(info.status, 12);
	ffd_close(fd);
}

Test(generic, table_grows_past_first_block, .timeout = 10)
{
	struct gate gate;
	gate_make(&gate);
	enum { LIVE = FFD__BLOCK_SLOTS + 10 };
	int fds[LIVE];
	for (int i = 0; i < LIVE; i++) {
		fds[i] = ffd_fork(FFD_USE_FORK, NULL);
		if (fds[i] == FFD_CHILD_PROCESS)
			child_exit_after_gate(&gate, i);
		cr_assert_geq(fds[i], 0, "child %d: %s", i, strerror(errno));
	}
	cr_expect_not_null(atomic_load(&ffd__first_block.next), "no second block");
	gate_open(&gate);
	for (int i = 0; i < LIVE; i++) {
		struct ffd_info info;
		cr_expect_eq(ffd_wait(fds[i], &info, 0, NULL), 0);
		cr_expect_eq(info.status, i);
		ffd_close(fds[i]);
	}
	gate_drop(&gate);
}

Test(generic, rusage_filled, .timeout = 10)
{
	pid_t pid;
	int fd = ffd_fork(FFD_USE_FORK, &pid);
	if (fd == FFD_CHILD_PROCESS) {
		/* Burn a little CPU so utime+stime is likely above zero. */
		volatile unsigned long x = 0;
		for (unsigned long i = 0; i < 20000000UL; i++)
			x += i;
		_exit(0);
	}
	struct rusage ru;
	memset(&ru, 0xff, sizeof(ru));
	cr_assert_eq(ffd_wait(fd, NULL, 0, &ru), 0);
	cr_expect_geq(ru.ru_utime.tv_sec, 0);
	cr_expect_lt(ru.ru_utime.tv_usec, 1000000);
	cr_expect_geq(ru.ru_maxrss, 0);
	ffd_close(fd);
}

/* Window 5 with a real failure: room for exactly one more descriptor, so
 * the go eventfd is created and the death pipe fails with EMFILE.  Nothing
 * may stay open. */
Test(generic, pipe_emfile_releases_everything, .timeout = 10)
{
	int highest = 0;
	for (int fd = 0; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			highest = fd;
	/* Fill every hole below the highest descriptor, then allow exactly one
     * more number above it. */
	for (int fd = 0; fd < highest; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			cr_assert_eq(dup2(highest, fd), fd);
	struct rlimit limit = { (rlim_t)highest + 2, (rlim_t)highest + 2 };
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &limit), 0);
	int before = count_open_fds();
	errno = 0;
	cr_expect_eq(ffd_fork(FFD_USE_FORK, NULL), -1);
	cr_expect_eq(errno, EMFILE, "errno %d", errno);
	cr_expect_eq(count_open_fds(), before, "descriptor leaked");
}

/* Window 6: fork fails (glibc's fork is the clone system call): its errno
 * reaches the caller and every descriptor and the slot are released. */
Test(generic, fork_failure_releases_everything, .timeout = 10)
{
	int before = count_open_fds();
	deny_syscall(SYS_clone, EAGAIN);
	errno = 0;
	cr_expect_eq(ffd_fork(FFD_USE_FORK, NULL), -1);
	cr_expect_eq(errno, EAGAIN, "errno %d", errno);
	cr_expect_eq(count_open_fds(), before, "descriptor leaked");
	for (int i = 0; i < FFD__BLOCK_SLOTS; i++)
		cr_expect_eq(atomic_load(&ffd__first_block.slots[i].state), FFD__SLOT_FREE, "slot %d still taken", i);
}

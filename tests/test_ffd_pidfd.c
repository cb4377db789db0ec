/* The pidfd path: no SIGCHLD handler, a real pidfd, and the orphan reaper. */
#include "ffd.h"
#include "test_ffd_util.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

Test(pidfd, no_sigchld_handler_installed, .timeout = 10)
{
	struct sigaction before, after;
	cr_assert_eq(sigaction(SIGCHLD, NULL, &before), 0);
	pid_t pid;
	int fd = ffd_fork(0, &pid);
	if (fd == FFD_CHILD_PROCESS)
		_exit(0);
	cr_assert_geq(fd, 0, "%s", strerror(errno));
	cr_expect(fd_is_pidfd(fd));
	cr_assert_eq(ffd_wait(fd, NULL, 0, NULL), 0);
	ffd_close(fd);
	char *argv[] = { "true", NULL };
	fd = ffd_spawn(0, &pid, "/bin/true", NULL, NULL, argv, NULL);
	cr_assert_geq(fd, 0, "%s", strerror(errno));
	cr_assert_eq(ffd_wait(fd, NULL, 0, NULL), 0);
	ffd_close(fd);
	cr_assert_eq(sigaction(SIGCHLD, NULL, &after), 0);
	cr_expect_eq(after.sa_handler, before.sa_handler, "handler changed");
	cr_expect_eq(after.sa_flags, before.sa_flags, "flags changed");
}

Test(pidfd, foreign_reaper_echild, .timeout = 10)
{
	pid_t pid;
	int fd = ffd_fork(0, &pid);
	if (fd == FFD_CHILD_PROCESS)
		_exit(0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
	errno = 0;
	cr_expect_eq(ffd_wait(fd, NULL, 0, NULL), -1);
	cr_expect_eq(errno, ECHILD);
	cr_expect_eq(ffd_close(fd), 0);
}

Test(pidfd, wait_on_closed_fd_ebadf, .timeout = 10)
{
	errno = 0;
	cr_expect_eq(ffd_wait(1000, NULL, 0, NULL), -1);
	cr_expect_eq(errno, EBADF);
	errno = 0;
	cr_expect_eq(ffd_close(1000), -1);
	cr_expect_eq(errno, EBADF);
}

static void fork_and_check(int expect_pidfd)
{
	pid_t pid;
	int fd = ffd_fork(0, &pid);
	if (fd == FFD_CHILD_PROCESS)
		_exit(21);
	cr_assert_geq(fd, 0, "ffd_fork: %s", strerror(errno));
	cr_expect_eq(fd_is_pidfd(fd), expect_pidfd, "wrong path taken");
	struct ffd_info info;
	cr_assert_eq(ffd_wait(fd, &info, 0, NULL), 0, "%s", strerror(errno));
	cr_expect_eq(info.code, CLD_EXITED);
	cr_expect_eq(info.status, 21);
	cr_expect_eq(ffd_close(fd), 0);
	cr_expect(wait_reaped(pid));
}

/* Window 13: no clone3 -> clone(CLONE_PIDFD), still a pidfd. */
Test(pidfd, clone3_enosys_uses_clone, .timeout = 10)
{
	deny_syscall(SYS_clone3, ENOSYS);
	fork_and_check(1);
}

Test(pidfd, clone3_eperm_uses_clone, .timeout = 10)
{
	deny_syscall(SYS_clone3, EPERM);
	fork_and_check(1);
}

/* Window 13: no pidfd at all -> the generic path, transparently. */
Test(pidfd, pidfd_open_enosys_uses_generic, .timeout = 10)
{
	deny_syscall(SYS_pidfd_open, ENOSYS);
	fork_and_check(0);
	struct sigaction now;
	cr_assert_eq(sigaction(SIGCHLD, NULL, &now), 0);
	cr_expect(now.sa_handler != SIG_DFL, "generic path without handler");
}

/* A clone failure that is not "unsupported" is reported, not hidden. */
Test(pidfd, clone3_eagain_reported, .timeout = 10)
{
	deny_syscall(SYS_clone3, EAGAIN);
	errno = 0;
	cr_expect_eq(ffd_fork(0, NULL), -1);
	cr_expect_eq(errno, EAGAIN);
}

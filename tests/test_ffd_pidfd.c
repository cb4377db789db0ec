/* The pidfd path: no SIGCHLD handler, a real pidfd, and the orphan reaper. */
#include "ffd.h"
#include "test_ffd_util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
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

/* The pidfd-spawn window: ffd_spawn's child dies, a foreign reaper takes it
 * and its pid goes to an unrelated process, all between posix_spawn's
 * return and the library's pidfd_open.  Replayed exactly: a seccomp filter
 * traps the library's pidfd_open (flags 0) with SIGSYS; the handler plays
 * the foreign reaper, has a helper process create a child of its own with
 * the freed pid (clone3 set_tid), then makes the pidfd_open for the library
 * (with PIDFD_NONBLOCK, which the filter lets through) and answers with its
 * result, as the kernel would have. */
#if defined(__x86_64__)
#define SYSCALL_ARG0(uc) ((uc)->uc_mcontext.gregs[REG_RDI])
#define SYSCALL_RET(uc) ((uc)->uc_mcontext.gregs[REG_RAX])
#elif defined(__aarch64__)
#define SYSCALL_ARG0(uc) ((uc)->uc_mcontext.regs[0])
#define SYSCALL_RET(uc) ((uc)->uc_mcontext.regs[0])
#endif

/* clone3's argument block up to set_tid_size (version 1, 80 bytes). */
struct clone3_set_tid {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size;
};

static struct {
	int request; /* to the helper: the pid to take */
	int answer;  /* from it: the pid it made, or -errno */
	int reaped;  /* the handler reaped the spawned child */
	long given;  /* the helper's answer */
} reuse = { -1, -1, 0, 0 };

/* The helper: a child of ours whose own child takes the pid it is given,
 * so that process is not ours.  That child waits for hold to close. */
static void pid_taker(int request, int answer, int hold)
{
	pid_t pid;
	if (read(request, &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
		_exit(1);
	struct clone3_set_tid args;
	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	args.set_tid = (uint64_t)(uintptr_t)&pid;
	args.set_tid_size = 1;
	long made = syscall(SYS_clone3, &args, sizeof(args));
	if (made == 0) {
		char c;
		while (read(hold, &c, 1) > 0)
			;
		_exit(0);
	}
	long reply = made < 0 ? -errno : made;
	if (write(answer, &reply, sizeof(reply)) != (ssize_t)sizeof(reply))
		_exit(1);
	if (made > 0)
		waitpid((pid_t)made, NULL, 0);
	_exit(0);
}

#ifdef SYSCALL_RET
static void reap_and_reuse(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)info;
	int saved_errno = errno;
	ucontext_t *uc = ctx;
	pid_t pid = (pid_t)SYSCALL_ARG0(uc);
	reuse.reaped = waitpid(pid, NULL, 0) == pid;
	if (write(reuse.request, &pid, sizeof(pid)) != (ssize_t)sizeof(pid) ||
	    read(reuse.answer, &reuse.given, sizeof(reuse.given)) != (ssize_t)sizeof(reuse.given))
		reuse.given = -EIO;
	long fd = syscall(SYS_pidfd_open, (long)pid, (long)O_NONBLOCK);
	if (fd >= 0)
		fcntl((int)fd, F_SETFL, 0);
	SYSCALL_RET(uc) = fd >= 0 ? fd : -errno;
	errno = saved_errno;
}
#endif

Test(pidfd, spawn_child_reaped_pid_reused_echild, .timeout = 10)
{
#ifndef SYSCALL_RET
	cr_skip_test("no system call emulation written for this architecture");
#else
	/* First use probes with pidfd_open(getpid(), 0): done before the trap. */
	pid_t pid;
	int fd = ffd_fork(0, &pid);
	if (fd == FFD_CHILD_PROCESS)
		_exit(0);
	cr_assert(fd >= 0 && fd_is_pidfd(fd), "no pidfd path here");
	cr_assert_eq(ffd_wait(fd, NULL, 0, NULL), 0);
	ffd_close(fd);

	int request[2], answer[2], hold[2];
	cr_assert(pipe(request) == 0 && pipe(answer) == 0 && pipe(hold) == 0);
	pid_t taker = fork();
	cr_assert_geq(taker, 0);
	if (taker == 0) {
		close(hold[1]);
		pid_taker(request[0], answer[1], hold[0]);
	}
	close(hold[0]);
	reuse.request = request[1];
	reuse.answer = answer[0];
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = reap_and_reuse;
	sa.sa_flags = SA_SIGINFO;
	cr_assert_eq(sigaction(SIGSYS, &sa, NULL), 0);
	trap_syscall(SYS_pidfd_open, 0);

	char *argv[] = { "true", NULL };
	errno = 0;
	fd = ffd_spawn(0, &pid, "/bin/true", NULL, NULL, argv, NULL);
	int err = errno;
	close(hold[1]); /* the process that took the pid may end */
	waitpid(taker, NULL, 0);
	cr_assert(reuse.reaped, "the spawned child was not reaped in the window");
	if (reuse.given == -EPERM)
		cr_skip_test("clone3 set_tid needs CAP_SYS_ADMIN: no pid reuse to replay");
	cr_assert_gt(reuse.given, 0, "the pid was not taken: %s", strerror((int)-reuse.given));
	cr_expect_eq(fd, -1, "ffd_spawn returned a pidfd of a process that is not its child");
	cr_expect_eq(err, ECHILD, "errno %s, not ECHILD", strerror(err));
#endif
}

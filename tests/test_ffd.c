/* libffd behaviour common to both paths.  Every test runs twice: on the
 * pidfd path (flags 0) and on the generic SIGCHLD path (FFD_USE_FORK). */
#include "ffd.h"
#include "test_ffd_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

extern char **environ;

#define BOTH_PATHS(name, check)            \
	Test(pidfd, name, .timeout = 10)   \
	{                                  \
		check(PATH_PIDFD);         \
	}                                  \
	Test(generic, name, .timeout = 10) \
	{                                  \
		check(PATH_GENERIC);       \
	}

/* ffd_fork a child that waits at gate (may be NULL) then exits with code. */
static int fork_child(int flags, pid_t *pid, const struct gate *gate, int code)
{
	int fd = ffd_fork(flags, pid);
	if (fd == FFD_CHILD_PROCESS)
		child_exit_after_gate(gate, code);
	cr_assert_geq(fd, 0, "ffd_fork: %s", strerror(errno));
	if (!(flags & FFD_USE_FORK))
		cr_assert(fd_is_pidfd(fd), "pidfd path did not return a pidfd");
	return fd;
}

static void check_exit_code(int flags)
{
	pid_t pid;
	int fd = fork_child(flags, &pid, NULL, 42);
	struct ffd_info info;
	struct rusage ru;
	cr_assert_eq(ffd_wait(fd, &info, 0, &ru), 0, "%s", strerror(errno));
	cr_expect_eq(info.code, CLD_EXITED);
	cr_expect_eq(info.status, 42);
	cr_expect(wait_reaped(pid), "child left as a zombie");
	cr_expect_eq(ffd_close(fd), 0);
}
BOTH_PATHS(exit_code_reported, check_exit_code)

static void check_killed(int flags)
{
	struct gate gate;
	gate_make(&gate);
	pid_t pid;
	int fd = fork_child(flags, &pid, &gate, 0);
	cr_assert_eq(kill(pid, SIGKILL), 0);
	struct ffd_info info;
	cr_assert_eq(ffd_wait(fd, &info, 0, NULL), 0, "%s", strerror(errno));
	cr_expect_eq(info.code, CLD_KILLED);
	cr_expect_eq(info.status, SIGKILL);
	gate_drop(&gate);
	cr_expect_eq(ffd_close(fd), 0);
}
BOTH_PATHS(signal_death_reported_killed, check_killed)

/* Whether a dump can be written, judged from core_pattern; reason if not. */
static const char *core_dump_impossible(void)
{
	static char pattern[PATH_MAX];
	FILE *f = fopen("/proc/sys/kernel/core_pattern", "r");
	if (!f)
		return "cannot read /proc/sys/kernel/core_pattern";
	if (!fgets(pattern, sizeof(pattern), f))
		pattern[0] = '\0';
	fclose(f);
	pattern[strcspn(pattern, "\n")] = '\0';
	if (pattern[0] == '\0')
		return "core_pattern is empty: the kernel writes no dumps";
	if (pattern[0] == '|')
		return NULL; /* a helper program receives it: reported as dumped */
	if (pattern[0] == '/') {
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s", pattern);
		*strrchr(dir, '/') = '\0';
		if (access(dir[0] ? dir : "/", W_OK) != 0)
			return "core_pattern names a directory this test cannot write";
	}
	return NULL;
}

/* The dump directory holds plain files only (the core). */
static void remove_dump_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *entry;
		while ((entry = readdir(d)) != NULL)
			if (entry->d_name[0] != '.')
				unlinkat(dirfd(d), entry->d_name, 0);
		closedir(d);
	}
	cr_expect_eq(rmdir(dir), 0, "cannot remove %s: %s", dir, strerror(errno));
}

static void check_dumped(int flags)
{
	const char *reason = core_dump_impossible();
	if (reason) {
		cr_skip_test("core dump impossible here:\n%s\n", reason);
		return;
	}
	/* A relative pattern writes into the child's cwd: give it a private
     * directory and clean it afterwards. */
	char dir[] = "/tmp/ffd-core-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	pid_t pid;
	int fd = ffd_fork(flags, &pid);
	if (fd == FFD_CHILD_PROCESS) {
		struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
		setrlimit(RLIMIT_CORE, &unlimited);
		if (chdir(dir) == 0)
			kill(getpid(), SIGQUIT);
		_exit(99);
	}
	cr_assert_geq(fd, 0);
	struct ffd_info info;
	cr_assert_eq(ffd_wait(fd, &info, 0, NULL), 0, "%s", strerror(errno));
	ffd_close(fd);
	remove_dump_dir(dir);
	cr_expect_eq(info.status, SIGQUIT);
	if (info.code == CLD_KILLED) {
		cr_skip_test("core dump refused by the system:\n"
			     "kernel reported CLD_KILLED (not dumpable or limit)\n");
		return;
	}
	cr_expect_eq(info.code, CLD_DUMPED);
}
BOTH_PATHS(core_dump_reported_dumped, check_dumped)

static void check_nonblock(int flags)
{
	struct gate gate;
	gate_make(&gate);
	pid_t pid;
	int fd = fork_child(flags | FFD_NONBLOCK, &pid, &gate, 3);
	cr_expect(fd_is_nonblocking(fd));
	struct ffd_info info;
	errno = 0;
	cr_expect_eq(ffd_wait(fd, &info, FFD_WNOHANG, NULL), -1);
	cr_expect_eq(errno, EAGAIN);
	errno = 0;
	cr_expect_eq(ffd_wait(fd, &info, 0, NULL), -1, "nonblocking fd blocked");
	cr_expect_eq(errno, EAGAIN);
	gate_open(&gate);
	cr_assert(wait_readable(fd), "death never made the fd readable");
	cr_assert_eq(ffd_wait(fd, &info, FFD_WNOHANG, NULL), 0, "%s", strerror(errno));
	cr_expect_eq(info.code, CLD_EXITED);
	cr_expect_eq(info.status, 3);
	gate_drop(&gate);
	ffd_close(fd);
}
BOTH_PATHS(nonblock_live_child_eagain, check_nonblock)

static void check_wnohang_blocking_fd(int flags)
{
	struct gate gate;
	gate_make(&gate);
	pid_t pid;
	int fd = fork_child(flags, &pid, &gate, 0);
	cr_expect_not(fd_is_nonblocking(fd));
	struct ffd_info info;
	cr_expect_eq(ffd_wait(fd, &info, FFD_WNOHANG, NULL), -1);
	cr_expect_eq(errno, EAGAIN);
	gate_open(&gate);
	cr_assert_eq(ffd_wait(fd, &info, 0, NULL), 0);
	gate_drop(&gate);
	ffd_close(fd);
}
BOTH_PATHS(wnohang_live_child_eagain, check_wnohang_blocking_fd)

static void check_cloexec(int flags)
{
	pid_t pid;
	int with = fork_child(flags | FFD_CLOEXEC, &pid, NULL, 0);
	cr_expect(fd_has_cloexec(with));
	int without = fork_child(flags, &pid, NULL, 0);
	cr_expect_not(fd_has_cloexec(without));
	struct ffd_info info;
	cr_expect_eq(ffd_wait(with, &info, 0, NULL), 0);
	cr_expect_eq(ffd_wait(without, &info, 0, NULL), 0);
	ffd_close(with);
	ffd_close(without);
}
BOTH_PATHS(cloexec_flag_applied, check_cloexec)

static void check_close_before_death(int flags)
{
	struct gate gate;
	gate_make(&gate);
	pid_t pid;
	int fd = fork_child(flags, &pid, &gate, 0);
	cr_assert_eq(ffd_close(fd), 0, "%s", strerror(errno));
	gate_open(&gate);
	cr_expect(wait_reaped(pid), "closed-early child left as a zombie");
	gate_drop(&gate);
}
BOTH_PATHS(close_before_death_no_zombie, check_close_before_death)

/* The orphan's reaper waits on the descriptor it was handed: a non-blocking
 * one must not make it give up (it once answered EAGAIN and left a zombie). */
static void check_close_before_death_nonblock(int flags)
{
	check_close_before_death(flags | FFD_NONBLOCK);
}
BOTH_PATHS(close_before_death_nonblock_no_zombie, check_close_before_death_nonblock)

static void check_close_after_death(int flags)
{
	pid_t pid;
	int fd = fork_child(flags, &pid, NULL, 0);
	cr_assert(wait_readable(fd));
	cr_assert_eq(ffd_close(fd), 0, "%s", strerror(errno));
	cr_expect(wait_reaped(pid), "unwaited child left as a zombie");
}
BOTH_PATHS(close_after_death_no_zombie, check_close_after_death)

static void check_spawn(int flags)
{
	char *argv[] = { "sh", "-c", "exit 7", NULL };
	pid_t pid;
	int fd = ffd_spawn(flags, &pid, "/bin/sh", NULL, NULL, argv, environ);
	cr_assert_geq(fd, 0, "ffd_spawn: %s", strerror(errno));
	struct ffd_info info;
	cr_assert_eq(ffd_wait(fd, &info, 0, NULL), 0, "%s", strerror(errno));
	cr_expect_eq(info.code, CLD_EXITED);
	cr_expect_eq(info.status, 7);
	cr_expect_eq(ffd_close(fd), 0);
}
BOTH_PATHS(spawn_exit_code_reported, check_spawn)

static void check_spawn_missing(int flags)
{
	char *argv[] = { "missing", NULL };
	int before = count_open_fds();
	pid_t pid = 0;
	errno = 0;
	int fd = ffd_spawn(flags, &pid, "/nonexistent/ffd-missing", NULL, NULL, argv, environ);
	cr_expect_eq(fd, -1);
	cr_expect_eq(errno, ENOENT, "errno %d (%s)", errno, strerror(errno));
	cr_expect_eq(count_open_fds(), before, "descriptor leaked");
}
BOTH_PATHS(spawn_missing_program_enoent, check_spawn_missing)

static void check_wnowait(int flags)
{
	pid_t pid;
	int fd = fork_child(flags, &pid, NULL, 17);
	struct ffd_info peeked, taken;
	cr_assert_eq(ffd_wait(fd, &peeked, FFD_WNOWAIT, NULL), 0, "%s", strerror(errno));
	cr_assert_eq(ffd_wait(fd, &taken, 0, NULL), 0, "%s", strerror(errno));
	cr_expect_eq(peeked.code, CLD_EXITED);
	cr_expect_eq(peeked.status, 17);
	cr_expect_eq(taken.code, peeked.code);
	cr_expect_eq(taken.status, peeked.status);
	errno = 0;
	cr_expect_eq(ffd_wait(fd, &taken, 0, NULL), -1);
	cr_expect_eq(errno, ECHILD, "status reported twice");
	ffd_close(fd);
}
BOTH_PATHS(wnowait_then_wait_same_status, check_wnowait)

/* 200 children from 4 threads: every status reported once, to the right
 * descriptor. */
#define THREADS 4
#define CHILDREN_PER_THREAD 50

struct thread_job {
	int flags;
	int base;
	int failures;
};

static void *fork_and_wait_many(void *arg)
{
	struct thread_job *job = arg;
	int fds[CHILDREN_PER_THREAD];
	for (int i = 0; i < CHILDREN_PER_THREAD; i++) {
		fds[i] = ffd_fork(job->flags, NULL);
		if (fds[i] == FFD_CHILD_PROCESS)
			_exit(job->base + i);
		if (fds[i] < 0)
			job->failures++;
	}
	for (int i = 0; i < CHILDREN_PER_THREAD; i++) {
		if (fds[i] < 0)
			continue;
		struct ffd_info info;
		if (ffd_wait(fds[i], &info, 0, NULL) != 0 || info.code != CLD_EXITED || info.status != job->base + i)
			job->failures++;
		if (ffd_wait(fds[i], &info, 0, NULL) != -1 || errno != ECHILD)
			job->failures++; /* reported twice */
		if (ffd_close(fds[i]) != 0)
			job->failures++;
	}
	return NULL;
}

static void check_threads(int flags)
{
	pthread_t threads[THREADS];
	struct thread_job jobs[THREADS];
	for (int t = 0; t < THREADS; t++) {
		jobs[t] = (struct thread_job){ flags, t * CHILDREN_PER_THREAD, 0 };
		cr_assert_eq(pthread_create(&threads[t], NULL, fork_and_wait_many, &jobs[t]), 0);
	}
	int failures = 0;
	for (int t = 0; t < THREADS; t++) {
		pthread_join(threads[t], NULL);
		failures += jobs[t].failures;
	}
	cr_expect_eq(failures, 0);
}
BOTH_PATHS(threads_200_children_each_reported_once, check_threads)

/* More simultaneously live children than the first slot block holds. */
#define MANY_LIVE 80

static void check_many_live(int flags)
{
	struct gate gate;
	gate_make(&gate);
	int fds[MANY_LIVE];
	for (int i = 0; i < MANY_LIVE; i++)
		fds[i] = fork_child(flags, NULL, &gate, i);
	gate_open(&gate);
	for (int i = 0; i < MANY_LIVE; i++) {
		struct ffd_info info;
		cr_expect_eq(ffd_wait(fds[i], &info, 0, NULL), 0);
		cr_expect_eq(info.status, i);
		ffd_close(fds[i]);
	}
	gate_drop(&gate);
}
BOTH_PATHS(many_live_children_all_reported, check_many_live)

static void check_bad_args(int flags)
{
	errno = 0;
	cr_expect_eq(ffd_fork(flags | 0x100, NULL), -1);
	cr_expect_eq(errno, EINVAL);
	pid_t pid;
	int fd = fork_child(flags, &pid, NULL, 0);
	errno = 0;
	cr_expect_eq(ffd_wait(fd, NULL, 0x100, NULL), -1);
	cr_expect_eq(errno, EINVAL);
	cr_expect_eq(ffd_wait(fd, NULL, 0, NULL), 0);
	ffd_close(fd);
}
BOTH_PATHS(unknown_flags_einval, check_bad_args)

/* Window 8: an fcntl failure is reported with its errno and releases
 * everything (on the pidfd path the child already exists: reaped). */
static void check_fcntl_failure(int flags)
{
	int before = count_open_fds();
	deny_syscall(SYS_fcntl, EACCES);
	errno = 0;
	int fd = ffd_fork(flags | FFD_NONBLOCK | FFD_CLOEXEC, NULL);
	if (fd == FFD_CHILD_PROCESS)
		_exit(0);
	cr_expect_eq(fd, -1, "flag silently lost");
	cr_expect_eq(errno, EACCES, "errno %d", errno);
	cr_expect_eq(count_open_fds(), before, "descriptor leaked");
	siginfo_t si;
	errno = 0;
	cr_expect_eq(waitid(P_ALL, 0, &si, WEXITED | WNOHANG), -1, "a child is left behind");
	cr_expect_eq(errno, ECHILD);
}
BOTH_PATHS(fcntl_failure_reported_released, check_fcntl_failure)

/* probe: a small target the shim tests run under `forkchaos run`.  Each
 * subcommand (the table at the end; `probe --help` prints it) exercises one
 * behaviour and prints what it observed, one "key value..." line per
 * observation, for the test to compare. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "targets.h"

extern char **environ;

static const char *ename(int err)
{
	const char *name = strerrorname_np(err);
	return name ? name : "?";
}

static void report(const char *what, int i, long ret, int err)
{
	printf("%s %d %ld %s\n", what, i, ret, ret < 0 ? ename(err) : "OK");
	fflush(stdout);
}

static int do_pipe2(const struct sub_args *args)
{
	int n = (int)args->n;
	for (int i = 1; i <= n; i++) {
		int fds[2];
		int ret = pipe2(fds, O_CLOEXEC);
		report("pipe2", i, ret, errno);
		if (ret == 0) {
			close(fds[0]);
			close(fds[1]);
		}
	}
	return 0;
}

static int do_fork(const struct sub_args *args)
{
	int n = (int)args->n, child_pipes = args->k;
	for (int i = 1; i <= n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			for (int k = 1; k <= child_pipes; k++) {
				int fds[2];
				int ret = pipe2(fds, 0);
				printf("child%d-pipe2 %d %d %s\n", i, k, ret, ret < 0 ? ename(errno) : "OK");
			}
			fflush(stdout);
			_exit(0);
		}
		report("fork", i, pid, errno);
		int status;
		if (pid > 0 && waitpid(pid, &status, 0) == pid)
			printf("child%d-status %s:%d\n", i, WIFSIGNALED(status) ? "killed" : "exited",
			       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
	return 0;
}

/* The torn-oldact pattern: the handler reads the global that sigaction
 * fills as oldact; it reports what it saw. */
static struct sigaction old_global = { .sa_flags = 0x5a5a };
static volatile sig_atomic_t handler_calls, handler_saw_filled;

static void on_chld(int sig)
{
	handler_calls++;
	handler_saw_filled = old_global.sa_flags != 0x5a5a;
}

static int do_inside(const struct sub_args *args)
{
	struct sigaction sa = { .sa_handler = on_chld };
	sigemptyset(&sa.sa_mask);
	int ret = sigaction(SIGCHLD, &sa, &old_global);
	printf("sigaction %d handler_calls %d saw_oldact_filled %d oldact_filled_after %d\n", ret, (int)handler_calls,
	       (int)handler_saw_filled, old_global.sa_flags != 0x5a5a);
	return 0;
}

/* pipe from two named functions (and via a third) for caller= */
__attribute__((noipa)) static int from_alpha(void)
{
	return pipe_closed(0);
}

__attribute__((noipa)) static int from_beta(void)
{
	return pipe_closed(1);
}

static volatile int helper_last;

__attribute__((noipa)) static int via_helper(void)
{
	int ret = from_beta();
	helper_last = ret; /* work after the call: no tail call, so a frame of its own */
	return ret;
}

/* descriptors before and after a call from via_helper (a caller= rule
 * with depth= must not leave descriptors of the shim's behind) */
static int fd_count(void)
{
	int count = 0;
	for (int fd = 0; fd < 1024; fd++)
		count += fcntl(fd, F_GETFD) >= 0;
	return count;
}

static int do_census(const struct sub_args *args)
{
	int before = fd_count();
	int ret = via_helper();
	printf("census %d %d ret %d\n", before, fd_count(), ret);
	return 0;
}

static int do_caller(const struct sub_args *args)
{
	int n = (int)args->n;
	for (int i = 1; i <= n; i++) {
		int ret = from_alpha();
		report("alpha", i, ret, errno);
		ret = from_beta();
		report("beta", i, ret, errno);
		ret = via_helper();
		report("helper", i, ret, errno);
	}
	return 0;
}

static int do_prob(const struct sub_args *args)
{
	int n = (int)args->n;
	char pattern[1024];
	int k = 0;
	for (int i = 0; i < n && k < (int)sizeof pattern - 1; i++) {
		int fd = dup(1);
		pattern[k++] = fd < 0 ? 'x' : '.';
		if (fd >= 0)
			close(fd);
	}
	pattern[k] = 0;
	printf("pattern %s\n", pattern);
	return 0;
}

static int do_errno(const struct sub_args *args)
{
	int fds[2];
	errno = 4242;
	int ret = pipe2(fds, 0);
	int after_pipe = errno;
	errno = 4343;
	close(fds[0]);
	int after_close = errno;
	errno = 4444;
	void *p = malloc(64);
	int after_malloc = errno;
	free(p);
	close(fds[1]);
	printf("errno pipe2 %d %d close %d malloc %d\n", ret, after_pipe, after_close, after_malloc);
	return 0;
}

static int do_delay(const struct sub_args *args)
{
	struct timespec a, b;
	int fds[2];
	clock_gettime(CLOCK_MONOTONIC, &a);
	int ret = pipe2(fds, 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long us = (b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000;
	printf("delay %d %ld\n", ret, us);
	return 0;
}

static int do_hang(const struct sub_args *args)
{
	if (fork() == 0) {
		if (fork() == 0)
			for (;;)
				pause();
		for (;;)
			pause();
	}
	for (;;)
		pause();
	return 0;
}

static int do_exit(const struct sub_args *args)
{
	return (int)args->n;
}

static int do_kill(const struct sub_args *args)
{
	signal((int)args->n, SIG_DFL);
	raise((int)args->n);
	return 99;
}

static int do_env(const struct sub_args *args)
{
	const char *name = args->word;
	const char *value = getenv(name);
	printf("env %s %s\n", name, value ? value : "(unset)");
	return 0;
}

static int do_spawn(const struct sub_args *args)
{
	const char *path = args->word ? args->word : "/bin/true";
	pid_t pid;
	char *argv[] = { (char *)path, NULL };
	int ret = posix_spawn(&pid, path, NULL, NULL, argv, environ);
	printf("spawn %d %s\n", ret, ret ? ename(ret) : "OK");
	if (ret == 0)
		waitpid(pid, NULL, 0);
	return 0;
}

static int do_spawnwait(const struct sub_args *args)
{
	pid_t pid;
	char *argv[] = { "/bin/true", NULL };
	int ret = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
	siginfo_t info;
	info.si_pid = 0;
	waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT);
	printf("spawnwait %d dead_on_return %d\n", ret, info.si_pid == pid);
	waitpid(pid, NULL, 0);
	return 0;
}

static int do_sys(const struct sub_args *args)
{
	long ret = syscall(SYS_getppid);
	report("sys_getppid", 1, ret, errno);
	ret = syscall(SYS_close, 12345);
	report("sys_close", 1, ret, errno);
	return 0;
}

static int do_vfork(const struct sub_args *args)
{
	pid_t pid = vfork();
	if (pid == 0)
		_exit(7);
	int status = 0;
	if (pid > 0)
		waitpid(pid, &status, 0);
	printf("vfork %d %s status %d\n", pid > 0 ? 1 : (int)pid, pid < 0 ? ename(errno) : "OK",
	       pid > 0 ? WEXITSTATUS(status) : -1);
	return 0;
}

static int thread_failures;

static void *pipe_loop(void *arg)
{
	int n = *(int *)arg;
	for (int i = 0; i < n; i++) {
		int fds[2];
		if (pipe2(fds, 0) < 0) {
			__atomic_add_fetch(&thread_failures, 1, __ATOMIC_RELAXED);
			continue;
		}
		close(fds[0]);
		close(fds[1]);
	}
	return NULL;
}

static int do_threads(const struct sub_args *args)
{
	int n = (int)args->n;
	pthread_t threads[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&threads[i], NULL, pipe_loop, &n);
	for (int i = 0; i < 4; i++)
		pthread_join(threads[i], NULL);
	printf("threads failures %d of %d\n", thread_failures, 4 * n);
	return 0;
}

/* N pipe2 here, then a fork whose child makes its first calls from 4
 * threads at once, N pipe2 each: the child takes its stats slot at its
 * first count (life.c), whichever thread makes it, and counts from 1 */
static int do_forkthreads(const struct sub_args *args)
{
	int n = (int)args->n;
	pipe_loop(&n);
	int parent_failures = thread_failures;
	pid_t pid = fork();
	if (pid == 0) {
		thread_failures = 0;
		pthread_t threads[4];
		for (int i = 0; i < 4; i++)
			pthread_create(&threads[i], NULL, pipe_loop, &n);
		for (int i = 0; i < 4; i++)
			pthread_join(threads[i], NULL);
		printf("child failures %d of %d\n", thread_failures, 4 * n);
		fflush(stdout);
		_exit(0);
	}
	int status = 0;
	if (pid > 0)
		waitpid(pid, &status, 0);
	printf("parent failures %d of %d, child %s\n", parent_failures, n, pid > 0 && status == 0 ? "exited 0" : "failed");
	return 0;
}

/* the shim must come along into the new image, and count from 1 again */
static int do_exec(const struct sub_args *args)
{
	char *argv[] = { "probe", "pipe2", (char *)args->word, NULL };
	execv("/proc/self/exe", argv);
	perror("execv");
	return 1;
}

static int do_fdsel(const struct sub_args *args)
{
	int ret = close(1000);
	report("close1000", 1, ret, errno);
	ret = close(1001);
	report("close1001", 1, ret, errno);
	return 0;
}

/* close a pipe end, then close it again (EBADF if the first close really
 * closed it, whatever it reported) */
static int do_closeexit(const struct sub_args *args)
{
	int fds[2];
	if (pipe(fds) < 0)
		return 1;
	int ret = close(fds[0]);
	report("close-first", 1, ret, errno);
	ret = close(fds[0]);
	report("close-again", 1, ret, errno);
	close(fds[1]);
	return 0;
}

static int do_lib(const struct sub_args *args)
{
	const char *path = args->word;
	void *handle = dlopen(path, RTLD_NOW);
	int (*lib_pipe)(void) = handle ? (int (*)(void))dlsym(handle, "fcprobe_lib_pipe") : NULL;
	if (!lib_pipe) {
		fprintf(stderr, "probe: cannot load %s: %s\n", path, dlerror());
		return 1;
	}
	int ret = lib_pipe();
	report("lib", 1, ret, errno);
	ret = from_alpha();
	report("main", 1, ret, errno);
	return 0;
}

/* a SIGUSR1 handler calls pipe2; the signal comes from the shim (kill
 * with signal=...), so the trace must show the handler's call */
static volatile sig_atomic_t handler_pipe_ret = 99;
static void on_usr1(int sig)
{
	int fds[2];
	handler_pipe_ret = pipe2(fds, 0);
	if (handler_pipe_ret == 0) {
		close(fds[0]);
		close(fds[1]);
	}
}

static int do_handler(const struct sub_args *args)
{
	signal(SIGUSR1, on_usr1);
	int fds[2];
	int ret = pipe(fds);
	printf("handler main %d handler_pipe2 %d\n", ret, (int)handler_pipe_ret);
	return 0;
}

static const struct subcommand subcommands[] = {
	{ "pipe2", do_pipe2, "[N]", "N pipe2 calls (1), each pipe closed again" },
	{ "fork", do_fork, "[N [K]]", "N forks (1); each child makes K pipes (0), the parent waits" },
	{ "census", do_census, "", "descriptors before and after a pipe from via_helper" },
	{ "inside", do_inside, "", "SIGCHLD handler install: did the handler see oldact filled?" },
	{ "caller", do_caller, "[N]", "N rounds (1) of pipe from from_alpha, from_beta, via_helper" },
	{ "prob", do_prob, "[N]", "N dup(1)/close pairs (1): the pattern of failed dups" },
	{ "errno", do_errno, "", "errno across passed-through pipe2, close, malloc" },
	{ "delay", do_delay, "", "how long one pipe2 takes, in microseconds" },
	{ "hang", do_hang, "", "a child and a grandchild that never end (nor this)" },
	{ "exit", do_exit, "[CODE]", "exit with CODE (1)" },
	{ "kill", do_kill, "[SIG]", "die by signal SIG (1)" },
	{ "env", do_env, "NAME", "print an environment variable" },
	{ "spawn", do_spawn, "[PATH]", "posix_spawn PATH (/bin/true): its return value" },
	{ "spawnwait", do_spawnwait, "", "is /bin/true dead when posix_spawn returns?" },
	{ "sys", do_sys, "", "syscall(2) by number: getppid, then close(12345)" },
	{ "threads", do_threads, "[N]", "4 threads, N pipe2 each (1): the failures" },
	{ "forkthreads", do_forkthreads, "[N]", "N pipe2, then a child of 4 threads, N pipe2 each: the failures" },
	{ "exec", do_exec, "[N]", "re-exec as `pipe2 N`" },
	{ "closeexit", do_closeexit, "", "close a pipe end twice: did the first really close it?" },
	{ "fdsel", do_fdsel, "", "close(1000), close(1001)" },
	{ "lib", do_lib, "PATH", "pipe from fcprobe_lib_pipe in the library PATH, then from the program" },
	{ "handler", do_handler, "", "a pipe, and a pipe2 in a SIGUSR1 handler (the shim's signal)" },
	{ "vfork", do_vfork, "", "vfork; the child exits 7, the parent reports it" },
};

int main(int argc, char **argv)
{
	return SUB_MAIN("probe", subcommands);
}

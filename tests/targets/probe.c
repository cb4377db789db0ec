/* probe: a small target the shim tests run under `forkchaos run`.  Each
 * subcommand exercises one behaviour and prints what it observed, one
 * "key value..." line per observation, for the test to compare. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* pipe2 N: N pipe2 calls, each pipe closed again */
static int do_pipe2(int n)
{
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

/* fork N: N forks; each child runs `pipe2 K` if K > 0, then exits */
static int do_fork(int n, int child_pipes)
{
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

/* inside: the torn-oldact pattern.  The handler reads the global that
 * sigaction fills as oldact; it reports what it saw. */
static struct sigaction old_global = { .sa_flags = 0x5a5a };
static volatile sig_atomic_t handler_calls, handler_saw_filled;

static void on_chld(int sig)
{
	handler_calls++;
	handler_saw_filled = old_global.sa_flags != 0x5a5a;
}

static int do_inside(void)
{
	struct sigaction sa = { .sa_handler = on_chld };
	sigemptyset(&sa.sa_mask);
	int ret = sigaction(SIGCHLD, &sa, &old_global);
	printf("sigaction %d handler_calls %d saw_oldact_filled %d oldact_filled_after %d\n", ret, (int)handler_calls,
	       (int)handler_saw_filled, old_global.sa_flags != 0x5a5a);
	return 0;
}

/* caller: pipe from two named functions */
__attribute__((noipa)) static int from_alpha(void)
{
	int fds[2];
	int ret = pipe(fds);
	if (ret == 0) {
		close(fds[0]);
		close(fds[1]);
	}
	return ret;
}

__attribute__((noipa)) static int from_beta(void)
{
	int fds[2];
	int ret = pipe(fds);
	if (ret == 0) {
		close(fds[1]); /* reverse order: distinct code, no identical folding */
		close(fds[0]);
	}
	return ret;
}

static volatile int helper_last;

__attribute__((noipa)) static int via_helper(void)
{
	int ret = from_beta();
	helper_last = ret; /* work after the call: no tail call, so a frame of its own */
	return ret;
}

/* census: descriptors before and after a call from via_helper (a caller=
 * rule with depth= must not leave descriptors of the shim's behind) */
static int fd_count(void)
{
	int count = 0;
	for (int fd = 0; fd < 1024; fd++)
		count += fcntl(fd, F_GETFD) >= 0;
	return count;
}

static int do_census(void)
{
	int before = fd_count();
	int ret = via_helper();
	printf("census %d %d ret %d\n", before, fd_count(), ret);
	return 0;
}

static int do_caller(int n)
{
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

/* prob N: N dup(1)/close pairs; prints the pattern of failed dups */
static int do_prob(int n)
{
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

/* errno: errno survives a passed-through successful call */
static int do_errno(void)
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

/* delay: how long one pipe2 takes, in microseconds */
static int do_delay(void)
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

/* hang: a child and a grandchild that never end */
static int do_hang(void)
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

/* exit CODE | kill SIG */
static int do_kill(int sig)
{
	signal(sig, SIG_DFL);
	raise(sig);
	return 99;
}

/* env NAME: print an environment variable */
static int do_env(const char *name)
{
	const char *value = getenv(name);
	printf("env %s %s\n", name, value ? value : "(unset)");
	return 0;
}

/* spawn: posix_spawn /bin/true, report its return value */
#include <spawn.h>
extern char **environ;
static int do_spawn(const char *path)
{
	pid_t pid;
	char *argv[] = { (char *)path, NULL };
	int ret = posix_spawn(&pid, path, NULL, NULL, argv, environ);
	printf("spawn %d %s\n", ret, ret ? ename(ret) : "OK");
	if (ret == 0)
		waitpid(pid, NULL, 0);
	return 0;
}

/* spawnwait: is the spawned /bin/true already dead when posix_spawn returns? */
static int do_spawnwait(void)
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

/* sys: syscall(2) by number: getppid, then close(-1) */
#include <sys/syscall.h>
static int do_sys(void)
{
	long ret = syscall(SYS_getppid);
	report("sys_getppid", 1, ret, errno);
	ret = syscall(SYS_close, 12345);
	report("sys_close", 1, ret, errno);
	return 0;
}

/* vfork: the child exits with 7, the parent reports its status */
static int do_vfork(void)
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

/* threads N: 4 threads, N pipe2 each; counts the failures */
#include <pthread.h>
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

static int do_threads(int n)
{
	pthread_t threads[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&threads[i], NULL, pipe_loop, &n);
	for (int i = 0; i < 4; i++)
		pthread_join(threads[i], NULL);
	printf("threads failures %d of %d\n", thread_failures, 4 * n);
	return 0;
}

/* exec N: re-exec this program as `pipe2 N` (the shim must come along) */
static int do_exec(const char *n)
{
	char *argv[] = { "probe", "pipe2", (char *)n, NULL };
	execv("/proc/self/exe", argv);
	perror("execv");
	return 1;
}

/* fdsel: close(-1) on two numbers; reports each */
static int do_fdsel(void)
{
	int ret = close(1000);
	report("close1000", 1, ret, errno);
	ret = close(1001);
	report("close1001", 1, ret, errno);
	return 0;
}

/* closeexit: close a pipe end, then close it again (EBADF if the first
 * close really closed it, whatever it reported) */
static int do_closeexit(void)
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

/* lib: pipe from a function in a shared library, then from main */
#include <dlfcn.h>
static int do_lib(const char *path)
{
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

/* handler: a SIGUSR1 handler calls pipe2; the signal comes from the shim
 * (kill with signal=...), so the trace must show the handler's call */
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

static int do_handler(void)
{
	signal(SIGUSR1, on_usr1);
	int fds[2];
	int ret = pipe(fds);
	printf("handler main %d handler_pipe2 %d\n", ret, (int)handler_pipe_ret);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int n = argc > 2 ? atoi(argv[2]) : 1;
	if (!strcmp(cmd, "pipe2"))
		return do_pipe2(n);
	if (!strcmp(cmd, "fork"))
		return do_fork(n, argc > 3 ? atoi(argv[3]) : 0);
	if (!strcmp(cmd, "census"))
		return do_census();
	if (!strcmp(cmd, "inside"))
		return do_inside();
	if (!strcmp(cmd, "caller"))
		return do_caller(n);
	if (!strcmp(cmd, "prob"))
		return do_prob(n);
	if (!strcmp(cmd, "errno"))
		return do_errno();
	if (!strcmp(cmd, "delay"))
		return do_delay();
	if (!strcmp(cmd, "hang"))
		return do_hang();
	if (!strcmp(cmd, "exit"))
		return n;
	if (!strcmp(cmd, "kill"))
		return do_kill(n);
	if (!strcmp(cmd, "env"))
		return do_env(argv[2]);
	if (!strcmp(cmd, "spawn"))
		return do_spawn(argc > 2 ? argv[2] : "/bin/true");
	if (!strcmp(cmd, "spawnwait"))
		return do_spawnwait();
	if (!strcmp(cmd, "sys"))
		return do_sys();
	if (!strcmp(cmd, "threads"))
		return do_threads(n);
	if (!strcmp(cmd, "exec"))
		return do_exec(argv[2]);
	if (!strcmp(cmd, "closeexit"))
		return do_closeexit();
	if (!strcmp(cmd, "fdsel"))
		return do_fdsel();
	if (!strcmp(cmd, "lib"))
		return do_lib(argv[2]);
	if (!strcmp(cmd, "handler"))
		return do_handler();
	if (!strcmp(cmd, "vfork"))
		return do_vfork();
	fprintf(stderr, "probe: unknown subcommand '%s'\n", cmd);
	return 64;
}

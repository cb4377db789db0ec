/* stress: targets that once broke the shim itself (a review's findings),
 * kept as regression tests.  Each prints "ok ..." or "bad ..." lines. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

/* handler-malloc: a thread holds malloc's locks while SIGCHLD handlers
 * (calling waitpid, traced by the shim) run in the main thread. */
static void reap(int sig)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void *churn(void *arg)
{
	for (int i = 0; i < 200000; i++)
		free(malloc((size_t)(i % 512) + 1));
	return arg;
}

static int handler_malloc(void)
{
	pthread_t thread;
	signal(SIGCHLD, reap);
	pthread_create(&thread, NULL, churn, NULL);
	for (int i = 0; i < 200; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		for (int k = 0; k < 200; k++)
			free(malloc((size_t)k + 1));
	}
	pthread_join(thread, NULL);
	puts("ok handler-malloc");
	return 0;
}

/* altstack: a SIGCHLD handler on a MINSIGSTKSZ-ish alternate stack. */
static int altstack(void)
{
	/* 8 KiB with a guard page below it: an overflow faults, not corrupts */
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *area = mmap(NULL, page + 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(area, page, PROT_NONE);
	stack_t ss = { .ss_sp = area + page, .ss_size = 8192 };
	sigaltstack(&ss, NULL);
	struct sigaction sa = { .sa_handler = reap, .sa_flags = SA_ONSTACK | SA_RESTART };
	sigaction(SIGCHLD, &sa, NULL);
	for (int i = 0; i < 20; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		while (kill(pid, 0) == 0)
			sched_yield();
	}
	puts("ok altstack");
	return 0;
}

/* vclose FILE: a vfork child closes every descriptor before exec; the
 * parent then writes to its own file, which must hold only its words. */
static int vclose(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pid_t pid = vfork();
	if (pid == 0) {
		for (int i = 3; i < 1024; i++)
			close(i);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	for (int i = 0; i < 5; i++) {
		int fds[2];
		if (pipe(fds) == 0) {
			close(fds[0]);
			close(fds[1]);
		}
	}
	if (write(fd, "mine\n", 5) != 5)
		return 1;
	close(fd);
	puts("ok vclose");
	return 0;
}

/* closefrom FILE: after closefrom(3) the program takes fds up to 200 (where
 * the shim parks its trace) for its own file. */
static int closefrom_then_reuse(const char *path)
{
	closefrom(3);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (int n = 4; n <= 210; n++)
		dup2(fd, n);
	for (int i = 0; i < 5; i++) {
		int fds[2];
		if (pipe(fds) == 0) {
			close(fds[0]);
			close(fds[1]);
		}
	}
	if (write(fd, "mine\n", 5) != 5)
		return 1;
	puts("ok closefrom");
	return 0;
}

/* sigrace N: writes to fd 3 (/dev/null) from the main loop and from a
 * 20 us timer's handler; prints how many writes failed of how many. */
static long writes, failures;
static int null_fd;

static void tick(int sig)
{
	int saved = errno;
	__atomic_add_fetch(&writes, 1, __ATOMIC_RELAXED);
	if (write(null_fd, "x", 1) < 0)
		__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
	errno = saved;
}

static int sigrace(long n)
{
	null_fd = open("/dev/null", O_WRONLY);
	if (null_fd != 3)
		dup2(null_fd, 3), null_fd = 3;
	struct sigaction sa = { .sa_handler = tick, .sa_flags = SA_RESTART };
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval timer = { { 0, 20 }, { 0, 20 } };
	setitimer(ITIMER_REAL, &timer, NULL);
	for (long i = 0; i < n; i++) {
		/* atomic: the handler must not lose its own counts either */
		__atomic_add_fetch(&writes, 1, __ATOMIC_RELAXED);
		if (write(null_fd, "x", 1) < 0)
			__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
	}
	struct itimerval off = { 0 };
	setitimer(ITIMER_REAL, &off, NULL);
	printf("sigrace writes %ld failures %ld\n", writes, failures);
	return 0;
}

/* longcaller: a caller= name longer than 64 characters */
__attribute__((noipa)) static int a_function_with_a_rather_long_name_of_more_than_sixty_four_characters_x(void)
{
	int fds[2];
	int ret = pipe(fds);
	if (ret == 0) {
		close(fds[0]);
		close(fds[1]);
	}
	return ret;
}

static int longcaller(void)
{
	int ret = a_function_with_a_rather_long_name_of_more_than_sixty_four_characters_x();
	printf("long %d %s\n", ret, ret < 0 ? strerrorname_np(errno) : "OK");
	return 0;
}

/* clone3bad: clone3 with a bad pointer must fail with EFAULT, not crash */
static int clone3bad(void)
{
	long ret = syscall(SYS_clone3, (void *)8, 88);
	printf("clone3 %ld %s\n", ret, ret < 0 ? strerrorname_np(errno) : "OK");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	if (!strcmp(cmd, "handler-malloc"))
		return handler_malloc();
	if (!strcmp(cmd, "altstack"))
		return altstack();
	if (!strcmp(cmd, "vclose") && argc > 2)
		return vclose(argv[2]);
	if (!strcmp(cmd, "closefrom") && argc > 2)
		return closefrom_then_reuse(argv[2]);
	if (!strcmp(cmd, "sigrace"))
		return sigrace(argc > 2 ? atol(argv[2]) : 100000);
	if (!strcmp(cmd, "longcaller"))
		return longcaller();
	if (!strcmp(cmd, "clone3bad"))
		return clone3bad();
	fprintf(stderr, "stress: unknown subcommand '%s'\n", cmd);
	return 64;
}

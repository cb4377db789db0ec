/* stress: targets that once broke the shim itself (a review's findings),
 * kept as regression tests (the table at the end; `stress --help` prints
 * it).  Each prints "ok ..." or "bad ..." lines. */
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
#include "targets.h"

/* A thread holds malloc's locks while SIGCHLD handlers (calling waitpid,
 * traced by the shim) run in the main thread. */
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

static int handler_malloc(const struct sub_args *args)
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

static int altstack(const struct sub_args *args)
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

/* Five pipes, each closed again: traced calls, made once the test's file
 * sits where the shim's trace could land (vclose, closefrom). */
static void traced_pipes(void)
{
	for (int i = 0; i < 5; i++)
		pipe_closed(0);
}

/* A vfork child closes every descriptor before exec; the parent then
 * writes to its own file, which must hold only its words. */
static int vclose(const struct sub_args *args)
{
	int fd = open(args->word, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pid_t pid = vfork();
	if (pid == 0) {
		for (int i = 3; i < 1024; i++)
			close(i);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	traced_pipes();
	if (write(fd, "mine\n", 5) != 5)
		return 1;
	close(fd);
	puts("ok vclose");
	return 0;
}

/* After closefrom(3) the program takes fds 4 to 210 for its own file: the
 * shim parks its trace from 200 up, and none of it may land in the file. */
static int closefrom_then_reuse(const struct sub_args *args)
{
	closefrom(3);
	int fd = open(args->word, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (int n = 4; n <= 210; n++)
		dup2(fd, n);
	traced_pipes();
	if (write(fd, "mine\n", 5) != 5)
		return 1;
	puts("ok closefrom");
	return 0;
}

/* Writes to fd 3 (/dev/null) from the main loop and from a 20 us timer's
 * handler: the shim's call counts must lose none of either. */
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

static int sigrace(const struct sub_args *args)
{
	long n = args->word ? args->n : 100000;
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

/* a caller= name longer than 64 characters */
__attribute__((noipa)) static int a_function_with_a_rather_long_name_of_more_than_sixty_four_characters_x(void)
{
	return pipe_closed(0);
}

static int longcaller(const struct sub_args *args)
{
	int ret = a_function_with_a_rather_long_name_of_more_than_sixty_four_characters_x();
	printf("long %d %s\n", ret, ret < 0 ? strerrorname_np(errno) : "OK");
	return 0;
}

static int clone3bad(const struct sub_args *args)
{
	long ret = syscall(SYS_clone3, (void *)8, 88);
	printf("clone3 %ld %s\n", ret, ret < 0 ? strerrorname_np(errno) : "OK");
	return 0;
}

static const struct subcommand subcommands[] = {
	{ "handler-malloc", handler_malloc, "", "SIGCHLD handlers run while another thread holds malloc's locks" },
	{ "altstack", altstack, "", "a SIGCHLD handler on an 8 KiB alternate stack" },
	{ "vclose", vclose, "FILE", "a vfork child closes every fd; FILE must hold only our words" },
	{ "closefrom", closefrom_then_reuse, "FILE", "closefrom(3), then fds 4 to 210 for FILE: no trace in it" },
	{ "sigrace", sigrace, "[N]", "N writes (100000) to fd 3, and more from a 20 us timer: how many failed" },
	{ "longcaller", longcaller, "", "pipe from a function whose name is longer than 64 characters" },
	{ "clone3bad", clone3bad, "", "clone3 with a bad pointer: EFAULT, not a crash" },
};

int main(int argc, char **argv)
{
	return SUB_MAIN("stress", subcommands);
}

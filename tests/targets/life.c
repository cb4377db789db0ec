/* life: a process's life under the shim, one subcommand per behaviour that
 * tests/test_shim_life.c checks (forks, atfork handlers, daemon(), waits,
 * dispositions, a child's crash).  Each prints what it saw, one line per
 * observation. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "targets.h"

static const char *ename(int err)
{
	const char *name = err ? strerrorname_np(err) : "OK";
	return name ? name : "?";
}

static void pipe2_report(const char *who, int i)
{
	int fds[2];
	int ret = pipe2(fds, O_CLOEXEC);
	int err = errno;
	printf("%s %d %d %s\n", who, i, ret, ret < 0 ? ename(err) : "OK");
	fflush(stdout);
	if (ret == 0) {
		close(fds[0]);
		close(fds[1]);
	}
}

static void in_child_handler(void)
{
	pipe2_report("atfork-child-pipe2", 1);
}

/* A program's pthread_atfork child handler makes a call: it is the child's
 * first, not the parent's next. */
static int do_atfork(const struct sub_args *args)
{
	pthread_atfork(NULL, NULL, in_child_handler);
	for (int i = 1; i <= 3; i++)
		pipe2_report("parent-pipe2", i);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	pipe2_report("parent-pipe2", 4);
	return 0;
}

/* daemon() forks inside glibc: its child counts from 1, and its own
 * descriptors are its own (the trace is not written into them). */
static int do_daemon(const struct sub_args *args)
{
	int out = dup(1);
	pipe2_report("before-daemon-pipe2", 1);
	if (daemon(1, 1) < 0)
		return 1;
	/* the daemon: write what it sees to the descriptor kept from before */
	dup2(out, 1);
	pipe2_report("daemon-pipe2", 1);
	int fd = open(args->word, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	for (int i = 0; i < 20; i++)
		pipe2_report("daemon-pipe2", i + 2);
	if (fd >= 0) {
		if (write(fd, "daemon\n", 7) != 7)
			return 1;
		close(fd);
	}
	return 0;
}

/* waitpid(WNOHANG) before the child is dead, then a blocking one. */
static int do_waits(const struct sub_args *args)
{
	int hold[2];
	if (pipe(hold) < 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		char byte;
		close(hold[1]);
		if (read(hold[0], &byte, 1) < 0)
			_exit(100);
		_exit(3);
	}
	close(hold[0]);
	int status = 0;
	pid_t got = waitpid(pid, &status, WNOHANG);
	printf("nohang %d %s\n", (int)got, got < 0 ? ename(errno) : "OK");
	close(hold[1]);
	got = waitpid(pid, &status, 0);
	printf("wait %d %s\n", got == pid ? 1 : (int)got, got < 0 ? ename(errno) : "OK");
	if (got < 0)
		waitpid(pid, NULL, 0);
	return 0;
}

static void on_chld(int sig)
{
}

static int do_handler(const struct sub_args *args)
{
	struct sigaction sa = { .sa_handler = on_chld, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	printf("sigaction %d\n", sigaction(SIGCHLD, &sa, NULL));
	printf("signal %d\n", signal(SIGUSR1, SIG_IGN) == SIG_ERR ? -1 : 0);
	return 0;
}

/* A child that dies by SIGSEGV, reaped with a NULL status. */
static int do_child_crash(const struct sub_args *args)
{
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
		_exit(0);
	}
	printf("reaped %d\n", waitpid(pid, NULL, 0) == pid);
	return 0;
}

/* N forks, each child making one pipe2: a trace of several processes. */
static int do_forks(const struct sub_args *args)
{
	for (long i = 0; i < args->n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			pipe2_report("child-pipe2", 1);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	return 0;
}

static volatile sig_atomic_t plain_calls, info_calls, info_had_pid;

static void plain_handler(int sig)
{
	plain_calls++;
}

static void info_handler(int sig, siginfo_t *info, void *uctx)
{
	info_calls++;
	info_had_pid = info && info->si_pid == getpid();
}

static const char *name_of(void *fn)
{
	return fn == (void *)plain_handler   ? "plain_handler"
		: fn == (void *)info_handler ? "info_handler"
		: fn == (void *)SIG_DFL      ? "SIG_DFL"
		: fn == (void *)SIG_IGN      ? "SIG_IGN"
					     : "OTHER";
}

/* What a program sees of its own handlers: the same with the shim as
 * without (the trampoline is invisible). */
static int do_dispositions(const struct sub_args *args)
{
	struct sigaction sa = { .sa_handler = plain_handler, .sa_flags = SA_RESTART }, old, q;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR1, NULL, &q);
	printf("query %s flags %#x\n", name_of((void *)q.sa_handler), q.sa_flags);
	raise(SIGUSR1);
	printf("plain calls %d\n", (int)plain_calls);
	struct sigaction si = { .sa_sigaction = info_handler, .sa_flags = SA_SIGINFO };
	sigemptyset(&si.sa_mask);
	sigaction(SIGUSR1, &si, &old);
	printf("oldact %s flags %#x\n", name_of((void *)old.sa_handler), old.sa_flags);
	raise(SIGUSR1);
	printf("info calls %d pid %d\n", (int)info_calls, (int)info_had_pid);
	sighandler_t prev = signal(SIGUSR1, plain_handler);
	printf("signal returned %s\n", name_of((void *)prev));
	raise(SIGUSR1);
	printf("plain calls %d\n", (int)plain_calls);
	struct sigaction once = { .sa_handler = plain_handler, .sa_flags = SA_RESETHAND };
	sigemptyset(&once.sa_mask);
	sigaction(SIGUSR2, &once, NULL);
	raise(SIGUSR2);
	sigaction(SIGUSR2, NULL, &q);
	printf("after resethand %s calls %d\n", name_of((void *)q.sa_handler), (int)plain_calls);
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		unsigned long mask;
	} raw;
	syscall(SYS_rt_sigaction, SIGUSR1, NULL, &raw, 8);
	printf("raw query %s\n", name_of(raw.handler));
	return 0;
}

static const struct subcommand subcommands[] = {
	{ "dispositions", do_dispositions, "", "install, query and run handlers; print what the program sees" },
	{ "atfork", do_atfork, "", "3 pipe2, a fork whose atfork child handler makes a pipe2, a 4th pipe2" },
	{ "daemon", do_daemon, "FILE", "daemon(), then pipe2s in the daemon, which writes FILE" },
	{ "waits", do_waits, "", "waitpid WNOHANG on a live child, then a blocking waitpid" },
	{ "handler", do_handler, "", "install a SIGCHLD handler and SIG_IGN for SIGUSR1" },
	{ "child-crash", do_child_crash, "", "a child dies by SIGSEGV; waitpid(pid, NULL, 0)" },
	{ "forks", do_forks, "[N]", "N children, each makes one pipe2" },
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	return SUB_MAIN("life", subcommands);
}

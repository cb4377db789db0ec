/* sigchld_components MODE: an application installs its own SIGCHLD
 * handler, then a "component" installs one of its own, as libraries that
 * reap their children do; one child is forked and dies; the program prints
 * how often each handler ran.  One behaviour per MODE, each the broken or
 * the sound twin of what an oracle judges:
 *
 *   replace      the component installs over the application's handler
 *                without reading it (oldact NULL): chained must fail
 *   ignore-pred  it reads the predecessor and never calls it: chained fails
 *   chain        it reads it and calls it, SIGCHLD blocked around the
 *                install: chained holds
 *   torn         the same without the block: a SIGCHLD between the
 *                handler going live and oldact being filled skips the
 *                predecessor (window 1, at=inside): chained fails
 *   clobber      its handler changes errno (a call that fails with
 *                ESRCH): errno fails
 *   save-errno   the same handler saving and restoring errno: errno holds
 *   no-restart   installed without SA_RESTART while a thread blocks in
 *                read(): that read fails with EINTR: eintr fails
 *   restart      the same with SA_RESTART: eintr holds
 *   poll         the same with SA_RESTART while the thread blocks in
 *                poll(), which the kernel never restarts: its EINTR is
 *                routine, eintr holds */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t app_calls, component_calls;
static struct sigaction predecessor;
static int chain, clobber_errno, save_errno;

static void app_handler(int sig)
{
	app_calls++;
}

static void component_handler(int sig, siginfo_t *info, void *uctx)
{
	int saved = errno;
	component_calls++;
	if (clobber_errno)
		kill(INT_MAX, 0); /* ESRCH: errno moves, as a failed waitpid's would */
	if (chain && predecessor.sa_handler != SIG_DFL && predecessor.sa_handler != SIG_IGN) {
		if (predecessor.sa_flags & SA_SIGINFO)
			predecessor.sa_sigaction(sig, info, uctx);
		else
			predecessor.sa_handler(sig);
	}
	if (save_errno)
		errno = saved;
}

static int pipefd[2], use_poll;
static volatile pid_t reader_tid;

static void *reader(void *arg)
{
	char byte;
	reader_tid = gettid();
	if (use_poll) {
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		int ready = poll(&p, 1, -1);
		printf("poll %s\n", ready < 0 ? strerrorname_np(errno) : "OK");
		return NULL;
	}
	ssize_t got = read(pipefd[0], &byte, 1);
	printf("read %s\n", got < 0 ? strerrorname_np(errno) : "OK");
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "chain";
	int replace = !strcmp(mode, "replace"), restart = strcmp(mode, "no-restart") != 0, torn = !strcmp(mode, "torn");
	use_poll = !strcmp(mode, "poll");
	int blocking_reader = !strcmp(mode, "no-restart") || !strcmp(mode, "restart") || use_poll;
	chain = !strcmp(mode, "chain") || torn || !strcmp(mode, "clobber") || !strcmp(mode, "save-errno") || blocking_reader;
	clobber_errno = !strcmp(mode, "clobber") || !strcmp(mode, "save-errno");
	save_errno = !strcmp(mode, "save-errno") || blocking_reader;

	struct sigaction app = { .sa_handler = app_handler, .sa_flags = SA_RESTART };
	sigemptyset(&app.sa_mask);
	sigaction(SIGCHLD, &app, NULL);

	struct sigaction comp = { .sa_sigaction = component_handler, .sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0) };
	sigset_t held, was;
	sigemptyset(&comp.sa_mask);
	sigemptyset(&held);
	sigaddset(&held, SIGCHLD);
	/* RACE: window 1 (the handler is live before its predecessor is
	 * stored): SIGCHLD waits until `predecessor` is filled (forkchaos
	 * explore found the window here: a SIGCHLD inside the install skipped
	 * app_handler); torn keeps it open */
	sigprocmask(torn ? SIG_UNBLOCK : SIG_BLOCK, torn ? NULL : &held, &was);
	sigaction(SIGCHLD, &comp, replace ? NULL : &predecessor);
	sigprocmask(SIG_SETMASK, &was, NULL);

	pthread_t thread;
	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (blocking_reader) {
		if (pipe(pipefd) < 0 || pthread_create(&thread, NULL, reader, NULL))
			return 2;
		/* the SIGCHLD goes to the reader: the main thread blocks it */
		pthread_sigmask(SIG_BLOCK, &chld, &old);
		/* ... once the reader sleeps in its read (state S) */
		char path[64], stat[256];
		for (int asleep = 0; !asleep;) {
			while (!reader_tid)
				;
			snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)reader_tid);
			FILE *f = fopen(path, "r");
			if (f && fgets(stat, sizeof stat, f)) {
				const char *end = strrchr(stat, ')');
				asleep = end && end[1] == ' ' && end[2] == 'S';
			}
			if (f)
				fclose(f);
		}
	}
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	/* the child's death is delivered before we look: wait for it */
	siginfo_t info;
	waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT);
	for (int spins = 0; component_calls == 0 && spins < 100000000; spins++)
		;
	if (blocking_reader) {
		if (write(pipefd[1], "x", 1) != 1)
			return 2;
		pthread_join(thread, NULL);
		close(pipefd[0]);
		close(pipefd[1]);
	}
	waitpid(pid, NULL, 0);
	printf("component %d app %d\n", (int)component_calls, (int)app_calls);
	return 0;
}

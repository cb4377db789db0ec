/* perturb MODE: what a program sees of explore's perturbations (the plan
 * actions reap=, oldact=, child_death= and signal=...@other), one MODE
 * each, printing one line that says it.  Without a plan each prints what
 * an unperturbed run sees; tests/test_explore_actions.c runs each with
 * and without its action.
 *
 *   reap      a child that exited, then waitpid(pid): its status, or
 *             ECHILD when a foreign reaper took it first (waitpid:reap=any)
 *   oldact    sigaction(SIGCHLD, NULL, &old): the disposition it reports
 *   install   a SIGCHLD handler installed over one of ours, reading oldact:
 *             what the install reports (sigaction:when=2:oldact=...)
 *   death     a SIGCHLD handler that peeks for a reapable child, then a
 *             pipe(): how often it ran and found one (pipe:child_death=exit),
 *             and whether a child is left to reap
 *   other     a thread blocked in read() and a SIGUSR1 handler that notes
 *             its thread, then a pipe(): where it ran (pipe:signal=SIGUSR1@other)
 *   nosys     pidfd_open(2) through syscall(2), no fallback: an older kernel
 *             (sys_pidfd_open:error=ENOSYS) makes it fail and exit 1
 *   nosys-fallback  the same with a fallback: the same output either way
 *   early     a SIGCHLD handler, a child blocked until its parent looked
 *             whether it died: any SIGCHLD before the look (a signal at
 *             sigaction, pipe or fork, a helper's death) is taken for its
 *             death, the same wrong answer whatever the point: exit 1 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *disposition(const struct sigaction *sa, char *buf, size_t len)
{
	const char *what = sa->sa_handler == SIG_DFL ? "dfl" : sa->sa_handler == SIG_IGN ? "ign" : "handler";
	snprintf(buf, len, "%s siginfo %d", what, (sa->sa_flags & SA_SIGINFO) != 0);
	return buf;
}

static int reap(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	siginfo_t info;
	/* dead, not reaped: a zombie is what a foreign reaper takes */
	waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT);
	int status;
	if (waitpid(pid, &status, 0) < 0)
		printf("waitpid %s\n", strerrorname_np(errno));
	else
		printf("waitpid exited:%d\n", WEXITSTATUS(status));
	return 0;
}

static void noop(int sig)
{
	(void)sig;
}

static int oldact(int install)
{
	struct sigaction mine = { .sa_handler = noop, .sa_flags = SA_RESTART }, old;
	char buf[64];
	sigemptyset(&mine.sa_mask);
	if (install && sigaction(SIGCHLD, &mine, NULL) < 0)
		return 2;
	if (sigaction(SIGCHLD, install ? &mine : NULL, &old) < 0)
		return 2;
	printf("old %s\n", disposition(&old, buf, sizeof buf));
	return 0;
}

static volatile sig_atomic_t runs, reapable;

static void peek(int sig)
{
	siginfo_t info = { 0 };
	int saved = errno;
	runs++;
	if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid > 0)
		reapable++;
	errno = saved;
}

static int death(void)
{
	struct sigaction sa = { .sa_handler = peek, .sa_flags = SA_RESTART };
	int fds[2];
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	if (pipe(fds) < 0)
		return 2;
	close(fds[0]);
	close(fds[1]);
	int left = waitpid(-1, NULL, WNOHANG) > 0;
	printf("sigchld %d reapable %d left %d\n", (int)runs, (int)reapable, left);
	return 0;
}

static int reader_fds[2];
static volatile pid_t reader_tid, handled_in;

static void *reader(void *arg)
{
	char byte;
	reader_tid = gettid();
	while (read(reader_fds[0], &byte, 1) < 0 && errno == EINTR)
		;
	return arg;
}

static void note_thread(int sig)
{
	(void)sig;
	handled_in = gettid();
}

static int other(void)
{
	pthread_t thread;
	int fds[2];
	struct sigaction sa = { .sa_handler = note_thread, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	if (pipe(reader_fds) < 0 || pthread_create(&thread, NULL, reader, NULL))
		return 2;
	while (!reader_tid)
		sched_yield();
	if (pipe(fds) < 0)
		return 2;
	/* a signal sent to the reader is handled there before this returns
	 * only by luck: wait for it, bounded */
	for (long spins = 0; !handled_in && spins < 200000000; spins++)
		;
	printf("handled %s\n", !handled_in ? "nowhere" : handled_in == reader_tid ? "other" : "self");
	close(fds[0]);
	close(fds[1]);
	if (write(reader_fds[1], "x", 1) != 1)
		return 2;
	pthread_join(thread, NULL);
	close(reader_fds[0]);
	close(reader_fds[1]);
	return 0;
}

static int oldact_query(void)
{
	return oldact(0);
}

static int oldact_install(void)
{
	return oldact(1);
}

static int pidfd(int fallback)
{
	long fd = syscall(SYS_pidfd_open, getpid(), 0);
	if (fd < 0 && !(fallback && errno == ENOSYS)) {
		printf("pidfd_open: %s\n", strerrorname_np(errno));
		return 1;
	}
	if (fd >= 0)
		close((int)fd);
	printf("a handle on the process: ok\n");
	return 0;
}

static int nosys(void)
{
	return pidfd(0);
}

static int nosys_fallback(void)
{
	return pidfd(1);
}

static volatile sig_atomic_t child_died;

static void note_death(int sig)
{
	(void)sig;
	child_died = 1;
}

/* The child stays blocked until the parent has looked, so that nothing but
 * a perturbation makes it fail: what the test of the order asks. */
static int early(void)
{
	struct sigaction sa = { .sa_handler = note_death, .sa_flags = SA_RESTART };
	int fds[2];
	char c;
	sigaction(SIGCHLD, &sa, NULL);
	if (pipe(fds) < 0)
		return 2;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[1]);
		_exit(read(fds[0], &c, 1) == 0 ? 0 : 1);
	}
	/* any SIGCHLD taken for this child's death: the bug */
	int gone = child_died;
	close(fds[1]);
	close(fds[0]);
	waitpid(pid, NULL, 0);
	printf(gone ? "the child died before the parent looked\n" : "the child was alive when the parent looked\n");
	return gone;
}

static const struct {
	const char *name;
	int (*run)(void);
} modes[] = {
	{ "reap", reap },   { "oldact", oldact_query }, { "install", oldact_install },        { "death", death },
	{ "other", other }, { "nosys", nosys },         { "nosys-fallback", nosys_fallback }, { "early", early },
};

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (!strcmp(mode, modes[i].name))
			return modes[i].run();
	fprintf(stderr, "usage: perturb reap|oldact|install|death|other|nosys|nosys-fallback|early\n");
	return 2;
}

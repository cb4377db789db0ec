/* syslayer: calls glibc makes inside itself (fork's clone, posix_spawn's
 * clone3 and clone, pthread_create's, system's and popen's), for the
 * syscall-level layer (tests/test_syscall_layer*.c); and trees, threads
 * and deaths that must never leave the supervisor or the target stuck.
 * Each subcommand prints one line per result: "CALL I OK" or "CALL I
 * RET ERRNAME". */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "targets.h"

extern char **environ;

static void say(const char *call, long i, int ret, int err)
{
	if (ret >= 0)
		printf("%s %ld OK\n", call, i);
	else
		printf("%s %ld %d %s\n", call, i, ret, strerrorname_np(err));
	fflush(stdout);
}

static int forks(const char *who, long n)
{
	for (long i = 1; i <= n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		int err = errno;
		if (pid > 0)
			waitpid(pid, NULL, 0);
		say(who, i, pid, err);
	}
	return 0;
}

static int sub_fork(const struct sub_args *a)
{
	return forks("fork", a->n);
}

/* The child counts again from 1: it forks N times as its parent does. */
static int sub_forkchild(const struct sub_args *a)
{
	pid_t pid = fork();
	if (pid == 0) {
		forks("child-fork", a->n);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	say("first-fork", 1, pid, errno);
	return forks("parent-fork", a->n);
}

static int sub_spawn(const struct sub_args *a)
{
	char *argv[] = { "true", NULL };
	pid_t pid;
	int rc = posix_spawnp(&pid, "true", NULL, NULL, argv, environ), status = -1;
	if (rc == 0)
		waitpid(pid, &status, 0);
	/* posix_spawn returns its error, it does not set errno */
	say("spawn", 1, rc ? -1 : 0, rc);
	return 0;
}

static void *thread_body(void *arg)
{
	return arg;
}

static int sub_thread(const struct sub_args *a)
{
	pthread_t t;
	int rc = pthread_create(&t, NULL, thread_body, NULL);
	if (rc == 0)
		pthread_join(t, NULL);
	say("thread", 1, rc ? -1 : 0, rc);
	return 0;
}

static int sub_system(const struct sub_args *a)
{
	int status = system("exit 3");
	/* glibc's system() reports a shell it could not start as status 127 */
	printf("system %s\n",
	       status == -1                ? strerrorname_np(errno)
		       : WIFEXITED(status) ? (WEXITSTATUS(status) == 3 ? "ran" : "127-no-shell")
					   : "killed");
	return 0;
}

static int sub_popen(const struct sub_args *a)
{
	FILE *f = popen("echo hi", "r");
	char line[16] = "";
	if (!f) {
		printf("popen NULL\n");
		return 0;
	}
	if (!fgets(line, sizeof line, f))
		line[0] = 0;
	pclose(f);
	printf("popen %s", line[0] ? line : "empty\n");
	return 0;
}

static int sub_pipe(const struct sub_args *a)
{
	for (long i = 1; i <= a->n; i++) {
		int fds[2], ret = pipe2(fds, O_CLOEXEC);
		say("pipe2", i, ret, errno);
		if (ret == 0) {
			close(fds[0]);
			close(fds[1]);
		}
	}
	return 0;
}

/* N pipe2, then the same program again in this process: the new image
 * counts from 1. */
static int sub_reexec(const struct sub_args *a)
{
	char n[24], self[4096];
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len <= 0)
		return 1;
	self[len] = 0;
	snprintf(n, sizeof n, "%ld", a->n);
	sub_pipe(a);
	execl(self, self, "pipe", n, (char *)NULL);
	return 1;
}

/* getppid() through glibc: the value the layer gives it. */
static int sub_getppid(const struct sub_args *a)
{
	printf("getppid %s\n", getppid() == 42 ? "42" : "real");
	return 0;
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	got_usr1 = sig;
}

static int sub_signal(const struct sub_args *a)
{
	signal(SIGUSR1, on_usr1);
	int fds[2];
	if (pipe2(fds, 0) == 0) {
		close(fds[0]);
		close(fds[1]);
	}
	printf("signal %s\n", got_usr1 ? "delivered" : "none");
	return 0;
}

static void *pipe_loop(void *arg)
{
	long n = (long)arg, failed = 0;
	for (long i = 0; i < n; i++) {
		int fds[2];
		if (pipe2(fds, O_CLOEXEC) < 0) {
			failed++;
			continue;
		}
		close(fds[0]);
		close(fds[1]);
	}
	return (void *)failed;
}

/* N threads making trapped calls at once. */
static int sub_threads(const struct sub_args *a)
{
	pthread_t t[64];
	long n = a->n < 64 ? a->n : 64, failed = 0;
	for (long i = 0; i < n; i++)
		pthread_create(&t[i], NULL, pipe_loop, (void *)(long)(a->k ? a->k : 50));
	for (long i = 0; i < n; i++) {
		void *f;
		pthread_join(t[i], &f);
		failed += (long)f;
	}
	printf("threads %ld failed %ld\n", n, failed);
	return 0;
}

/* N children at once, each making a trapped call before it exits. */
static int sub_many(const struct sub_args *a)
{
	long made = 0, ok = 0;
	for (long i = 0; i < a->n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			int fds[2];
			_exit(pipe2(fds, 0) == 0 ? 0 : 1);
		}
		made += pid > 0;
	}
	int status;
	while (wait(&status) > 0)
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	printf("many %ld made %ld ok\n", made, ok);
	return 0;
}

/* A thread held in a trapped call (a long delay=) while another kills the
 * process: nobody must wait for the held call. */
static void *killer(void *arg)
{
	struct timespec t = { 0, 100000000 };
	nanosleep(&t, NULL);
	kill(getpid(), SIGKILL);
	return arg;
}

static int sub_killed(const struct sub_args *a)
{
	pthread_t t;
	pthread_create(&t, NULL, killer, NULL);
	int fds[2];
	pipe2(fds, 0);
	printf("killed: survived\n");
	return 0;
}

/* A child held in a trapped call (delay=) when its parent exits: the
 * launcher kills it, the supervisor answers a call of a dead process. */
static int sub_orphan(const struct sub_args *a)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fds[2];
		pipe2(fds, 0);
		_exit(0);
	}
	printf("orphan parent exits\n");
	fflush(stdout);
	_exit(0);
}

/* Held in a trapped call forever (for --timeout and interrupts). */
static int sub_hold(const struct sub_args *a)
{
	printf("hold\n");
	fflush(stdout);
	signal(SIGINT, SIG_IGN); /* an interrupt finds it held, or holds it anyway */
	if (a->word)
		close(open(a->word, O_WRONLY | O_CREAT, 0600)); /* the marker: held from now on */
	int fds[2];
	pipe2(fds, 0);
	printf("hold: returned\n");
	return 0;
}

/* The command kills forkchaos' supervisor, whose listener then closes:
 * a trapped syscall fails with ENOSYS from then on, it never hangs. */
static int sub_killparent(const struct sub_args *a)
{
	pid_t supervisor = getppid();
	kill(supervisor, SIGKILL);
	while (getppid() == supervisor) /* reparented once it is gone, listener and all */
		sched_yield();
	return sub_pipe(&(struct sub_args){ NULL, 1, 0 });
}

/* syscall(2) made directly: the shim sees it, the layer too. */
static int sub_raw(const struct sub_args *a)
{
	long ret = syscall(SYS_getppid);
	printf("raw getppid %s\n", ret == 42 ? "42" : ret < 0 ? strerrorname_np(errno) : "real");
	return 0;
}

static const struct subcommand subs[] = {
	{ "fork", sub_fork, "[N]", "N forks, each waited for" },
	{ "forkchild", sub_forkchild, "[N]", "a child forks N times, then its parent does" },
	{ "spawn", sub_spawn, "", "posix_spawnp true" },
	{ "thread", sub_thread, "", "pthread_create" },
	{ "system", sub_system, "", "system(\"exit 3\")" },
	{ "popen", sub_popen, "", "popen(\"echo hi\")" },
	{ "pipe", sub_pipe, "[N]", "N pipe2" },
	{ "reexec", sub_reexec, "[N]", "N pipe2, then exec itself as `pipe N`" },
	{ "getppid", sub_getppid, "", "getppid(), 42 or real" },
	{ "signal", sub_signal, "", "a pipe2 with a SIGUSR1 handler installed" },
	{ "threads", sub_threads, "[N] [K]", "N threads, K pipe2 each" },
	{ "many", sub_many, "[N]", "N children at once, a pipe2 each" },
	{ "killed", sub_killed, "", "SIGKILLed while a pipe2 is held" },
	{ "orphan", sub_orphan, "", "exits while its child's pipe2 is held" },
	{ "hold", sub_hold, "[MARKER]", "a pipe2 held until the end (MARKER made first)" },
	{ "killparent", sub_killparent, "", "kill forkchaos' supervisor, then pipe2" },
	{ "raw", sub_raw, "", "syscall(SYS_getppid)" },
};

int main(int argc, char **argv)
{
	return SUB_MAIN("syslayer", subs);
}

/* uvdriver's modes of uv_spawn on its own: children one after another, a
 * uv_spawn that must fail, many children dying at once, a thread blocked in
 * read() meanwhile, a program that does not exist.  The plan does the rest
 * (a fork or a pipe that fails, a SIGCHLD inside libuv's signal setup). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "uvdriver.h"

static int kid_flags(const struct fc__uv_args *args)
{
	return args->pipes ? FC_UV_PIPES : 0;
}

int fc__uv_spawn(const struct fc__uv_args *args)
{
	static struct fc__uv_run u;
	fc__uv_begin(&u);
	/* one at a time: each exit callback before the next uv_spawn, so a
	 * SIGCHLD the plan sends meets one child in libuv's list */
	for (int id = 1; id <= args->num; id++) {
		int rc = fc__uv_spawn_kid(&u, id, kid_flags(args), NULL);
		if (rc < 0)
			obs("result uv_spawn %d %s 0", rc, obs_errno(-rc));
		fc__uv_await(&u);
	}
	return fc__uv_end(&u);
}

int fc__uv_fail(const struct fc__uv_args *args)
{
	static struct fc__uv_run u;
	fc__uv_errno_named(args->word); /* a name we know, or a harness error */
	fc__uv_begin(&u);
	fc__uv_report_failure(fc__uv_spawn_kid(&u, 1, kid_flags(args), NULL), args->word);
	/* the loop must still work after the failure: the plan fails only the
	 * first call, so this one is expected to succeed */
	int rc = fc__uv_spawn_kid(&u, 2, kid_flags(args), NULL);
	if (rc < 0)
		obs("result uv_spawn %d %s 0", rc, obs_errno(-rc));
	fc__uv_await(&u);
	return fc__uv_end(&u);
}

int fc__uv_burst(const struct fc__uv_args *args)
{
	static struct fc__uv_run u;
	fc__uv_begin(&u);
	for (int id = 1; id <= args->num; id++) {
		int rc = fc__uv_spawn_kid(&u, id, FC_UV_GATED, NULL);
		if (rc < 0)
			obs("result uv_spawn %d %s 0", rc, obs_errno(-rc));
	}
	/* all die at once: the kernel merges their SIGCHLDs into a few, and
	 * libuv must find every one of them dead anyway */
	fc__uv_open_gate(&u);
	fc__uv_await(&u);
	return fc__uv_end(&u);
}

struct reader {
	int fd;
	pid_t tid;
	int interrupted;
};

static void *blocked_reader(void *arg)
{
	struct reader *r = arg;
	char byte;
	r->tid = (pid_t)syscall(SYS_gettid);
	/* the shim judges this read (eintr): an EINTR here is a handler
	 * installed without SA_RESTART */
	while (read(r->fd, &byte, 1) < 0 && errno == EINTR)
		r->interrupted++;
	return NULL;
}

int fc__uv_eintr(const struct fc__uv_args *args)
{
	static struct fc__uv_run u;
	struct reader r = { 0 };
	int data[2];
	pthread_t thread;
	sigset_t chld;
	fc__uv_begin(&u);
	if (pipe2(data, O_CLOEXEC) < 0)
		obs_die("pipe2: %s", strerror(errno));
	r.fd = data[0];
	if (pthread_create(&thread, NULL, blocked_reader, &r))
		obs_die("pthread_create failed");
	/* SIGCHLD blocked here (after the reader was made: it would inherit
	 * the mask) and not in the reader: every SIGCHLD runs libuv's handler
	 * in the thread blocked in read() */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, NULL);
	while (!__atomic_load_n(&r.tid, __ATOMIC_ACQUIRE))
		sched_yield();
	if (!fc__uv_await_syscall(r.tid, SYS_read))
		obs_die("the reader never blocked in read()");
	for (int id = 1; id <= args->num; id++) {
		int rc = fc__uv_spawn_kid(&u, id, 0, NULL);
		if (rc < 0)
			obs("result uv_spawn %d %s 0", rc, obs_errno(-rc));
	}
	fc__uv_await(&u);
	if (write(data[1], "x", 1) != 1)
		obs_die("write: %s", strerror(errno));
	pthread_join(thread, NULL);
	obs("note the reader's read() was interrupted %d time(s)", r.interrupted);
	close(data[0]);
	close(data[1]);
	return fc__uv_end(&u);
}

/* The foreign reaper of exec-fail: SIGUSR2 (the plan sends it, at libuv's
 * own waitpid) reaps whatever child there is, blocking. */
static void reap_any(int sig)
{
	int saved = errno, status;
	waitpid(-1, &status, 0);
	errno = saved;
}

int fc__uv_exec_fail(const struct fc__uv_args *args)
{
	static struct fc__uv_run u;
	int sigign = args->word && !strcmp(args->word, "sigign");
	signal(SIGUSR2, reap_any);
	fc__uv_begin(&u);
	struct sigaction libuvs;
	if (sigign) {
		/* a child of libuv's alive keeps its SIGCHLD handler installed;
		 * then another component sets SIGCHLD to SIG_IGN over it, for the
		 * time of one uv_spawn */
		if (fc__uv_spawn_kid(&u, 1, FC_UV_GATED, NULL) < 0)
			obs_die("the first uv_spawn failed");
		struct sigaction ign = { .sa_handler = SIG_IGN };
		sigaction(SIGCHLD, &ign, &libuvs);
		obs("note SIGCHLD set to SIG_IGN over libuv's handler");
	}
	/* libuv's child fails its execvp, writes the errno to libuv's pipe and
	 * exits; uv_spawn reads it, reaps that child and returns the error */
	fc__uv_report_failure(fc__uv_spawn_kid(&u, 2, 0, "/nonexistent/uvdriver-missing"), "ENOENT");
	if (sigign)
		sigaction(SIGCHLD, &libuvs, NULL); /* child 1 is libuv's to hear of */
	if (!sigign && fc__uv_spawn_kid(&u, 3, 0, NULL) < 0)
		obs("note the next uv_spawn failed too");
	fc__uv_open_gate(&u);
	fc__uv_await(&u);
	return fc__uv_end(&u);
}

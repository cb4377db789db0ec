/* uvdriver's modes where another component of the process touches SIGCHLD
 * or reaps children too: a reaper in a signal handler or in a thread, a
 * SIG_IGN, a handler installed over libuv's, the application's own handler
 * installed before libuv's.  Each child is held on the gate until the
 * other component is in place, so what happens does not depend on timing. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "uvdriver.h"

/* What the other component reaped: the first pid and its status. */
static volatile sig_atomic_t foreign_pid, foreign_status;

static void took(pid_t pid, int status)
{
	if (pid > 0 && !foreign_pid) {
		foreign_pid = pid;
		foreign_status = status;
	}
}

static void say_what_was_taken(void)
{
	if (foreign_pid)
		obs("note another reaper took pid %d (wait status 0x%x) before libuv did", (int)foreign_pid,
		    (unsigned)foreign_status);
	else
		obs("note no other reaper took a child");
}

/* SIGUSR2: reap whatever child there is.  The plan raises it (e.g. inside
 * libuv's own waitpid), so the window it opens is exactly where wanted. */
static void reap_any(int sig)
{
	int saved = errno, status = 0;
	took(waitpid(-1, &status, 0), status);
	errno = saved;
}

int fc__uv_foreign(const struct fc__uv_args *args)
{
	static struct fc__uv_run u;
	struct sigaction sa = { .sa_handler = reap_any, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	fc__uv_begin(&u);
	if (fc__uv_spawn_kid(&u, 1, 0, NULL) < 0)
		obs_library_failed("uv_spawn");
	fc__uv_await(&u);
	say_what_was_taken();
	return fc__uv_end(&u);
}

static void *reaper(void *arg)
{
	pid_t *tid = arg;
	int status = 0;
	pid_t pid;
	__atomic_store_n(tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	while ((pid = waitpid(-1, &status, 0)) > 0 || (pid < 0 && errno == EINTR))
		took(pid, status);
	return NULL; /* ECHILD: no child left to take */
}

int fc__uv_reaper_thread(const struct fc__uv_args *args)
{
	static struct fc__uv_run u;
	pthread_t thread;
	pid_t tid = 0;
	fc__uv_begin(&u);
	if (fc__uv_spawn_kid(&u, 1, FC_UV_GATED, NULL) < 0)
		obs_library_failed("uv_spawn");
	/* the thread waits for any child once one exists (else ECHILD) */
	if (pthread_create(&thread, NULL, reaper, &tid))
		obs_die("pthread_create failed");
	while (!__atomic_load_n(&tid, __ATOMIC_ACQUIRE))
		sched_yield();
	if (!fc__uv_await_syscall(tid, SYS_wait4))
		obs_die("the reaper thread never blocked in waitpid");
	fc__uv_open_gate(&u);
	fc__uv_await(&u);
	pthread_join(thread, NULL);
	say_what_was_taken();
	return fc__uv_end(&u);
}

int fc__uv_sigign(const struct fc__uv_args *args)
{
	static struct fc__uv_run u;
	struct sigaction ign = { .sa_handler = SIG_IGN };
	int after = !strcmp(args->word, "after");
	if (!after && strcmp(args->word, "before"))
		obs_die("sigign takes before or after, not '%s'", args->word);
	fc__uv_begin(&u);
	if (!after)
		sigaction(SIGCHLD, &ign, NULL);
	if (fc__uv_spawn_kid(&u, 1, FC_UV_GATED, NULL) < 0)
		obs_library_failed("uv_spawn");
	/* after: libuv's handler is installed; SIG_IGN over it means the
	 * kernel reaps the child itself and sends no SIGCHLD */
	if (after)
		sigaction(SIGCHLD, &ign, NULL);
	fc__uv_open_gate(&u);
	fc__uv_await(&u);
	fc__uv_end(&u);
	/* what the component that set SIG_IGN finds once libuv is done */
	obs("note SIGCHLD after uv_loop_close: %s (set SIG_IGN %s libuv)", fc__uv_disposition(SIGCHLD), args->word);
	return 0;
}

/* The other component's handler: counts, and (chain) calls the one it
 * replaced, as a well-behaved library would. */
static struct sigaction replaced;
static volatile sig_atomic_t other_calls;

static void other_handler(int sig, siginfo_t *info, void *uctx)
{
	other_calls++;
}

static void chaining_handler(int sig, siginfo_t *info, void *uctx)
{
	other_calls++;
	if (replaced.sa_flags & SA_SIGINFO)
		replaced.sa_sigaction(sig, info, uctx);
	else if (replaced.sa_handler != SIG_DFL && replaced.sa_handler != SIG_IGN)
		replaced.sa_handler(sig);
}

int fc__uv_replaced(const struct fc__uv_args *args)
{
	static struct fc__uv_run u;
	int chain = !strcmp(args->word, "chain");
	if (!chain && strcmp(args->word, "nochain"))
		obs_die("replaced takes chain or nochain, not '%s'", args->word);
	struct sigaction sa = { .sa_sigaction = chain ? chaining_handler : other_handler, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigemptyset(&sa.sa_mask);
	fc__uv_begin(&u);
	if (fc__uv_spawn_kid(&u, 1, FC_UV_GATED, NULL) < 0)
		obs_library_failed("uv_spawn");
	sigaction(SIGCHLD, &sa, chain ? &replaced : NULL);
	fc__uv_open_gate(&u);
	fc__uv_await(&u);
	obs("note the other component's handler ran %d time(s)", (int)other_calls);
	return fc__uv_end(&u);
}

static volatile sig_atomic_t app_calls;

static void app_handler(int sig, siginfo_t *info, void *uctx)
{
	app_calls++;
}

int fc__uv_app_handler(const struct fc__uv_args *args)
{
	static struct fc__uv_run u;
	struct sigaction sa = { .sa_sigaction = app_handler, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	fc__uv_begin(&u);
	if (fc__uv_spawn_kid(&u, 1, 0, NULL) < 0)
		obs_library_failed("uv_spawn");
	fc__uv_await(&u);
	/* one child died: the application's handler should have seen its
	 * SIGCHLD, through libuv's or its own */
	obs("chain %d 1", (int)app_calls);
	fc__uv_end(&u);
	obs("note SIGCHLD after uv_loop_close: %s (the application had installed its handler)", fc__uv_disposition(SIGCHLD));
	return 0;
}

/* hostile_jit: a signal handler calls pipe() through a JIT stub (a return
 * address in no loaded object) while another thread holds the loader's
 * lock (issue 9, finding 5).  The main thread is inside dl_iterate_phdr(),
 * whose callback signals the worker and waits for its handler to finish:
 * a shim that takes the loader lock in the handler (to find the unknown
 * caller) waits for the main thread, which waits for it.  The wait is
 * bounded (2 s); exit 1 when the handler could not finish under the lock. */
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include "hostile.h"

static hostile_stub stub;
static int handled, stop, pipe_ret, pipe_err;

static void handler(int sig)
{
	int saved = errno, fds[2];
	pipe_ret = stub(pipe, fds);
	pipe_err = errno;
	if (pipe_ret == 0) {
		close(fds[0]);
		close(fds[1]);
	}
	__atomic_store_n(&handled, 1, __ATOMIC_RELEASE);
	errno = saved;
}

static void *worker(void *arg)
{
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
		sched_yield();
	return arg;
}

static int under_lock(struct dl_phdr_info *info, size_t size, void *arg)
{
	pthread_kill(*(pthread_t *)arg, SIGUSR1);
	/* RACE: loader-lock: the handler runs while this thread holds the
	 * loader's lock; it must finish without it */
	return hostile_await(&handled, 1, 2.0) ? 1 : 2;
}

int main(void)
{
	pthread_t thread;
	struct sigaction sa = { .sa_handler = handler };
	stub = hostile_jit();
	if (!stub || sigaction(SIGUSR1, &sa, NULL) < 0 || pthread_create(&thread, NULL, worker, NULL))
		return 2;
	int verdict = dl_iterate_phdr(under_lock, &thread);
	/* the lock is free now: a blocked handler finishes */
	hostile_await(&handled, 1, 10.0);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(thread, NULL);
	printf("handler-under-loader-lock %s pipe %d %s\n", verdict == 1 ? "finished" : "blocked", pipe_ret,
	       pipe_ret < 0 ? strerrorname_np(pipe_err) : "OK");
	return verdict != 1;
}

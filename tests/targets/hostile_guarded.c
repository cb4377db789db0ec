/* hostile_guarded [SIGNALS]: a signal handler's calls while the thread it
 * interrupts is inside the shim's guarded work (issue 9, finding 10).  The
 * main thread calls pipe() without pause under a caller=busy:depth=2 rule,
 * so each of its calls unwinds the stack under the shim's guard; another
 * thread signals it SIGNALS times (2000), one at a time, and the handler
 * calls dup(0) under dup:error=EMFILE.  Every handler call must be seen:
 * exit 1 when any of its dup()s was not injected. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include "hostile.h"

static int handled, sent_all, missed;

static void handler(int sig)
{
	int saved = errno;
	/* RACE: guarded-handler: this call may come while the thread is
	 * inside the shim */
	int fd = dup(0);
	if (fd >= 0) {
		__atomic_add_fetch(&missed, 1, __ATOMIC_RELAXED);
		close(fd);
	}
	__atomic_add_fetch(&handled, 1, __ATOMIC_RELEASE);
	errno = saved;
}

__attribute__((noinline)) static int busy(void)
{
	return pipe_closed(0);
}

struct sender {
	pthread_t target;
	int count;
};

static void *send_signals(void *arg)
{
	struct sender *s = arg;
	for (int i = 0; i < s->count; i++) {
		pthread_kill(s->target, SIGUSR1);
		/* one at a time: a pending signal is not queued twice */
		if (!hostile_await(&handled, i + 1, 10.0))
			break;
	}
	__atomic_store_n(&sent_all, 1, __ATOMIC_RELEASE);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sender s = { pthread_self(), argc > 1 ? atoi(argv[1]) : 2000 };
	struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_RESTART };
	pthread_t thread;
	long calls = 0;
	if (sigaction(SIGUSR1, &sa, NULL) < 0 || pthread_create(&thread, NULL, send_signals, &s))
		return 2;
	while (!__atomic_load_n(&sent_all, __ATOMIC_ACQUIRE)) {
		busy();
		calls++;
	}
	pthread_join(thread, NULL);
	printf("guarded main-calls %ld handler-calls %d not-injected %d\n", calls, handled, missed);
	return missed > 0 || handled < s.count;
}

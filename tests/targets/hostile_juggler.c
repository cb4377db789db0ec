/* hostile_juggler [ROUNDS]: a descriptor juggler (issue 9, finding 8).
 * Two threads make traced calls (20 each a round) while the main thread, ROUNDS
 * times (200), finds the trace's descriptor and dup2()s a pipe's write end
 * over its number: the shim must move its trace first, and no line of it
 * may come out of the pipe.  Exit 1 when the pipe held any byte. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include "hostile.h"

static int stop, round_now;

/* 20 calls a round, so that the trace stays a few MiB whatever the
 * scheduler does */
static void *traced_calls(void *arg)
{
	for (int mine = 0; !__atomic_load_n(&stop, __ATOMIC_ACQUIRE);)
		if (mine < (__atomic_load_n(&round_now, __ATOMIC_ACQUIRE) + 1) * 20) {
			mine++;
			if (dup(-1) >= 0) /* EBADF, and a trace line */
				return arg;
		} else {
			sched_yield();
		}
	return arg;
}

/* What the pipe holds now (its read end is non-blocking), read with the
 * system call itself: a traced read() would add a line to the pipe for
 * every line it took out, once one got in. */
static long drain(int fd)
{
	static char buf[65536];
	long total = 0, got;
	do {
		__asm__ volatile("syscall"
				 : "=a"(got)
				 : "a"((long)SYS_read), "D"((long)fd), "S"(buf), "d"(sizeof buf)
				 : "rcx", "r11", "memory");
		total += got > 0 ? got : 0;
	} while (got > 0);
	return total;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 200, fds[2], moved = 0;
	long leaked = 0;
	pthread_t threads[2];
	if (hostile_trace_fd() < 0 || pipe2(fds, O_NONBLOCK) < 0)
		return 2;
	for (int i = 0; i < 2; i++)
		pthread_create(&threads[i], NULL, traced_calls, NULL);
	for (int round = 0; round < rounds; round++) {
		/* RACE: trace-move: a writer may hold the old number while it
		 * becomes the pipe */
		int trace = hostile_trace_fd();
		if (trace < 0 || dup2(fds[1], trace) != trace)
			break;
		moved++;
		__atomic_store_n(&round_now, round + 1, __ATOMIC_RELEASE);
		/* the pipe's copies stay open: a late line would sit in it */
		leaked += drain(fds[0]);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	leaked += drain(fds[0]);
	printf("juggler rounds %d trace-bytes-in-pipe %ld\n", moved, leaked);
	return leaked > 0 || moved < rounds;
}

/* hostile_rawclone N M: two threads made by clone() itself (CLONE_VM |
 * CLONE_THREAD ..., their own stacks), not pthread_create, so glibc's
 * __libc_single_threaded stays 1 (issue 9, finding 9).  Each makes N
 * pipe2() calls (100000) under the plan pipe2:when=1..M:error=EMFILE: the
 * shim's counts, shared by the two, must stay exact, so exactly M calls
 * fail.  The threads touch no thread-local state of their own (they share
 * the main thread's, having no TLS); exit 1 when the count is not M. */
#include <fcntl.h>
#include <sched.h>
#include <sys/syscall.h>
#include "hostile.h"

#define STACK_SIZE (256 * 1024)

static long calls_each, failures;
static int finished, go;

static int pipes(void *arg)
{
	int fds[2];
	/* both start together, so that their counting overlaps */
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		;
	for (long i = 0; i < calls_each; i++) {
		/* RACE: raw-clone-count: two threads count in the same rule */
		if (pipe2(fds, O_CLOEXEC) < 0) {
			__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
			continue;
		}
		close(fds[0]);
		close(fds[1]);
	}
	__atomic_add_fetch(&finished, 1, __ATOMIC_RELEASE);
	/* no glibc exit path: this thread has no TLS of its own */
	for (;;)
		syscall(SYS_exit, 0);
	return 0;
}

int main(int argc, char **argv)
{
	calls_each = argc > 1 ? atol(argv[1]) : 100000;
	long expected = argc > 2 ? atol(argv[2]) : calls_each;
	const int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
	for (int i = 0; i < 2; i++) {
		char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (stack == MAP_FAILED || clone(pipes, stack + STACK_SIZE, flags, NULL) < 0)
			return 2;
	}
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	if (!hostile_await(&finished, 2, 60.0))
		return 2;
	printf("rawclone calls %ld failures %ld expected %ld\n", 2 * calls_each, failures, expected);
	return failures != expected;
}

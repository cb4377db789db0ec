/* hostile_forkchild [N]: a multithreaded program forks N times (50) while
 * two threads walk the loaded objects (dl_iterate_phdr, holding the
 * loader's lock most of the time); each child makes a traced call from a
 * JIT stub, a caller the shim's index does not know (issue 9, finding 6).
 * glibc 2.36 leaves that lock as it was in the child: a shim that needs it
 * there hangs.  Each child has 2 s to say it is done (then it is killed,
 * and the forks stop); exit 1 when one hung. */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include "hostile.h"

static int stop;

static int slow_walk(struct dl_phdr_info *info, size_t size, void *arg)
{
	/* a while in the callback, so that the lock is held when a fork
	 * comes */
	for (volatile int i = 0; i < 20000; i++)
		;
	return 0;
}

static void *walker(void *arg)
{
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
		dl_iterate_phdr(slow_walk, NULL);
	return arg;
}

/* 1 when the child said it was done within 2 s. */
static int child_done(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char byte;
	int ready;
	while ((ready = poll(&p, 1, 2000)) < 0 && errno == EINTR)
		;
	return ready == 1 && read(fd, &byte, 1) == 1;
}

int main(int argc, char **argv)
{
	int forks = argc > 1 ? atoi(argv[1]) : 50, made = 0, hung = 0, fds[2];
	pthread_t threads[2];
	hostile_stub stub = hostile_jit();
	if (!stub)
		return 2;
	for (int i = 0; i < 2; i++)
		pthread_create(&threads[i], NULL, walker, NULL);
	for (int i = 0; i < forks && !hung; i++) {
		int done[2];
		if (pipe2(done, O_CLOEXEC) < 0)
			return 2;
		pid_t pid = fork();
		made++;
		if (pid == 0) {
			if (stub(pipe, fds) == 0) {
				close(fds[0]);
				close(fds[1]);
			}
			if (write(done[1], "d", 1) != 1)
				_exit(3);
			_exit(0);
		}
		close(done[1]);
		if (pid < 0 || !child_done(done[0])) {
			hung++;
			if (pid > 0)
				kill(pid, SIGKILL);
		}
		close(done[0]);
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	printf("forks %d hung %d\n", made, hung);
	return hung > 0;
}

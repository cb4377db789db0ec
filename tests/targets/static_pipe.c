/* static_pipe: a statically linked program (built with -static) that makes
 * one pipe2: no LD_PRELOAD reaches it, which forkchaos must say rather than
 * run it silently without the plan.  `static_pipe sweep`: two pipe2 calls
 * for a sweep of its syscalls: the first one's failure is handled (a
 * message, exit 1), the second one's is not (abort: a crash). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fds[2];
	int ret = pipe2(fds, O_CLOEXEC);
	if (argc < 2 || strcmp(argv[1], "sweep")) {
		printf("static pipe2 %d\n", ret);
		return 0;
	}
	if (ret < 0) {
		printf("static pipe2 1 %s\n", strerrorname_np(errno));
		return 1;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		printf("static pipe2 2 %s\n", strerrorname_np(errno));
		fflush(stdout);
		abort();
	}
	printf("static pipe2 OK\n");
	return 0;
}

/* hostile_tree MODE: process trees a harness must contain.
 *   tree DEPTH    a child that forks two that do the same, DEPTH levels in
 *                 all (2^DEPTH - 1 processes below the first), each then
 *                 pausing; the first exits once they are made: all strays
 *   block-all     blocks every signal it can, then pauses: only SIGKILL ends it
 *   exec-chain N  execs itself N times, then exits 0: one image per exec */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void grow(int depth, int ready)
{
	for (int i = 0; depth > 0 && i < 2; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			grow(depth - 1, ready);
			for (;;)
				pause();
		}
	}
	if (write(ready, "x", 1) < 0)
		_exit(1);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long n = argc > 2 ? atol(argv[2]) : 0;
	if (!strcmp(mode, "tree")) {
		int ready[2];
		if (pipe(ready) < 0)
			return 2;
		long expected = (1L << n) - 1, got = 0; /* every process below the first says it is made */
		pid_t pid = fork();
		if (pid == 0) {
			close(ready[0]);
			grow((int)n - 1, ready[1]);
			for (;;)
				pause();
		}
		close(ready[1]);
		char byte;
		while (got < expected && read(ready[0], &byte, 1) == 1)
			got++;
		printf("tree %ld processes\n", got + 1);
		return 0;
	}
	if (!strcmp(mode, "block-all")) {
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		printf("blocked\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	if (!strcmp(mode, "exec-chain")) {
		if (n <= 0)
			return 0;
		char next[24];
		snprintf(next, sizeof next, "%ld", n - 1);
		execl("/proc/self/exe", argv[0], "exec-chain", next, (char *)NULL);
		return 1;
	}
	fprintf(stderr, "usage: hostile_tree tree DEPTH | block-all | exec-chain N\n");
	return 64;
}

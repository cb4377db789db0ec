/* daemonize MODE: `daemonize double-fork` leaves a grandchild running in a
 * session of its own (the classic daemon), which the strays oracle must
 * name; `daemonize wait` forks a child and waits for it: nothing left. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int daemonize = argc > 1 && !strcmp(argv[1], "double-fork");
	pid_t pid = fork();
	if (pid == 0) {
		if (daemonize) {
			setsid();
			if (fork() == 0) {
				for (;;)
					pause();
			}
		}
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	printf("parent done\n");
	return 0;
}

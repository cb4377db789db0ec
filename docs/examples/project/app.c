/* app: starts N workers (default 3), each sends its number through a pipe
 * and exits; the parent reads them and reaps every worker.  A sound
 * program: on a failed pipe(), fork() or read() it says so, releases what it
 * took, reaps what it started and exits 1, so that forkchaos finds nothing
 * to blame (no descriptor leaked, no stray child). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int reap(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int worker(int i)
{
	int fds[2], got = -1, rc = -1;
	if (pipe(fds) < 0) {
		perror("app: pipe");
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("app: fork");
		goto out;
	}
	if (pid == 0) {
		close(fds[0]);
		_exit(write(fds[1], &i, sizeof i) == (ssize_t)sizeof i ? 0 : 1);
	}
	close(fds[1]);
	fds[1] = -1;
	ssize_t n;
	while ((n = read(fds[0], &got, sizeof got)) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof got)
		fprintf(stderr, "app: worker %d sent nothing\n", i);
	if (reap(pid) == 0 && got == i)
		rc = 0;
out:
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return rc;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3, failed = 0;
	for (int i = 1; i <= n; i++)
		failed += worker(i) < 0;
	printf("app: %d of %d workers done\n", n - failed, n);
	return failed ? 1 : 0;
}

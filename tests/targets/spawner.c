/* spawner: the error-pipe spawn pattern of Python, GLib and libuv (a
 * close-on-exec pipe tells the parent whether the child's exec failed).
 * `spawner leaky N` forgets to close the pipe when fork fails; `spawner
 * tidy N` closes it.  Under fork:error=EAGAIN the fds oracle must flag the
 * leaky one at its pipe2 and pass the tidy one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int spawn_true(int tidy)
{
	int errpipe[2];
	if (pipe2(errpipe, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		if (tidy) {
			close(errpipe[0]);
			close(errpipe[1]);
		}
		errno = err;
		return -1;
	}
	if (pid == 0) {
		close(errpipe[0]);
		execl("/bin/true", "true", (char *)NULL);
		int err = errno;
		if (write(errpipe[1], &err, sizeof err) < 0)
			_exit(127);
		_exit(127);
	}
	close(errpipe[1]);
	int err = 0;
	ssize_t got = read(errpipe[0], &err, sizeof err);
	close(errpipe[0]);
	waitpid(pid, NULL, 0);
	return got > 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	int tidy = argc > 1 && !strcmp(argv[1], "tidy"), n = argc > 2 ? atoi(argv[2]) : 3, ok = 0;
	for (int i = 0; i < n; i++)
		ok += spawn_true(tidy) == 0;
	printf("spawned %d of %d\n", ok, n);
	return 0;
}

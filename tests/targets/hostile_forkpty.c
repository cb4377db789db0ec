/* hostile_forkpty FILE: forkpty() forks inside glibc, where no fork
 * wrapper runs (issue 9, finding 7).  Its child must count from 1 again (a
 * when=1 rule fires on its first pipe2) and be known as a process of its
 * own: it closes every descriptor above 2, as daemons do, and keeps its
 * log FILE at the fixed number 200, where the shim first parked its trace;
 * FILE must hold only the child's words.  The child's lines come back
 * through the pty and are printed by the parent. */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <sys/wait.h>
#include "hostile.h"

static void pipe2_report(const char *who)
{
	int fds[2];
	int ret = pipe2(fds, O_CLOEXEC);
	int err = errno;
	printf("%s %d %s\n", who, ret, ret < 0 ? strerrorname_np(err) : "OK");
	fflush(stdout);
	if (ret == 0) {
		close(fds[0]);
		close(fds[1]);
	}
}

static int child(const char *file)
{
	pipe2_report("forkpty-child-pipe2");
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || dup2(fd, 200) != 200)
		return 1;
	close(fd);
	for (int i = 0; i < 20; i++)
		pipe2_report("forkpty-child-more");
	return write(200, "forkpty\n", 8) != 8;
}

int main(int argc, char **argv)
{
	int master, status;
	char buf[4096];
	ssize_t got;
	if (argc < 2)
		return 2;
	pipe2_report("parent-pipe2");
	pid_t pid = forkpty(&master, NULL, NULL, NULL);
	if (pid < 0)
		return 2;
	if (pid == 0)
		_exit(child(argv[1]));
	/* the child's words, without the terminal's carriage returns */
	while ((got = read(master, buf, sizeof buf)) > 0 || (got < 0 && errno == EINTR))
		for (ssize_t i = 0; i < got; i++)
			if (buf[i] != '\r')
				putchar(buf[i]);
	waitpid(pid, &status, 0);
	printf("child-exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

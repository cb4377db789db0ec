/* The cleaner of forkchaos check: what a check killed with SIGKILL cannot
 * remove itself (the work folder, the unfinished results folder, the
 * temporaries claimed for --junit and --update-baseline) is removed by a
 * small process of its own.  It waits on a pipe whose write end check
 * and each of its workers hold (close-on-exec, so no target does): end
 * of file means every one of them is gone, and no worker can write into
 * the work folder any more.  A byte first means check ended and cleaned
 * up itself. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

/* The signals that would end the cleaner before its work: a ^C reaches
 * the whole process group, and the cleaner must outlive check. */
static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU };

#define NPATHS 4

static void __attribute__((noreturn)) cleaner(int fd, char paths[NPATHS][PATH_MAX])
{
	char done;
	ssize_t got;
	for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		signal(ignored[i], SIG_IGN);
	/* nothing of check's held open: a reader of its output sees the
	 * end when check and its workers are done */
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int std = 0; std < 3 && null_fd >= 0; std++)
		dup2(null_fd, std);
	dup2(fd, 3);
	close_range(4, ~0u, 0);
	/* RACE: a worker killed with check may still be making a run's files
	 * in the work folder; the end of file comes only once it is gone. */
	while ((got = read(3, &done, 1)) < 0 && errno == EINTR)
		;
	if (got == 0)
		for (int i = 0; i < NPATHS; i++)
			if (paths[i][0])
				fc_remove_tree(paths[i]);
	_exit(0);
}

int fc_check_guard_start(struct fc_check *c)
{
	static char paths[NPATHS][PATH_MAX];
	int fds[2];
	snprintf(paths[0], PATH_MAX, "%s", c->workdir);
	snprintf(paths[1], PATH_MAX, "%s", c->folder.dir);
	snprintf(paths[2], PATH_MAX, "%s", c->junit_out.tmp);
	snprintf(paths[3], PATH_MAX, "%s", c->baseline_out.tmp);
	if (pipe2(fds, O_CLOEXEC) < 0)
		goto fail;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[1]);
		cleaner(fds[0], paths);
	}
	int err = errno;
	close(fds[0]);
	if (pid < 0) {
		close(fds[1]);
		errno = err;
		goto fail;
	}
	c->guard_pid = pid;
	c->guard_fd = fds[1];
	return 0;
fail:
	fprintf(stderr, "forkchaos check: cannot start the cleaner of %s: %s\n", c->workdir, strerror(errno));
	return -1;
}

void fc_check_guard_stop(struct fc_check *c)
{
	if (c->guard_fd < 0)
		return;
	/* the byte first: check has cleaned up, the cleaner need not.  A
	 * cleaner gone already (killed) must not kill us with SIGPIPE. */
	sigset_t pipe_sig, saved;
	sigemptyset(&pipe_sig);
	sigaddset(&pipe_sig, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_sig, &saved);
	if (write(c->guard_fd, "", 1) < 0 && errno == EPIPE)
		sigtimedwait(&pipe_sig, NULL, &(struct timespec){ 0, 0 });
	sigprocmask(SIG_SETMASK, &saved, NULL);
	close(c->guard_fd);
	c->guard_fd = -1;
	while (waitpid(c->guard_pid, NULL, 0) < 0 && errno == EINTR)
		;
	c->guard_pid = 0;
}

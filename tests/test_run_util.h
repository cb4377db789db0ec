/* What the launcher's tests (tests/test_run_*.c) share beyond
 * fc_test_util.h: forkchaos started with a stdin pipe the test holds and
 * its stderr captured, the pids a target wrote, whether a pid is gone. */
#ifndef FC_TEST_RUN_UTIL_H
#define FC_TEST_RUN_UTIL_H
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fc_test_util.h"

struct fc_launch {
	pid_t pid;
	int stdin_fd;  /* the write end of forkchaos' stdin: close it to end a wait-stdin target */
	int stderr_fd; /* the read end of its stderr */
	int own_group; /* set by the caller: forkchaos in a process group of its own */
};

/* forkchaos ARGV[1..] in the background, stdout to /dev/null.  L is
 * zeroed by the caller, or OWN_GROUP set. */
static inline int fc_launch(struct fc_launch *l, const char *const argv[])
{
	int in[2], err[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		return -1;
	l->pid = fork();
	if (l->pid == 0) {
		int null_fd = open("/dev/null", O_WRONLY);
		if (l->own_group)
			setpgid(0, 0);
		dup2(in[0], 0);
		dup2(null_fd, 1);
		dup2(err[1], 2);
		execv(fc_build_path("forkchaos"), (char *const *)argv);
		_exit(126);
	}
	if (l->own_group)
		setpgid(l->pid, l->pid); /* both sides, as shells do */
	close(in[0]);
	close(err[1]);
	l->stdin_fd = in[1];
	l->stderr_fd = err[0];
	return l->pid > 0 ? 0 : -1;
}

/* Closes forkchaos' stdin: a wait-stdin target then ends. */
static inline void fc_launch_release(struct fc_launch *l)
{
	if (l->stdin_fd >= 0)
		close(l->stdin_fd);
	l->stdin_fd = -1;
}

/* Its wait status (its stdin left open until then); its stderr into BUF
 * (LEN bytes), unless BUF is NULL (whatever outlived it may hold that pipe
 * open). */
static inline int fc_launch_wait(struct fc_launch *l, char *buf, size_t len)
{
	int status = 0;
	size_t used = 0;
	ssize_t got;
	while (buf && used + 1 < len && (got = read(l->stderr_fd, buf + used, len - 1 - used)) > 0)
		used += (size_t)got;
	if (buf)
		buf[used] = 0;
	close(l->stderr_fd);
	waitpid(l->pid, &status, 0);
	fc_launch_release(l);
	return status;
}

/* The whole numbers in FILE (a target's "ROOT CHILD" line) into PIDS. */
static inline int fc_read_pids(const char *file, pid_t *pids, int max)
{
	FILE *f = fopen(file, "r");
	int n = 0, pid;
	while (f && n < max && fscanf(f, "%d", &pid) == 1)
		pids[n++] = pid;
	if (f)
		fclose(f);
	return n;
}

/* PID is gone, or a zombie: dead, whoever reaps it. */
static inline int fc_pid_dead(pid_t pid)
{
	char path[64], text[512] = "";
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 1;
	size_t got = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[got] = 0;
	const char *paren = strrchr(text, ')');
	return paren && (paren[2] == 'Z' || paren[2] == 'X');
}

/* Until PID is dead (polling, bounded: 10 s); 1 when it is. */
static inline int fc_await_dead(pid_t pid)
{
	for (int tries = 0; tries < 1000 && !fc_pid_dead(pid); tries++)
		poll(NULL, 0, 10);
	return fc_pid_dead(pid);
}

/* A copy of SRC at DST, mode MODE. */
static inline int fc_copy_file(const char *src, const char *dst, mode_t mode)
{
	char buf[65536];
	ssize_t got;
	int in = open(src, O_RDONLY | O_CLOEXEC), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	int ok = in >= 0 && out >= 0;
	while (ok && (got = read(in, buf, sizeof buf)) > 0)
		ok = write(out, buf, (size_t)got) == got;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0)
		ok = 0;
	return ok && chmod(dst, mode) == 0 ? 0 : -1;
}

/* forkchaos ARGS... (run's arguments) as nobody, through setpriv; -1 when
 * that cannot be done here (not root, no setpriv). */
static inline int fc_exec_as_nobody(struct fc_result *r, const char *const args[])
{
	const char *argv[32] = { "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
				 fc_build_path("forkchaos") };
	int n = 5;
	if (getuid() != 0 || access(argv[0], X_OK) < 0)
		return -1;
	for (int i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return fc_exec(r, (char *const *)argv);
}

/* A fresh folder /tmp/forkchaos-test-PID-TAG-XXXXXX (mode 0755). */
static inline int fc_temp_dir(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/forkchaos-test-%d-%s-XXXXXX", (int)getpid(), tag);
	return mkdtemp(buf) && chmod(buf, 0755) == 0 ? 0 : -1;
}

static inline int fc__remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static inline void fc_remove_tree(const char *dir)
{
	nftw(dir, fc__remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* How many entries DIR holds (. and .. aside). */
static inline int fc_dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}
#endif

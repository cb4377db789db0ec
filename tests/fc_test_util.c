#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fc_test_util.h"

const char *fc_build_path(const char *name)
{
	static char paths[8][PATH_MAX];
	static int next;
	char exe[PATH_MAX - 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return name;
	exe[n] = 0;
	*strrchr(exe, '/') = 0; /* build/tests */
	*strrchr(exe, '/') = 0; /* build */
	char *slot = paths[next++ % 8];
	snprintf(slot, PATH_MAX, "%s/%s", exe, name);
	return slot;
}

int fc_exec(struct fc_result *r, char *const argv[])
{
	int out[2], err[2];
	memset(r, 0, sizeof *r);
	if (pipe(out) < 0 || pipe(err) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		close(out[1]);
		close(err[1]);
		execv(argv[0], argv);
		_exit(126);
	}
	close(out[1]);
	close(err[1]);
	size_t used_out = 0, used_err = 0;
	struct pollfd fds[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
	int open_fds = 2;
	while (open_fds) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			char *buf = i ? r->err : r->out;
			size_t *used = i ? &used_err : &used_out;
			size_t cap = (i ? sizeof r->err : sizeof r->out) - 1;
			char scratch[4096];
			ssize_t got = read(fds[i].fd, scratch, sizeof scratch);
			if (got <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			size_t take = (size_t)got < cap - *used ? (size_t)got : cap - *used;
			memcpy(buf + *used, scratch, take);
			*used += take;
		}
	}
	int status;
	waitpid(pid, &status, 0);
	r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return r->code;
}

int fc_probe(struct fc_result *r, const char *plan, const char *trace, const char *const args[])
{
	const char *argv[32];
	int n = 0;
	argv[n++] = fc_build_path("forkchaos");
	argv[n++] = "run";
	argv[n++] = "--timeout";
	argv[n++] = "20s";
	if (plan) {
		argv[n++] = "--plan";
		argv[n++] = plan;
	}
	if (trace) {
		argv[n++] = "--trace";
		argv[n++] = trace;
	}
	argv[n++] = "--";
	argv[n++] = fc_build_path("targets/probe");
	for (int i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return fc_exec(r, (char *const *)argv);
}

const char *fc_line(const char *text, const char *prefix)
{
	size_t len = strlen(prefix);
	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, prefix, len) == 0)
			return line;
	return NULL;
}

int fc_count_prefix(const char *text, const char *prefix)
{
	int count = 0;
	size_t len = strlen(prefix);
	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, prefix, len) == 0)
			count++;
	return count;
}

/* Temporary paths are removed when the test process exits, even when a
 * failed assertion ends the test before its own cleanup. */
static char temp_paths[16][256];
static int temp_count;

static void remove_temp_paths(void)
{
	for (int i = 0; i < temp_count; i++)
		unlink(temp_paths[i]);
}

void fc_temp_path(char *buf, size_t len, const char *tag)
{
	static int serial;
	snprintf(buf, len, "/tmp/forkchaos-test-%d-%d-%s", (int)getpid(), serial++, tag);
	unlink(buf);
	if (temp_count == 0)
		atexit(remove_temp_paths);
	if (temp_count < 16)
		snprintf(temp_paths[temp_count++], sizeof temp_paths[0], "%s", buf);
}

int fc_await_file(const char *path)
{
	for (int tries = 0; access(path, F_OK) != 0 && tries < 2000; tries++)
		poll(NULL, 0, 10);
	return access(path, F_OK) == 0;
}

int fc_spawn_forkchaos(const char *const argv[], int out_fd)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = out_fd >= 0 ? out_fd : open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		execv(fc_build_path("forkchaos"), (char *const *)argv);
		_exit(126);
	}
	return pid;
}

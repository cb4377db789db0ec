/* What the tests of forkchaos check share: each test writes small
 * scenario files into a folder of its own and runs check on it, its
 * results folder inside that one (so that none is left in the tree the
 * tests run from). */
#ifndef FC_CHECK_SCENARIO_H
#define FC_CHECK_SCENARIO_H
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fc_test_util.h"

static struct fc_result r;
static char dir[256];

/* Each test runs in a process of its own: remove its scenario folder. */
static inline void remove_dir(void)
{
	if (!dir[0])
		return;
	const char *argv[] = { "/bin/rm", "-rf", dir, NULL };
	struct fc_result scratch;
	fc_exec(&scratch, (char *const *)argv);
}

/* The test's folder (made on first use), and NAME in it. */
static inline const char *in_dir(const char *name)
{
	static char paths[8][300];
	static int next;
	if (!dir[0]) {
		fc_temp_path(dir, sizeof dir, "scn");
		mkdir(dir, 0755);
	}
	char *slot = paths[next++ % 8];
	snprintf(slot, sizeof paths[0], "%s/%s", dir, name);
	return slot;
}

static inline void scenario(const char *file, const char *fmt, ...)
{
	char path[512];
	va_list ap;
	snprintf(path, sizeof path, "%s", in_dir(file));
	FILE *f = fopen(path, "w");
	cr_assert(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* The results folder of the test's checks: inside its scenario folder,
 * so that none is left in the tree the tests run from. */
static inline const char *out_dir(void)
{
	static char out[300];
	snprintf(out, sizeof out, "%s", in_dir("results"));
	return out;
}

/* PREFIX... forkchaos check --lib <any existing library> --out
 * DIR/results ARGS... DIR (PREFIX: a command that runs check, or NULL) */
static inline int check_under(const char *const prefix[], const char *const extra[])
{
	const char *argv[32];
	int n = 0;
	for (int i = 0; prefix && prefix[i]; i++)
		argv[n++] = prefix[i];
	argv[n++] = fc_build_path("forkchaos");
	argv[n++] = "check";
	argv[n++] = "--lib";
	argv[n++] = fc_build_path("targets/libfcprobe.so");
	argv[n++] = "--out";
	argv[n++] = out_dir();
	for (int i = 0; extra[i]; i++)
		argv[n++] = extra[i];
	argv[n++] = dir;
	argv[n] = NULL;
	return fc_exec(&r, (char *const *)argv);
}

static inline int check(const char *const extra[])
{
	return check_under(NULL, extra);
}

#define CHECK(...) check((const char *const[]){ __VA_ARGS__, NULL })

static inline const char *probe(void)
{
	return fc_build_path("targets/probe");
}

/* bad.scn from FMT (the probe's path its argument) is refused before
 * anything runs: exit 2, and MESSAGE on stderr. */
static inline void refused(const char *fmt, const char *message)
{
	scenario("bad.scn", fmt, probe());
	cr_assert_eq(CHECK(NULL), 2, "out: %s", r.out);
	cr_expect(strstr(r.err, message), "err: %s", r.err);
}

/* fc_spawn_forkchaos, its stderr to /dev/null: what it says there is
 * not for make check's log. */
static inline int spawn_quiet(const char *const argv[], int out_fd)
{
	int saved = dup(2), null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	dup2(null_fd, 2);
	int pid = fc_spawn_forkchaos(argv, out_fd);
	dup2(saved, 2);
	close(saved);
	close(null_fd);
	return pid;
}

/* forkchaos check ARGS... DIR in the background, interrupted by SIG once
 * MARKER exists: its stdout in r.out, its exit code in r.code. */
static inline int interrupted_check(const char *marker, int sig, const char *const args[])
{
	const char *argv[24] = { "forkchaos", "check", "--lib", fc_build_path("targets/libfcprobe.so"), "--out", out_dir() };
	int n = 6, out[2], status;
	for (int i = 0; args[i] && n < 22; i++)
		argv[n++] = args[i];
	argv[n++] = dir;
	argv[n] = NULL;
	cr_assert_eq(pipe(out), 0);
	pid_t pid = spawn_quiet(argv, out[1]);
	close(out[1]);
	cr_assert(fc_await_file(marker), "the scenario that waits for the interrupt never started");
	kill(pid, sig);
	size_t used = 0;
	ssize_t got;
	while ((got = read(out[0], r.out + used, sizeof r.out - 1 - used)) > 0)
		used += (size_t)got;
	r.out[used] = 0;
	close(out[0]);
	waitpid(pid, &status, 0);
	return r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* PATH's first bytes, as text ("" when it cannot be read). */
static inline const char *text_of(const char *path)
{
	static char text[256];
	FILE *f = fopen(path, "r");
	text[f ? fread(text, 1, sizeof text - 1, f) : 0] = 0;
	if (f)
		fclose(f);
	return text;
}

/* A file of the test's that no check may write: "precious\n". */
static inline const char *precious(void)
{
	static char path[300];
	snprintf(path, sizeof path, "%s", in_dir("victim"));
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs("precious\n", f);
	fclose(f);
	return path;
}

static inline const char *lineage(void)
{
	return fc_build_path("targets/lineage");
}

/* The state letter and process group of PID ('?': no such process). */
static inline char proc_state(int pid, int *pgrp)
{
	char path[64], text[512] = "";
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return '?';
	text[fread(text, 1, sizeof text - 1, f)] = 0;
	fclose(f);
	char *paren = strrchr(text, ')'), state = '?';
	if (!paren || sscanf(paren + 1, " %c %*d %d", &state, pgrp) != 2)
		return '?';
	return state;
}

/* How many processes of group PGID are alive (a zombie has ended). */
static inline int group_alive(int pgid)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	int n = 0, pgrp;
	while (proc && (e = readdir(proc))) {
		char state = e->d_name[0] >= '1' && e->d_name[0] <= '9' ? proc_state(atoi(e->d_name), &pgrp) : '?';
		n += state != '?' && state != 'Z' && state != 'X' && pgrp == pgid;
	}
	if (proc)
		closedir(proc);
	return n;
}

/* Wait (up to 20 s, polling) until PID has ended (or is gone). */
static inline int await_ended(int pid)
{
	int pgrp;
	char state;
	for (int tries = 0; tries < 2000; tries++) {
		if ((state = proc_state(pid, &pgrp)) == '?' || state == 'Z' || state == 'X')
			return 1;
		poll(NULL, 0, 10);
	}
	kill(pid, SIGKILL);
	return 0;
}

/* Wait (up to 20 s, polling) until nothing of group PGID is alive;
 * then 1.  Otherwise 0, and the group is killed (no test leaves it). */
static inline int await_group_gone(int pgid)
{
	for (int tries = 0; group_alive(pgid) && tries < 2000; tries++)
		poll(NULL, 0, 10);
	int gone = !group_alive(pgid);
	if (!gone)
		kill(-pgid, SIGKILL);
	return gone;
}

/* Entries in DIR other than . and .. */
static inline int entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

/* The first two numbers in FILE (a target's "$$ $PPID"). */
static inline int read_pids(const char *file, int *a, int *b)
{
	FILE *f = fopen(file, "r");
	int n = f ? fscanf(f, "%d %d", a, b) : 0;
	if (f)
		fclose(f);
	return n;
}
#endif

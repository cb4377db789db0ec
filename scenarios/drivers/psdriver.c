/* psdriver: glibc's posix_spawn and posix_spawnp, called directly, a code
 * nobody here wrote.  Two modes:
 *
 *   errors CALL ERRNO[,ERRNO...]  CALL (posix_spawn or posix_spawnp) once
 *       per ERRNO, each expected to fail with it (the plan injects them in
 *       that order): the error must be the return value, the pid untouched
 *   exec-fail  the child's exec (or a file action) fails inside glibc: a
 *       missing program, one without execute permission, one the kernel
 *       cannot execute, a missing program on PATH, a file action's open
 *
 * Each call is a `result CALL:CASE RET ERROR EXPECTED` line (ERROR: the
 * name of what was returned; api-errno judges it against EXPECTED) and a
 * note of what else the caller sees: errno after the call (glibc returns
 * its error, it does not promise errno), the pid, the SIGCHLDs it got. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnu/libc-version.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "observe.h"

extern char **environ;

/* errno before each call: a value no spawn failure has, so a change shows */
#define MARK EDOM

static volatile sig_atomic_t sigchlds;

static void count_sigchld(int sig)
{
	sigchlds++;
}

typedef int spawn_fn(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *, char *const[],
		     char *const[]);

static const struct call {
	const char *name;
	spawn_fn *fn;
	const char *program; /* one that works: an injected error is the only one */
} calls[] = {
	{ "posix_spawn", posix_spawn, "/bin/true" },
	{ "posix_spawnp", posix_spawnp, "true" },
};

static const struct call *call_named(const char *name)
{
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
		if (!strcmp(calls[i].name, name))
			return &calls[i];
	obs_die("no call '%s' (posix_spawn or posix_spawnp)", name);
}

/* One call and what its caller sees.  EXPECTED: an errno name. */
static void spawn_one(const struct call *c, const char *what, const char *program, const posix_spawn_file_actions_t *fa,
		      const char *expected)
{
	char *argv[] = { (char *)program, NULL };
	pid_t pid = -1;
	int before = sigchlds;
	errno = MARK;
	int rc = c->fn(&pid, program, fa, NULL, argv, environ);
	int after = errno;
	obs("result %s:%s %d %s %s", c->name, what, rc, obs_errno(rc), expected);
	obs("note %s:%s returned %s, errno after it %s (was %s), pid %s, %d SIGCHLD(s) during the call", c->name, what,
	    obs_errno(rc), obs_errno(after), obs_errno(MARK), pid == -1 ? "untouched" : "set", (int)(sigchlds - before));
	if (rc == 0 && pid > 0) {
		obs("note %s:%s made child %d although %s was expected", c->name, what, (int)pid, expected);
		waitpid(pid, NULL, 0);
	}
}

static int errors(char **args)
{
	const char *name = args[0];
	char *list = args[1];
	const struct call *c = call_named(name);
	for (char *save = NULL, *e = strtok_r(list, ",", &save); e; e = strtok_r(NULL, ",", &save))
		spawn_one(c, e, c->program, NULL, e);
	return 0;
}

/* A file of ours with MODE: 0644 is not executable (EACCES), 0755 with
 * no ELF header and no #! is one the kernel cannot execute (ENOEXEC). */
static int temp_file(char *path, size_t len, mode_t mode)
{
	const char *dir = getenv("TMPDIR");
	snprintf(path, len, "%s/psdriver.XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		obs_die("cannot make a test file: %s", strerror(errno));
	int ok = write(fd, "echo not a program\n", 19) == 19 && fchmod(fd, mode) == 0;
	close(fd);
	if (!ok)
		obs_die("cannot write %s: %s", path, strerror(errno));
	return 0;
}

static int exec_fail(char **args)
{
	char noperm[256], noformat[256];
	posix_spawn_file_actions_t fa;
	temp_file(noperm, sizeof noperm, 0644);
	temp_file(noformat, sizeof noformat, 0755);
	if (posix_spawn_file_actions_init(&fa) ||
	    posix_spawn_file_actions_addopen(&fa, 0, "/nonexistent/psdriver-input", O_RDONLY, 0))
		obs_die("posix_spawn_file_actions: cannot build them");
	spawn_one(&calls[0], "missing", "/nonexistent/psdriver-missing", NULL, "ENOENT");
	spawn_one(&calls[0], "not-executable", noperm, NULL, "EACCES");
	spawn_one(&calls[0], "no-format", noformat, NULL, "ENOEXEC");
	spawn_one(&calls[1], "not-on-path", "psdriver-missing-program", NULL, "ENOENT");
	/* execvp would run this one with /bin/sh; glibc's posix_spawnp does not */
	spawn_one(&calls[1], "no-format", noformat, NULL, "ENOEXEC");
	spawn_one(&calls[0], "file-action", "/bin/true", &fa, "ENOENT");
	posix_spawn_file_actions_destroy(&fa);
	unlink(noperm);
	unlink(noformat);
	return 0;
}

static const struct mode {
	const char *name;
	int nargs;
	int (*run)(char **args);
	const char *usage;
} modes[] = {
	{ "errors", 2, errors, "errors posix_spawn|posix_spawnp ERRNO[,ERRNO...]" },
	{ "exec-fail", 0, exec_fail, "exec-fail" },
};

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "";
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		if (strcmp(modes[i].name, name) || argc != modes[i].nargs + 2)
			continue;
		struct sigaction sa = { .sa_handler = count_sigchld, .sa_flags = SA_RESTART };
		sigemptyset(&sa.sa_mask);
		sigaction(SIGCHLD, &sa, NULL);
		obs("note glibc %s, posix_spawn called directly", gnu_get_libc_version());
		int before = obs_fd_count(), rc = modes[i].run(argv + 2);
		obs("fds %d %d", before, obs_fd_count());
		return rc;
	}
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		fprintf(stderr, "%s psdriver %s\n", i ? "      " : "usage:", modes[i].usage);
	return 2;
}

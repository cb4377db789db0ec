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
#include <fcntl.h>
#include <sys/stat.h>
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

static inline void scenario(const char *file, const char *fmt, ...)
{
	char path[512];
	va_list ap;
	if (!dir[0]) {
		fc_temp_path(dir, sizeof dir, "scn");
		mkdir(dir, 0755);
	}
	snprintf(path, sizeof path, "%s/%s", dir, file);
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
	snprintf(out, sizeof out, "%s/results", dir);
	return out;
}

/* forkchaos check --lib <any existing library> --out DIR/results ARGS... DIR */
static inline int check(const char *const extra[])
{
	const char *argv[24];
	int n = 0;
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

static inline const char *lineage(void)
{
	return fc_build_path("targets/lineage");
}
#endif

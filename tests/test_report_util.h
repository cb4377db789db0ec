/* What the tests of forkchaos report (tests/test_report*.c) share: each
 * test copies a fixture results folder (tests/fixtures/report/NAME) into a
 * folder of its own, removed when it ends, runs `forkchaos report` there
 * and reads what it wrote. */
#ifndef FC_TEST_REPORT_UTIL_H
#define FC_TEST_REPORT_UTIL_H
#include <strings.h>
#include "check_scenario.h" /* r, dir, remove_dir(), in_dir(): a folder per test */

/* A copy of the fixture NAME in the test's folder: its path. */
static inline const char *fixture(const char *name)
{
	static char copy[8][400];
	static int next;
	char from[256];
	char *slot = copy[next++ % 8];
	snprintf(from, sizeof from, "tests/fixtures/report/%s", name);
	snprintf(slot, sizeof copy[0], "%s", in_dir(name));
	const char *argv[] = { "/bin/cp", "-r", from, slot, NULL };
	struct fc_result scratch;
	cr_assert_eq(fc_exec(&scratch, (char *const *)argv), 0, "cp %s: %s", from, scratch.err);
	return slot;
}

/* [env VARS...] forkchaos report ARGS... (NULL-terminated lists). */
static inline int report_env(const char *const env[], const char *const args[])
{
	const char *argv[32];
	int n = 0;
	if (env && env[0]) {
		argv[n++] = "/usr/bin/env";
		for (int i = 0; env[i]; i++)
			argv[n++] = env[i];
	}
	argv[n++] = fc_build_path("forkchaos");
	argv[n++] = "report";
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return fc_exec(&r, (char *const *)argv);
}

/* forkchaos report --no-plots DIR: the plots the fixture holds. */
static inline int report_of(const char *folder)
{
	const char *args[] = { "--no-plots", folder, NULL };
	return report_env(NULL, args);
}

/* FOLDER/NAME whole (malloc'd, NUL-terminated), or NULL; *LEN its size. */
static inline char *read_file(const char *folder, const char *name, size_t *len)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/%s", folder, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	rewind(f);
	char *buf = malloc((size_t)size + 1);
	size_t got = buf ? fread(buf, 1, (size_t)size, f) : 0;
	fclose(f);
	if (!buf)
		return NULL;
	buf[got] = 0;
	if (len)
		*len = got;
	return buf;
}

static inline void vwrite(const char *path, const char *fmt, va_list ap)
{
	FILE *f = fopen(path, "w");
	cr_assert(f, "cannot write %s", path);
	vfprintf(f, fmt, ap);
	fclose(f);
}

static inline void write_file(const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwrite(path, fmt, ap);
	va_end(ap);
}

/* FOLDER/NAME written with FMT. */
static inline void put(const char *folder, const char *name, const char *fmt, ...)
{
	char path[1200];
	va_list ap;
	snprintf(path, sizeof path, "%s/%s", folder, name);
	va_start(ap, fmt);
	vwrite(path, fmt, ap);
	va_end(ap);
}

/* report --no-plots FOLDER, which must exit CODE: its report.md (malloc'd). */
static inline char *md_of(const char *folder, int code)
{
	cr_assert_eq(report_of(folder), code, "exit %d (expected %d): %s%s", r.code, code, r.out, r.err);
	char *md = read_file(folder, "report.md", NULL);
	cr_assert(md, "no report.md in %s", folder);
	return md;
}

static inline int occurrences(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* render-check.sh WHAT ARGS...: its exit code (77: the tool is missing). */
static inline int render_check(struct fc_result *out, const char *const args[])
{
	const char *argv[16] = { "/bin/sh", "scripts/render-check.sh" };
	int n = 2;
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return fc_exec(out, (char *const *)argv);
}
#endif

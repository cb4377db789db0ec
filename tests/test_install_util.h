/* What the tests of the installed tool share (tests/test_install*.c): a
 * scratch folder per test, `make install` of this build into it, and
 * commands run there from outside the source tree, with the installed
 * forkchaos first in $PATH, its pkg-config files found, and none of
 * forkchaos' variables set. */
#ifndef FC_TEST_INSTALL_UTIL_H
#define FC_TEST_INSTALL_UTIL_H
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fc_test_util.h"

static char root[256];   /* the test's scratch folder */
static char prefix[300]; /* where the tree is now: root/prefix, or root/moved */
static struct fc_result r;

static inline void remove_root(void)
{
	if (!root[0])
		return;
	const char *argv[] = { "/bin/rm", "-rf", root, NULL };
	struct fc_result scratch;
	fc_exec(&scratch, (char *const *)argv);
}

/* /bin/sh -c the command FMT makes, its output in r. */
static inline int __attribute__((format(printf, 1, 2))) sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	return fc_exec(&r, (char *const *)argv);
}

/* make TARGET of this build (make check's SAN, hence its BUILD) for AT;
 * the parent make's jobserver is not ours. */
static inline void make(const char *target, const char *at)
{
	int code = sh("env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C '%s' SAN='%s' PREFIX='%s' %s",
		      FC_SRC_ROOT, FC_SAN, at, target);
	cr_assert_eq(code, 0, "make %s PREFIX=%s: exit %d\n%s%s", target, at, code, r.out, r.err);
}

/* Installed into ROOT/prefix; MOVE: then moved to ROOT/moved, which no path
 * compiled into the tree names.  ROOT/work is the folder commands run in. */
static inline void installed(int move)
{
	fc_temp_path(root, sizeof root, "install");
	cr_assert_eq(mkdir(root, 0755), 0);
	snprintf(prefix, sizeof prefix, "%s/prefix", root);
	make("install", prefix);
	if (move) {
		cr_assert_eq(sh("mv '%s' '%s/moved'", prefix, root), 0, "%s", r.err);
		snprintf(prefix, sizeof prefix, "%s/moved", root);
	}
	cr_assert_eq(sh("mkdir '%s/work'", root), 0);
}

/* The shell script FMT makes, run in ROOT/work (from a file: any quotes). */
static inline int __attribute__((format(printf, 1, 2))) in_work(const char *fmt, ...)
{
	char path[400];
	va_list ap;
	snprintf(path, sizeof path, "%s/work/.cmd.sh", root);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
	return sh("cd '%s/work' && exec env -u FORKCHAOS_SHIM -u FORKCHAOS_SCRIPTS -u FORKCHAOS_PLAN -u FORKCHAOS_TRACE "
		  "-u FORKCHAOS_SEED -u LD_PRELOAD PATH='%s/bin:/usr/bin:/bin' PKG_CONFIG_PATH='%s/lib/pkgconfig' sh .cmd.sh",
		  root, prefix, prefix);
}
#endif

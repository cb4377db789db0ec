/* What calls2 and fortified share: a table of calls, each made once by its
 * subcommand, which prints "NAME RET ERRNO" ("OK" for ERRNO when the call
 * succeeded), and the set-ups that make each call succeed at once when
 * nothing is injected (a readable pipe, a socket pair with a byte in it),
 * so that any failure is the shim's.  A set-up never makes the call it
 * prepares for: a rule counts from the first call the program makes. */
#ifndef FC_CALLROW_H
#define FC_CALLROW_H
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct fixture {
	char self[PATH_MAX]; /* this program */
	int pipe[2];         /* a byte waiting in pipe[0] */
	int pair[2];         /* a byte waiting in pair[0] */
	int fd;
};

struct call_row {
	const char *name;
	int (*set_up)(struct fixture *f);
	long (*once)(struct fixture *f);
	int ret_errno; /* fails by returning the errno, not -1 */
};

static inline int readable_pipe(struct fixture *f)
{
	return pipe(f->pipe) < 0 || write(f->pipe[1], "x", 1) != 1 ? -1 : 0;
}

static inline int readable_pair(struct fixture *f)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->pair) < 0)
		return -1;
	return write(f->pair[1], "x", 1) == 1 ? 0 : -1;
}

/* A descriptor the call made, closed again; the call's errno kept. */
static inline long close_after(long fd)
{
	int err = errno;
	if (fd >= 0)
		close((int)fd);
	errno = err;
	return fd;
}

/* The value in a register the compiler cannot see through: a fortified
 * call with a length or flags it cannot check at compile time goes to the
 * checking symbol (__read_chk, __open_2). */
static inline long opaque(long v)
{
	__asm__ volatile("" : "+r"(v));
	return v;
}

static inline int call_main(const char *prog, const struct call_row *rows, size_t count, int argc, char **argv)
{
	struct fixture f = { .fd = -1 };
	ssize_t n = readlink("/proc/self/exe", f.self, sizeof f.self - 1);
	if (n <= 0)
		return 2;
	for (size_t k = 0; argc > 1 && k < count; k++) {
		const struct call_row *row = &rows[k];
		if (strcmp(argv[1], row->name) != 0)
			continue;
		if (row->set_up && row->set_up(&f) < 0) {
			fprintf(stderr, "%s: set-up for %s: %s\n", prog, row->name, strerror(errno));
			return 2;
		}
		long ret = row->once(&f);
		int err = row->ret_errno ? (int)ret : ret < 0 ? errno : 0;
		const char *name = strerrorname_np(err);
		printf("%s %ld %s\n", row->name, ret, err ? (name ? name : "?") : "OK");
		return 0;
	}
	fprintf(stderr, "usage: %s CALL, one of:", prog);
	for (size_t k = 0; k < count; k++)
		fprintf(stderr, " %s", rows[k].name);
	fprintf(stderr, "\n");
	return 64;
}

#define CALL_MAIN(prog, rows) call_main(prog, rows, sizeof rows / sizeof rows[0], argc, argv)
#endif

/* fortified: built as Debian builds its programs (-O2 -D_FORTIFY_SOURCE=2,
 * see tests.mk), so that its calls reach the symbols such programs import
 * instead of the plain names: __open_2, __read_chk, __poll_chk ... and, as
 * with _FILE_OFFSET_BITS=64, open64, openat64, fcntl64.  `fortified SYMBOL`
 * makes the call that reaches SYMBOL once and prints "SYMBOL RET ERRNO|OK";
 * the shim's ALIAS lines must count it as the plain call. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include "callrow.h"

#ifndef __USE_FORTIFY_LEVEL
#error "fortified must be built with -O2 -D_FORTIFY_SOURCE=2"
#endif
#if __USE_FORTIFY_LEVEL < 2
#error "fortified must be built with -O2 -D_FORTIFY_SOURCE=2"
#endif

/* Flags the compiler cannot see: the fortified open goes to __open_2. */
#define RDONLY ((int)opaque(O_RDONLY | O_CLOEXEC))

static long once_open_2(struct fixture *f)
{
	return close_after(open(f->self, RDONLY));
}

static long once_open64(struct fixture *f)
{
	return close_after(open64(f->self, O_RDONLY | O_CLOEXEC));
}

static long once_open64_2(struct fixture *f)
{
	return close_after(open64(f->self, RDONLY));
}

static long once_openat64(struct fixture *f)
{
	return close_after(openat64(AT_FDCWD, f->self, O_RDONLY | O_CLOEXEC));
}

static long once_openat_2(struct fixture *f)
{
	return close_after(openat(AT_FDCWD, f->self, RDONLY));
}

static long once_openat64_2(struct fixture *f)
{
	return close_after(openat64(AT_FDCWD, f->self, RDONLY));
}

/* Known buffers, lengths the compiler cannot check: the _chk symbols. */
static long once_read_chk(struct fixture *f)
{
	char buf[8];
	return read(f->pipe[0], buf, (size_t)opaque(1));
}

static long once_poll_chk(struct fixture *f)
{
	struct pollfd p[1] = { { .fd = f->pipe[0], .events = POLLIN } };
	return poll(p, (nfds_t)opaque(1), 0);
}

static long once_ppoll_chk(struct fixture *f)
{
	struct pollfd p[1] = { { .fd = f->pipe[0], .events = POLLIN } };
	struct timespec zero = { 0, 0 };
	return ppoll(p, (nfds_t)opaque(1), &zero, NULL);
}

static long once_recv_chk(struct fixture *f)
{
	char buf[8];
	return recv(f->pair[0], buf, (size_t)opaque(1), 0);
}

static long once_recvfrom_chk(struct fixture *f)
{
	char buf[8];
	return recvfrom(f->pair[0], buf, (size_t)opaque(1), 0, NULL, NULL);
}

static long once_fcntl64(struct fixture *f)
{
	return fcntl64(f->pipe[0], F_GETFD);
}

static const struct call_row rows[] = {
	{ "__open_2", NULL, once_open_2, 0 },
	{ "open64", NULL, once_open64, 0 },
	{ "__open64_2", NULL, once_open64_2, 0 },
	{ "openat64", NULL, once_openat64, 0 },
	{ "__openat_2", NULL, once_openat_2, 0 },
	{ "__openat64_2", NULL, once_openat64_2, 0 },
	{ "__read_chk", readable_pipe, once_read_chk, 0 },
	{ "__poll_chk", readable_pipe, once_poll_chk, 0 },
	{ "__ppoll_chk", readable_pipe, once_ppoll_chk, 0 },
	{ "__recv_chk", readable_pair, once_recv_chk, 0 },
	{ "__recvfrom_chk", readable_pair, once_recvfrom_chk, 0 },
	{ "fcntl64", readable_pipe, once_fcntl64, 0 },
};

int main(int argc, char **argv)
{
	return CALL_MAIN("fortified", rows);
}

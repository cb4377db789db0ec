/* netcalls: the calls added to calls.def as one line each, made N times
 * under `forkchaos run`: `netcalls CALL N` prints "CALL I RET ERRNO|OK" per
 * call.  Each call is set up to succeed at once when nothing is injected
 * (a pending connection, a readable pipe), so that any failure is the
 * shim's. */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct fixture {
	int listener;
	struct sockaddr_un addr;
	socklen_t addr_len;
	int pipe[2];
	int epfd;
};

static long once_socket(struct fixture *f)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		close(fd);
	return fd;
}

/* A client connects first, so accept4 has a connection waiting. */
static long once_accept4(struct fixture *f)
{
	int client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (client < 0 || connect(client, (struct sockaddr *)&f->addr, f->addr_len) < 0)
		return -2;
	int fd = accept4(f->listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int err = errno;
	close(client);
	if (fd >= 0)
		close(fd);
	errno = err;
	return fd;
}

static long once_poll(struct fixture *f)
{
	struct pollfd p = { .fd = f->pipe[0], .events = POLLIN };
	return poll(&p, 1, 0);
}

static long once_epoll_wait(struct fixture *f)
{
	struct epoll_event ev;
	return epoll_wait(f->epfd, &ev, 1, 0);
}

/* A listener in the abstract namespace (no file to clean up). */
static int listen_unix(struct fixture *f)
{
	f->addr.sun_family = AF_UNIX;
	int n = snprintf(f->addr.sun_path + 1, sizeof f->addr.sun_path - 1, "forkchaos-netcalls-%d", (int)getpid());
	f->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	f->listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->listener < 0 || bind(f->listener, (struct sockaddr *)&f->addr, f->addr_len) < 0)
		return -1;
	return listen(f->listener, 8);
}

/* A pipe with a byte in it, and an epoll set that watches it. */
static int readable_pipe(struct fixture *f)
{
	struct epoll_event ev = { .events = EPOLLIN };
	if (pipe(f->pipe) < 0 || write(f->pipe[1], "x", 1) != 1)
		return -1;
	f->epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = f->pipe[0];
	return f->epfd < 0 ? -1 : epoll_ctl(f->epfd, EPOLL_CTL_ADD, f->pipe[0], &ev);
}

/* A rule counts the calls from the first one netcalls makes, so a set-up
 * never makes the call it prepares for (socket needs none). */
static const struct {
	const char *name;
	int (*set_up)(struct fixture *f);
	long (*once)(struct fixture *f);
} calls[] = {
	{ "socket", NULL, once_socket },
	{ "accept4", listen_unix, once_accept4 },
	{ "poll", readable_pipe, once_poll },
	{ "epoll_wait", readable_pipe, once_epoll_wait },
};

int main(int argc, char **argv)
{
	struct fixture f = { 0 };
	int n = argc > 2 ? atoi(argv[2]) : 1;
	for (size_t k = 0; argc > 1 && k < sizeof calls / sizeof calls[0]; k++) {
		if (strcmp(argv[1], calls[k].name) != 0)
			continue;
		if (calls[k].set_up && calls[k].set_up(&f) < 0) {
			fprintf(stderr, "netcalls: set-up for %s: %s\n", calls[k].name, strerror(errno));
			return 2;
		}
		for (int i = 1; i <= n; i++) {
			long ret = calls[k].once(&f);
			const char *err = strerrorname_np(errno);
			printf("%s %d %ld %s\n", calls[k].name, i, ret, ret < 0 ? (err ? err : "?") : "OK");
		}
		return 0;
	}
	fprintf(stderr, "usage: netcalls socket|accept4|poll|epoll_wait [N]\n");
	return 2;
}

/* calls2: the calls of issue 8, one subcommand each, run under `forkchaos
 * run`: `calls2 CALL` makes CALL once and prints "CALL RET ERRNO|OK".
 *
 * The exec family runs in a forked child that reports a failed exec through
 * a close-on-exec pipe, as Python's subprocess, GLib and libuv do: the
 * parent reads EOF when the exec happened, else the child's errno.  The new
 * image is this program again (`calls2 args ...`), which prints the words
 * it was given and the FC_CALLS2_MARK it found in its environment. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include "callrow.h"

#define NAME "calls2"
#define MARK "FC_CALLS2_MARK"
/* What every exec passes: three words, one with a space in it. */
#define ARGS NAME, "args", "1st", "2 nd", "3rd"

static char *exec_argv[] = { ARGS, NULL };
static char *exec_envp[256]; /* the environment and MARK=envp */

/* ---- the exec family ---- */

static int exec_execve(struct fixture *f)
{
	return execve(f->self, exec_argv, exec_envp);
}
static int exec_execv(struct fixture *f)
{
	return execv(f->self, exec_argv);
}
static int exec_execvp(struct fixture *f)
{
	return execvp(NAME, exec_argv);
}
static int exec_execvpe(struct fixture *f)
{
	return execvpe(NAME, exec_argv, exec_envp);
}
static int exec_execl(struct fixture *f)
{
	return execl(f->self, ARGS, (char *)NULL);
}
static int exec_execlp(struct fixture *f)
{
	return execlp(NAME, ARGS, (char *)NULL);
}
static int exec_execle(struct fixture *f)
{
	return execle(f->self, ARGS, (char *)NULL, exec_envp);
}
static int exec_fexecve(struct fixture *f)
{
	return fexecve(f->fd, exec_argv, exec_envp);
}
static int exec_sys_execve(struct fixture *f)
{
	return (int)syscall(SYS_execve, f->self, exec_argv, exec_envp);
}
static int exec_sys_execveat(struct fixture *f)
{
	return (int)syscall(SYS_execveat, AT_FDCWD, f->self, exec_argv, exec_envp, 0);
}

/* The p-forms find this program on PATH; the e-forms pass MARK=envp. */
static int exec_set_up(struct fixture *f)
{
	char dir[PATH_MAX];
	size_t n = 0;
	snprintf(dir, sizeof dir, "%s", f->self);
	*strrchr(dir, '/') = 0;
	if (setenv("PATH", dir, 1) < 0)
		return -1;
	for (char **e = environ; *e && n < sizeof exec_envp / sizeof exec_envp[0] - 2; e++)
		exec_envp[n++] = *e;
	exec_envp[n] = MARK "=envp";
	/* fexecve's descriptor (the plan names fexecve, not open) */
	f->fd = open(f->self, O_RDONLY | O_CLOEXEC);
	return f->fd < 0 ? -1 : 0;
}

/* The child execs; a failure comes back through the pipe as its errno.
 * Returns the new image's exit status, or -1 with the failed exec's errno. */
static long exec_in_child(struct fixture *f, int (*exec)(struct fixture *f))
{
	int report[2], err = 0, status;
	if (pipe2(report, O_CLOEXEC) < 0)
		return -2;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(report[0]);
		exec(f);
		err = errno;
		if (write(report[1], &err, sizeof err) != sizeof err)
			_exit(126);
		_exit(127);
	}
	close(report[1]);
	if (pid < 0)
		return -2;
	ssize_t got = read(report[0], &err, sizeof err);
	close(report[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -2;
	if (got == sizeof err) {
		errno = err;
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define EXEC_ONCE(name)                               \
	static long once_##name(struct fixture *f)    \
	{                                             \
		return exec_in_child(f, exec_##name); \
	}
EXEC_ONCE(execve)
EXEC_ONCE(execv)
EXEC_ONCE(execvp)
EXEC_ONCE(execvpe)
EXEC_ONCE(execl)
EXEC_ONCE(execlp)
EXEC_ONCE(execle)
EXEC_ONCE(fexecve)
EXEC_ONCE(sys_execve)
EXEC_ONCE(sys_execveat)

/* ---- descriptors ---- */

static long once_open(struct fixture *f)
{
	return close_after(open(f->self, O_RDONLY | O_CLOEXEC));
}

static long once_openat(struct fixture *f)
{
	return close_after(openat(AT_FDCWD, f->self, O_RDONLY | O_CLOEXEC));
}

static long once_socketpair(struct fixture *f)
{
	int sv[2];
	int ret = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	if (ret == 0) {
		close(sv[0]);
		close(sv[1]);
	}
	return ret;
}

static long once_signalfd(struct fixture *f)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	return close_after(signalfd(-1, &mask, SFD_CLOEXEC));
}

static long once_timerfd_create(struct fixture *f)
{
	return close_after(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
}

static long once_epoll_create1(struct fixture *f)
{
	return close_after(epoll_create1(EPOLL_CLOEXEC));
}

static long once_ppoll(struct fixture *f)
{
	struct pollfd p = { .fd = f->pipe[0], .events = POLLIN };
	struct timespec zero = { 0, 0 };
	return ppoll(&p, 1, &zero, NULL);
}

static long once_select(struct fixture *f)
{
	fd_set readable;
	struct timeval zero = { 0, 0 };
	FD_ZERO(&readable);
	FD_SET(f->pipe[0], &readable);
	return select(f->pipe[0] + 1, &readable, NULL, NULL, &zero);
}

static long once_pselect(struct fixture *f)
{
	fd_set readable;
	struct timespec zero = { 0, 0 };
	FD_ZERO(&readable);
	FD_SET(f->pipe[0], &readable);
	return pselect(f->pipe[0] + 1, &readable, NULL, NULL, &zero, NULL);
}

/* An epoll set that watches the readable pipe (epoll_create1 is not the
 * call under test here). */
static int readable_epoll(struct fixture *f)
{
	struct epoll_event ev = { .events = EPOLLIN };
	if (readable_pipe(f) < 0 || (f->fd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return -1;
	ev.data.fd = f->pipe[0];
	return epoll_ctl(f->fd, EPOLL_CTL_ADD, f->pipe[0], &ev);
}

static long once_epoll_pwait(struct fixture *f)
{
	struct epoll_event ev;
	return epoll_pwait(f->fd, &ev, 1, 0, NULL);
}

/* A listener in the abstract namespace (no file to clean up); ADDR is
 * where a client connects. */
static struct sockaddr_un listen_addr;
static socklen_t listen_len;

static int listening(struct fixture *f)
{
	listen_addr.sun_family = AF_UNIX;
	int n = snprintf(listen_addr.sun_path + 1, sizeof listen_addr.sun_path - 1, "forkchaos-calls2-%d", (int)getpid());
	listen_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	f->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->fd < 0 || bind(f->fd, (struct sockaddr *)&listen_addr, listen_len) < 0)
		return -1;
	return listen(f->fd, 8);
}

static long once_connect(struct fixture *f)
{
	int client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (client < 0)
		return -2;
	long ret = connect(client, (struct sockaddr *)&listen_addr, listen_len);
	close_after(client);
	return ret;
}

/* A connection waits for accept (connect is not the call under test). */
static int pending_connection(struct fixture *f)
{
	int client;
	if (listening(f) < 0 || (client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	return connect(client, (struct sockaddr *)&listen_addr, listen_len);
}

static long once_accept(struct fixture *f)
{
	return close_after(accept(f->fd, NULL, NULL));
}

static long once_recv(struct fixture *f)
{
	char byte;
	return recv(f->pair[0], &byte, 1, 0);
}

static long once_recvfrom(struct fixture *f)
{
	char byte;
	return recvfrom(f->pair[0], &byte, 1, 0, NULL, NULL);
}

static long once_recvmsg(struct fixture *f)
{
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	return recvmsg(f->pair[0], &msg, 0);
}

static long once_send(struct fixture *f)
{
	return send(f->pair[0], "y", 1, 0);
}

static long once_sendto(struct fixture *f)
{
	return sendto(f->pair[0], "y", 1, 0, NULL, 0);
}

static long once_sendmsg(struct fixture *f)
{
	struct iovec iov = { "y", 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	return sendmsg(f->pair[0], &msg, 0);
}

/* ---- waiting and signals ---- */

static long once_nanosleep(struct fixture *f)
{
	struct timespec tick = { 0, 1 };
	return nanosleep(&tick, NULL);
}

static long once_clock_nanosleep(struct fixture *f)
{
	struct timespec tick = { 0, 1 };
	return clock_nanosleep(CLOCK_MONOTONIC, 0, &tick, NULL);
}

static void on_usr1(int sig)
{
}

/* SIGUSR1 blocked and pending, with a handler: sigsuspend returns at once
 * (-1 EINTR, its only success), sigwaitinfo takes it (10). */
static int usr1_pending(struct fixture *f)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (sigaction(SIGUSR1, &sa, NULL) < 0 || sigprocmask(SIG_BLOCK, &usr1, NULL) < 0)
		return -1;
	return raise(SIGUSR1);
}

static long once_sigsuspend(struct fixture *f)
{
	sigset_t none;
	sigemptyset(&none);
	return sigsuspend(&none);
}

static long once_sigwaitinfo(struct fixture *f)
{
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	return sigwaitinfo(&usr1, NULL);
}

static long once_sigtimedwait(struct fixture *f)
{
	sigset_t usr1;
	struct timespec zero = { 0, 0 };
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	return sigtimedwait(&usr1, NULL, &zero);
}

static void *thread_body(void *arg)
{
	return arg;
}

static long once_pthread_create(struct fixture *f)
{
	pthread_t thread;
	int ret = pthread_create(&thread, NULL, thread_body, NULL);
	if (ret == 0)
		pthread_join(thread, NULL);
	return ret;
}

/* `calls2 args WORD...`: the new image of an exec prints what it got. */
static int print_args(int argc, char **argv)
{
	const char *mark = getenv(MARK);
	printf("args");
	for (int i = 2; i < argc; i++)
		printf("%c%s", i == 2 ? ' ' : '|', argv[i]);
	printf(" env=%s\n", mark ? mark : "-");
	return 0;
}

static const struct call_row rows[] = {
	{ "execve", exec_set_up, once_execve, 0 },
	{ "execv", exec_set_up, once_execv, 0 },
	{ "execvp", exec_set_up, once_execvp, 0 },
	{ "execvpe", exec_set_up, once_execvpe, 0 },
	{ "execl", exec_set_up, once_execl, 0 },
	{ "execlp", exec_set_up, once_execlp, 0 },
	{ "execle", exec_set_up, once_execle, 0 },
	{ "fexecve", exec_set_up, once_fexecve, 0 },
	{ "sys_execve", exec_set_up, once_sys_execve, 0 },
	{ "sys_execveat", exec_set_up, once_sys_execveat, 0 },
	{ "open", NULL, once_open, 0 },
	{ "openat", NULL, once_openat, 0 },
	{ "socketpair", NULL, once_socketpair, 0 },
	{ "signalfd", NULL, once_signalfd, 0 },
	{ "timerfd_create", NULL, once_timerfd_create, 0 },
	{ "epoll_create1", NULL, once_epoll_create1, 0 },
	{ "ppoll", readable_pipe, once_ppoll, 0 },
	{ "select", readable_pipe, once_select, 0 },
	{ "pselect", readable_pipe, once_pselect, 0 },
	{ "epoll_pwait", readable_epoll, once_epoll_pwait, 0 },
	{ "accept", pending_connection, once_accept, 0 },
	{ "connect", listening, once_connect, 0 },
	{ "recv", readable_pair, once_recv, 0 },
	{ "recvfrom", readable_pair, once_recvfrom, 0 },
	{ "recvmsg", readable_pair, once_recvmsg, 0 },
	{ "send", readable_pair, once_send, 0 },
	{ "sendto", readable_pair, once_sendto, 0 },
	{ "sendmsg", readable_pair, once_sendmsg, 0 },
	{ "nanosleep", NULL, once_nanosleep, 0 },
	{ "clock_nanosleep", NULL, once_clock_nanosleep, 1 },
	{ "sigsuspend", usr1_pending, once_sigsuspend, 0 },
	{ "sigwaitinfo", usr1_pending, once_sigwaitinfo, 0 },
	{ "sigtimedwait", usr1_pending, once_sigtimedwait, 0 },
	{ "pthread_create", NULL, once_pthread_create, 1 },
};

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "args"))
		return print_args(argc, argv);
	return CALL_MAIN(NAME, rows);
}

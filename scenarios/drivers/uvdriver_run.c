/* What uvdriver's modes share (uvdriver.h): the loop, the children it
 * spawns and the exit callbacks it hears, the fd census around them, and
 * bounded waits on what /proc says. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "uvdriver.h"

/* After the last child was seen dead, how long libuv gets to say so: its
 * callback comes within a loop iteration of the SIGCHLD (milliseconds);
 * a callback that has not come by then is not coming. */
#define GRACE_MS 300
#define AWAIT_MAX_MS 5000

uint64_t fc__uv_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *fc__uv_expected(int id, char *buf, size_t len)
{
	/* every fifth child dies by a signal: the callback's term_signal */
	if (id % 5 == 4)
		snprintf(buf, len, "killed:%d", SIGTERM);
	else
		snprintf(buf, len, "exited:%d", id % 7);
	return buf;
}

int fc__uv_child(int id)
{
	char byte;
	ssize_t got;
	/* the gate (or /dev/null, or libuv's pipe): its end is our cue */
	while ((got = read(0, &byte, 1)) > 0 || (got < 0 && errno == EINTR))
		;
	if (id % 5 == 4) {
		signal(SIGTERM, SIG_DFL);
		raise(SIGTERM);
	}
	return id % 7;
}

int fc__uv_errno_named(const char *name)
{
	for (int e = 1; e < 200; e++) {
		const char *n = strerrorname_np(e);
		if (n && !strcmp(n, name))
			return e;
	}
	obs_die("unknown errno name '%s'", name);
}

const char *fc__uv_disposition(int sig)
{
	struct sigaction now;
	if (sigaction(sig, NULL, &now) < 0)
		return "?";
	return now.sa_handler == SIG_DFL ? "SIG_DFL" : now.sa_handler == SIG_IGN ? "SIG_IGN" : "handler";
}

/* Is TID of this process asleep in syscall NR?  /proc/self/task/TID/syscall
 * starts with the number of the syscall it is blocked in. */
static int in_syscall(pid_t tid, long nr)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t got = read(fd, line, sizeof line - 1);
	close(fd);
	if (got <= 0)
		return 0;
	line[got] = 0;
	return strtol(line, NULL, 10) == nr;
}

int fc__uv_await_syscall(pid_t tid, long nr)
{
	uint64_t deadline = fc__uv_now_ms() + 5000;
	struct timespec tick = { 0, 200000 };
	while (!in_syscall(tid, nr))
		if (fc__uv_now_ms() > deadline)
			return 0;
		else
			nanosleep(&tick, NULL);
	return 1;
}

/* Dead: a zombie nobody reaped yet, or gone (reaped, by libuv or not). */
static int is_dead(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	ssize_t got = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (got <= 0)
		return 1;
	buf[got] = 0;
	const char *paren = strrchr(buf, ')'); /* the command may hold blanks */
	return paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
}

void fc__uv_begin(struct fc__uv_run *u)
{
	memset(u, 0, sizeof *u);
	u->gate[0] = u->gate[1] = -1;
	/* the first line opens the report, before the census counts it */
	obs("note libuv %s", uv_version_string());
	int rc = uv_loop_init(&u->loop);
	if (rc < 0)
		obs_die("uv_loop_init: %s", uv_strerror(rc));
	/* libuv's process-wide descriptors (its signal lock pipe) and the
	 * loop's (epoll, its signal pipe, its eventfd) are made by now, and a
	 * first stream makes the loop's last one (a /dev/null it keeps for
	 * accept()'s EMFILE): the census counts from here */
	static uv_pipe_t first;
	uv_pipe_init(&u->loop, &first, 0);
	uv_close((uv_handle_t *)&first, NULL);
	uv_run(&u->loop, UV_RUN_NOWAIT);
	u->before = obs_fd_count();
	/* O_CLOEXEC: only the child that gets it as stdin holds the read end */
	if (pipe2(u->gate, O_CLOEXEC) < 0)
		obs_die("pipe2: %s", strerror(errno));
}

void fc__uv_open_gate(struct fc__uv_run *u)
{
	for (int i = 0; i < 2; i++)
		if (u->gate[i] >= 0) {
			close(u->gate[i]);
			u->gate[i] = -1;
		}
}

static void exit_cb(uv_process_t *proc, int64_t exit_status, int term_signal)
{
	struct fc__uv_kid *kid = proc->data;
	char want[32], got[32];
	kid->delivered++;
	if (term_signal)
		snprintf(got, sizeof got, "killed:%d", term_signal);
	else
		snprintf(got, sizeof got, "exited:%lld", (long long)exit_status);
	obs("status %d %s %s", kid->id, fc__uv_expected(kid->id, want, sizeof want), got);
}

static const char *self_path(void)
{
	static char path[PATH_MAX];
	ssize_t len = path[0] ? (ssize_t)strlen(path) : readlink("/proc/self/exe", path, sizeof path - 1);
	if (len <= 0)
		obs_die("readlink /proc/self/exe: %s", strerror(errno));
	path[len] = 0;
	return path;
}

/* stdin: the gate, a libuv pipe or /dev/null (libuv's UV_IGNORE);
 * stdout: a libuv pipe or ours; stderr: ours. */
static void stdio_of(struct fc__uv_run *u, struct fc__uv_kid *kid, int flags, uv_stdio_container_t io[3])
{
	io[0].flags = UV_IGNORE;
	io[1].flags = UV_INHERIT_FD;
	io[1].data.fd = 1;
	io[2].flags = UV_INHERIT_FD;
	io[2].data.fd = 2;
	if (flags & FC_UV_GATED) {
		io[0].flags = UV_INHERIT_FD;
		io[0].data.fd = u->gate[0];
	}
	if (!(flags & FC_UV_PIPES))
		return;
	for (int i = 0; i < 2; i++) {
		uv_pipe_init(&u->loop, &kid->io[i], 0);
		kid->nio++;
		io[i].flags = UV_CREATE_PIPE | (i == 0 ? UV_READABLE_PIPE : UV_WRITABLE_PIPE);
		io[i].data.stream = (uv_stream_t *)&kid->io[i];
	}
}

int fc__uv_spawn_kid(struct fc__uv_run *u, int id, int flags, const char *file)
{
	if (u->nkids == FC_UV_MAX_KIDS)
		obs_die("more than %d children", FC_UV_MAX_KIDS);
	struct fc__uv_kid *kid = &u->kids[u->nkids++];
	char idtext[16];
	snprintf(idtext, sizeof idtext, "%d", id);
	char *argv[] = { (char *)(file ? file : self_path()), "child", idtext, NULL };
	uv_stdio_container_t io[3];
	uv_process_options_t options = {
		.exit_cb = exit_cb,
		.file = argv[0],
		.args = argv,
		.stdio = io,
		.stdio_count = 3,
	};
	kid->id = id;
	kid->proc.data = kid;
	stdio_of(u, kid, flags, io);
	int rc = uv_spawn(&u->loop, &kid->proc, &options);
	if (rc == 0) {
		kid->spawned = 1;
		kid->pid = kid->proc.pid;
		obs("spawned %d", id);
	}
	/* our end of its stdin: closed, so that it reads its end at once */
	if (kid->nio)
		uv_close((uv_handle_t *)&kid->io[0], NULL);
	return rc;
}

void fc__uv_report_failure(int rc, const char *expected)
{
	/* libuv's codes are negated errnos: UV_EAGAIN is -EAGAIN */
	obs("result uv_spawn %d %s %s", rc, rc < 0 ? obs_errno(-rc) : "0", expected);
}

/* Every spawned child heard of, or dead long enough without a word. */
static int settled(struct fc__uv_run *u, uint64_t now)
{
	for (int i = 0; i < u->nkids; i++) {
		struct fc__uv_kid *kid = &u->kids[i];
		if (!kid->spawned || kid->delivered)
			continue;
		if (!kid->dead_ms && is_dead(kid->pid))
			kid->dead_ms = now;
		if (!kid->dead_ms || now < kid->dead_ms + GRACE_MS)
			return 0;
	}
	return 1;
}

static void on_tick(uv_timer_t *timer)
{
	struct fc__uv_run *u = timer->data;
	uint64_t now = fc__uv_now_ms();
	if (settled(u, now) || now > u->give_up_ms)
		uv_stop(&u->loop);
}

void fc__uv_await(struct fc__uv_run *u)
{
	u->give_up_ms = fc__uv_now_ms() + AWAIT_MAX_MS;
	if (!u->tick.data) {
		uv_timer_init(&u->loop, &u->tick);
		u->tick.data = u;
	}
	uv_timer_start(&u->tick, on_tick, 2, 2);
	uv_run(&u->loop, UV_RUN_DEFAULT);
	uv_timer_stop(&u->tick);
}

int fc__uv_end(struct fc__uv_run *u)
{
	fc__uv_open_gate(u);
	for (int i = 0; i < u->nkids; i++) {
		struct fc__uv_kid *kid = &u->kids[i];
		/* a failed uv_spawn leaves an initialised handle: it is closed too */
		uv_close((uv_handle_t *)&kid->proc, NULL);
		if (kid->nio == 2)
			uv_close((uv_handle_t *)&kid->io[1], NULL);
	}
	if (u->tick.data)
		uv_close((uv_handle_t *)&u->tick, NULL);
	uv_run(&u->loop, UV_RUN_DEFAULT);
	obs("fds %d %d", u->before, obs_fd_count());
	int rc = uv_loop_close(&u->loop);
	if (rc < 0)
		obs("note uv_loop_close: %s", uv_err_name(rc));
	/* libuv's process-wide state (the signal lock pipe) goes too: what is
	 * still open at exit is then what libuv lost, for the shim's fds */
	uv_library_shutdown();
	return 0;
}

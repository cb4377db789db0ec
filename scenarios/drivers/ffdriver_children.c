/* What ffdriver's patterns share (ffdriver.h): the children they make and
 * hold, the application's own SIGCHLD handler, bounded waits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ffdriver.h"

struct ffd_api fc__ffd;
volatile sig_atomic_t fc__old_calls;

static void old_handler(int sig, siginfo_t *info, void *uctx)
{
	fc__old_calls++;
}

void fc__install_old_handler(void)
{
	struct sigaction sa = { .sa_sigaction = old_handler, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		obs_die("sigaction: %s", strerror(errno));
}

int fc__old_handler_in_place(void)
{
	struct sigaction now;
	sigaction(SIGCHLD, NULL, &now);
	return now.sa_sigaction == old_handler;
}

uint64_t fc__now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void fc__settle_old_handler(int expected, int max_ms)
{
	uint64_t deadline = fc__now_ms() + (uint64_t)max_ms;
	struct timespec tick = { 0, 1000000 };
	while (fc__old_calls < expected && fc__now_ms() < deadline)
		nanosleep(&tick, NULL);
}

/* The write ends of the gates not yet open.  Every held child closes them
 * all: one it kept would hold its own gate (or a sibling's) shut for good.
 * Gates are made and opened while no other thread forks. */
static int shut_gates[4] = { -1, -1, -1, -1 };

void fc__gate_make(struct fc__gate *gate)
{
	size_t slot = 0;
	while (slot < sizeof shut_gates / sizeof shut_gates[0] && shut_gates[slot] >= 0)
		slot++;
	if (slot == sizeof shut_gates / sizeof shut_gates[0])
		obs_die("more than %zu gates at once", slot);
	/* O_CLOEXEC: a program spawned meanwhile must not hold a gate shut */
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		obs_die("pipe: %s", strerror(errno));
	*gate = (struct fc__gate){ fds[0], fds[1] };
	shut_gates[slot] = gate->wr;
}

void fc__gate_open(struct fc__gate *gate)
{
	for (size_t slot = 0; slot < sizeof shut_gates / sizeof shut_gates[0]; slot++)
		if (shut_gates[slot] == gate->wr)
			shut_gates[slot] = -1;
	/* close() leaves errno alone when it succeeds: the errno pattern
	 * relies on that */
	close(gate->rd);
	close(gate->wr);
}

static int child_exit_code(int id)
{
	return id % 5 == 0 ? -SIGTERM : id % 7;
}

/* In the child (async-signal-safe calls only: on the pidfd path it comes
 * from a raw clone). */
__attribute__((noreturn)) static void child_body(int id, const struct fc__gate *gate)
{
	char byte;
	for (size_t slot = 0; slot < sizeof shut_gates / sizeof shut_gates[0]; slot++)
		if (shut_gates[slot] >= 0)
			close(shut_gates[slot]);
	if (gate && read(gate->rd, &byte, 1) < 0)
		_exit(100);
	int code = child_exit_code(id);
	if (code < 0) {
		signal(-code, SIG_DFL);
		raise(-code);
	}
	_exit(code);
}

int fc__held_child(int flags, int id, const struct fc__gate *gate, pid_t *pid)
{
	int fd = fc__ffd.fork(flags, pid);
	if (fd == FFD_CHILD_PROCESS)
		child_body(id, gate);
	return fd;
}

int fc__held_child_spawned(int flags, int id, const struct fc__gate *gate, pid_t *pid)
{
	int fd = fc__held_child(flags, id, gate, pid);
	/* a child that was never made has no status to hear about: status
	 * expects only those that were (a sweep fails ffd_fork anywhere) */
	if (fd >= 0)
		obs("spawned %d", id);
	else
		obs("result ffd_fork -1 %s 0", obs_errno(errno));
	return fd;
}

int fc__held_child_or_die(int flags, int id, const struct fc__gate *gate, pid_t *pid)
{
	int fd = fc__held_child(flags, id, gate, pid);
	obs("spawned %d", id);
	if (fd < 0)
		obs_library_failed("ffd_fork");
	return fd;
}

const char *fc__wait_status(int fd, int options, char *buf, size_t len)
{
	struct ffd_info info;
	if (fc__ffd.wait(fd, &info, options, NULL) < 0)
		snprintf(buf, len, "error:%s", obs_errno(errno));
	else
		obs_status(&info, buf, len);
	return buf;
}

void fc__wait_and_report(int id, int fd)
{
	char expected[32], got[32];
	int code = child_exit_code(id);
	snprintf(expected, sizeof expected, code < 0 ? "killed:%d" : "exited:%d", code < 0 ? -code : code);
	obs("status %d %s %s", id, expected, fc__wait_status(fd, 0, got, sizeof got));
}

int fc__reap_reported(int id, int fd)
{
	fc__wait_and_report(id, fd);
	return fc__ffd.close(fd);
}

void fc__reap_quietly(int fd)
{
	struct ffd_info info;
	int flags = fcntl(fd, F_GETFL);
	if (flags >= 0 && (flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	fc__ffd.wait(fd, &info, 0, NULL);
	fc__ffd.close(fd);
}

static int in_syscall(pid_t pid, pid_t tid, long nr, long arg)
{
	char path[96], line[128];
	snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	int ok = fgets(line, sizeof line, f) != NULL;
	fclose(f);
	long got_nr;
	unsigned long got_arg;
	return ok && sscanf(line, "%ld 0x%lx", &got_nr, &got_arg) == 2 && got_nr == nr &&
		(arg < 0 || got_arg == (unsigned long)arg);
}

int fc__await_syscall(pid_t pid, pid_t tid, long nr, long arg)
{
	uint64_t deadline = fc__now_ms() + 5000;
	while (!in_syscall(pid, tid, nr, arg))
		if (fc__now_ms() > deadline)
			return 0;
		else
			sched_yield();
	return 1;
}

int fc__reaped_within(pid_t pid, int max_ms)
{
	uint64_t deadline = fc__now_ms() + (uint64_t)max_ms;
	struct timespec tick = { 0, 2000000 };
	while (kill(pid, 0) == 0 && fc__now_ms() < deadline)
		nanosleep(&tick, NULL);
	return kill(pid, 0) < 0;
}

void fc__on_signal(int sig, void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

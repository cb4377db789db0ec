/* ffdriver: drives libffd (loaded from $FORKCHAOS_LIB) through one pattern
 * per race window or error path, and reports what it observed
 * (scenarios/README.md).  Patterns:
 *
 *   lifecycle N [--pidfd]   N children one after another: exit codes and a
 *                           death by signal, each waited and closed
 *   burst N [--pidfd]       N children alive at once (table growth), then
 *                           all waited
 *   threads T N [--pidfd]   T threads, N children each
 *   torn-oldact             a SIGCHLD inside libffd's handler install
 *   sigdfl                  the old disposition is SIG_DFL with SA_SIGINFO
 *   errno                   errno across a SIGCHLD handler run
 *   eintr                   a blocking read() while a child dies
 *   fail-fork ERRNO         ffd_fork must fail with ERRNO, releasing all
 *   spawn-fail ERRNO        ffd_spawn must fail with ERRNO in errno
 *   spawn                   ffd_spawn of /bin/true and of a missing program
 *   nonblock                FFD_NONBLOCK must hold (or ffd_fork fail)
 *   close-reuse             ffd_close must close only its own descriptor
 *   unpublished             a child that died before publication: the fd
 *                           must become readable without ffd_wait
 *   foreign                 a foreign reaper took the child: ffd_wait must
 *                           fail with ECHILD, not block
 *   pidfd-fallback          ffd_fork(0) must work when pidfd syscalls fail
 *   close-race              ffd_close orphans a child the handler (on another
 *                           thread) is about to claim: no zombie may stay
 *   two-waiters             two threads ffd_wait one finished child: one
 *                           gets the status, the other ECHILD, none blocks
 *   install-fork            a fork while another thread installs the SIGCHLD
 *                           handler: the child's own ffd_fork must not hang
 *   cancel-wait             a thread cancelled inside ffd_wait's reap: the
 *                           following ffd_close must not spin
 *
 * Flags: --generic (FFD_USE_FORK, the default) or --pidfd (flags 0). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "observe.h"

static struct ffd_api ffd;
static int path_flags = FFD_USE_FORK;
static volatile sig_atomic_t old_handler_calls;

static void old_handler(int sig, siginfo_t *info, void *uctx)
{
	old_handler_calls++;
}

/* The application's own SIGCHLD handler, installed before libffd's. */
static void install_old_handler(void)
{
	struct sigaction sa = { .sa_sigaction = old_handler, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		obs_die("sigaction: %s", strerror(errno));
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait (bounded) for the old handler to have run EXPECTED times: a SIGCHLD
 * is delivered asynchronously, and a missing one must not hang us. */
static void settle_old_handler(int expected, int max_ms)
{
	uint64_t deadline = now_ms() + (uint64_t)max_ms;
	struct timespec tick = { 0, 1000000 };
	while (old_handler_calls < expected && now_ms() < deadline)
		nanosleep(&tick, NULL);
}

/* Reap whatever the library did not (after a fault that lied to it), so
 * that strays are the library's, not ours. */
static void reap_leftovers(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static int child_exit_code(int id)
{
	return id % 5 == 0 ? -SIGTERM : id % 7;
}

static void child_body(int id, int hold_fd)
{
	char byte;
	if (hold_fd >= 0 && read(hold_fd, &byte, 1) < 0)
		_exit(100);
	int code = child_exit_code(id);
	if (code < 0) {
		signal(-code, SIG_DFL);
		raise(-code);
	}
	_exit(code);
}

static const char *expected_status(int id, char *buf, size_t len)
{
	int code = child_exit_code(id);
	snprintf(buf, len, code < 0 ? "killed:%d" : "exited:%d", code < 0 ? -code : code);
	return buf;
}

/* Wait for the child behind FD and report its status under ID. */
static void wait_and_report(int id, int fd)
{
	struct ffd_info info;
	char expected[32], got[32];
	if (ffd.wait(fd, &info, 0, NULL) < 0)
		snprintf(got, sizeof got, "error:%s", obs_errno(errno));
	else
		obs_status(&info, got, sizeof got);
	obs("status %d %s %s", id, expected_status(id, expected, sizeof expected), got);
}

/* ffd_fork a child that runs child_body(ID); the driver cannot go on
 * without it, so a failure ends the run (exit 2). */
static int fork_child_or_die(int flags, int id, int hold_fd, pid_t *pid)
{
	int fd = ffd.fork(flags, pid);
	if (fd == FFD_CHILD_PROCESS)
		child_body(id, hold_fd);
	obs("spawned %d", id);
	if (fd < 0)
		obs_library_failed("ffd_fork");
	return fd;
}

static void on_signal(int sig, void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static int lifecycle(int n)
{
	install_old_handler();
	int before = obs_fd_count();
	for (int id = 1; id <= n; id++) {
		pid_t pid;
		int fd = ffd.fork(path_flags, &pid);
		if (fd == FFD_CHILD_PROCESS)
			child_body(id, -1);
		obs("spawned %d", id);
		if (fd < 0) {
			obs("result ffd_fork -1 %s 0", obs_errno(errno));
			continue;
		}
		if (id == 1 && !(path_flags & FFD_USE_FORK)) {
			/* the pidfd path installs no handler: ours is still in place */
			struct sigaction now;
			sigaction(SIGCHLD, NULL, &now);
			obs("flag sigchld-handler ours %s", now.sa_sigaction == old_handler ? "ours" : "replaced");
		}
		wait_and_report(id, fd);
		if (ffd.close(fd) < 0)
			obs("result ffd_close -1 %s 0", obs_errno(errno));
		settle_old_handler(id, 2000);
	}
	obs("chain %d %d", (int)old_handler_calls, n);
	obs("fds %d %d", before, obs_fd_count());
	return 0;
}

static int burst(int n)
{
	int *fds = calloc((size_t)n, sizeof *fds);
	int go[2];
	int before = obs_fd_count();
	if (!fds || pipe2(go, O_CLOEXEC) < 0)
		obs_die("out of memory or descriptors");
	for (int id = 1; id <= n; id++) {
		fds[id - 1] = ffd.fork(path_flags, NULL);
		if (fds[id - 1] == FFD_CHILD_PROCESS) {
			close(go[1]);
			child_body(id, go[0]);
		}
		obs("spawned %d", id);
		if (fds[id - 1] < 0)
			obs("result ffd_fork -1 %s 0", obs_errno(errno));
	}
	close(go[0]);
	close(go[1]); /* every child reads EOF and exits */
	for (int id = 1; id <= n; id++) {
		if (fds[id - 1] < 0)
			continue;
		wait_and_report(id, fds[id - 1]);
		ffd.close(fds[id - 1]);
	}
	obs("fds %d %d", before, obs_fd_count());
	free(fds);
	return 0;
}

struct thread_job {
	int first_id, count;
};

static void *thread_main(void *arg)
{
	struct thread_job *job = arg;
	for (int id = job->first_id; id < job->first_id + job->count; id++) {
		int fd = ffd.fork(path_flags, NULL);
		if (fd == FFD_CHILD_PROCESS)
			child_body(id, -1);
		obs("spawned %d", id);
		if (fd < 0) {
			obs("result ffd_fork -1 %s 0", obs_errno(errno));
			continue;
		}
		wait_and_report(id, fd);
		ffd.close(fd);
	}
	return NULL;
}

static int threads(int nthreads, int per_thread)
{
	pthread_t tids[16];
	struct thread_job jobs[16];
	int before = obs_fd_count();
	if (nthreads < 1 || nthreads > 16)
		obs_die("threads: 1 to 16 threads");
	for (int t = 0; t < nthreads; t++) {
		jobs[t] = (struct thread_job){ 1 + t * per_thread, per_thread };
		pthread_create(&tids[t], NULL, thread_main, &jobs[t]);
	}
	for (int t = 0; t < nthreads; t++)
		pthread_join(tids[t], NULL);
	obs("fds %d %d", before, obs_fd_count());
	return 0;
}

/* Window 1: the plan raises SIGCHLD inside libffd's first sigaction on
 * SIGCHLD.  Our handler must see it: 1 for that signal + 1 per child. */
static int torn_oldact(void)
{
	install_old_handler();
	int fd = fork_child_or_die(FFD_USE_FORK, 1, -1, NULL);
	wait_and_report(1, fd);
	ffd.close(fd);
	settle_old_handler(2, 2000);
	obs("chain %d 2", (int)old_handler_calls);
	return 0;
}

/* Window 2: SIG_DFL with SA_SIGINFO before libffd; a child dies. */
static int sigdfl(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	int fd = fork_child_or_die(FFD_USE_FORK, 1, -1, NULL);
	wait_and_report(1, fd);
	ffd.close(fd);
	return 0;
}

/* Window 3: errno across the handler.  The child exits when we close its
 * pipe; the plan makes the handler's first peek fail (EINTR). */
static int errno_across_handler(void)
{
	int hold[2];
	install_old_handler();
	if (pipe(hold) < 0)
		obs_die("pipe: %s", strerror(errno));
	int fd = ffd.fork(FFD_USE_FORK, NULL);
	if (fd == FFD_CHILD_PROCESS) {
		close(hold[1]); /* so that it sees EOF when ours closes */
		child_body(7, hold[0]);
	}
	obs("spawned 7");
	if (fd < 0)
		obs_library_failed("ffd_fork");
	close(hold[0]);
	errno = EDOM;
	close(hold[1]); /* the child reads EOF and exits; close leaves errno alone on success */
	/* spin (no calls that touch errno) until our chained handler ran */
	uint64_t deadline = now_ms() + 2000;
	while (!old_handler_calls && now_ms() < deadline)
		;
	int seen = errno;
	obs("errno after-sigchld %s %s", obs_errno(EDOM), obs_errno(seen));
	wait_and_report(7, fd);
	ffd.close(fd);
	return 0;
}

/* Window 4: our read() is blocked when the child dies.  A (the libffd
 * child) dies only once /proc says we sleep in read on that pipe; B (a plain
 * child) writes the byte only once A has been reaped, which libffd's
 * handler does after the signal interrupted the read.  So the read is
 * always interrupted, and only SA_RESTART decides whether we see EINTR:
 * no timing luck either way. */
/* Is thread TID of PID blocked in syscall NR (with first argument ARG, if
 * ARG >= 0)?  From /proc: the way to know, not to guess, that a window is
 * open. */
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

/* Wait (bounded) until thread TID sleeps in syscall NR; 0 when it never did. */
static int await_syscall(pid_t pid, pid_t tid, long nr, long arg)
{
	uint64_t deadline = now_ms() + 5000;
	while (!in_syscall(pid, tid, nr, arg))
		if (now_ms() > deadline)
			return 0;
		else
			sched_yield();
	return 1;
}

static int blocked_in_read(pid_t pid, int fd)
{
	return in_syscall(pid, pid, SYS_read, fd);
}

static int eintr(void)
{
	int data[2];
	pid_t parent = getpid(), a_pid;
	if (pipe(data) < 0)
		obs_die("pipe: %s", strerror(errno));
	int fd = ffd.fork(FFD_USE_FORK, &a_pid);
	if (fd == FFD_CHILD_PROCESS) {
		uint64_t deadline = now_ms() + 5000;
		while (!blocked_in_read(parent, data[0]) && now_ms() < deadline)
			sched_yield();
		_exit(3);
	}
	obs("spawned 3");
	if (fd < 0)
		obs_library_failed("ffd_fork");
	pid_t helper = fork();
	if (helper == 0) {
		uint64_t deadline = now_ms() + 5000;
		while (kill(a_pid, 0) == 0 && now_ms() < deadline)
			sched_yield();
		_exit(write(data[1], "x", 1) == 1 ? 0 : 1);
	}
	close(data[1]);
	int interrupted = 0;
	char byte;
	ssize_t got;
	while ((got = read(data[0], &byte, 1)) < 0 && errno == EINTR)
		interrupted++;
	obs("eintr read %d", interrupted);
	wait_and_report(3, fd);
	ffd.close(fd);
	waitpid(helper, NULL, 0);
	return 0;
}

/* Windows 5, 6, 8, 10: ffd_fork must fail with the injected errno and take
 * nothing with it: no descriptor, no child. */
static int fail_fork(const char *expected, int extra_flags)
{
	int hold[2];
	if (pipe2(hold, O_CLOEXEC) < 0)
		obs_die("pipe: %s", strerror(errno));
	int before = obs_fd_count();
	int fd = ffd.fork(FFD_USE_FORK | extra_flags, NULL);
	if (fd == FFD_CHILD_PROCESS) {
		close(hold[1]);
		child_body(1, hold[0]);
	}
	int err = errno;
	obs("result ffd_fork %d %s %s", fd, fd < 0 ? obs_errno(err) : "0", expected);
	if (extra_flags & FFD_NONBLOCK) {
		int fl = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
		obs("flag nonblock %s %s", fd >= 0 ? "1" : "n/a", fd >= 0 ? ((fl & O_NONBLOCK) ? "1" : "0") : "n/a");
	}
	int after = obs_fd_count() - (fd >= 0);
	obs("fds %d %d", before, after);
	close(hold[0]);
	close(hold[1]); /* a child that was made anyway exits now */
	if (fd >= 0) {
		struct ffd_info info;
		int flags = fcntl(fd, F_GETFL);
		if (flags >= 0)
			fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
		ffd.wait(fd, &info, 0, NULL);
		ffd.close(fd);
	}
	return 0;
}

/* Window 7: ffd_spawn's errno comes from posix_spawn's return value. */
static int spawn_fail(const char *expected)
{
	extern char **environ;
	pid_t pid;
	char *argv[] = { "/bin/true", NULL };
	errno = 0;
	int fd = ffd.spawn(path_flags, &pid, "/bin/true", NULL, NULL, argv, environ);
	obs("result ffd_spawn %d %s %s", fd, fd < 0 ? obs_errno(errno) : "0", expected);
	if (fd >= 0) {
		struct ffd_info info;
		ffd.wait(fd, &info, 0, NULL);
		ffd.close(fd);
	}
	return 0;
}

static int spawn(void)
{
	extern char **environ;
	pid_t pid;
	char *argv[] = { "/bin/sh", "-c", "exit 3", NULL };
	int before = obs_fd_count();
	int fd = ffd.spawn(path_flags, &pid, "/bin/sh", NULL, NULL, argv, environ);
	obs("spawned 3");
	if (fd >= 0) {
		struct ffd_info info;
		char got[32];
		if (ffd.wait(fd, &info, 0, NULL) < 0)
			snprintf(got, sizeof got, "error:%s", obs_errno(errno));
		else
			obs_status(&info, got, sizeof got);
		obs("status 3 exited:3 %s", got);
		ffd.close(fd);
	} else {
		obs("result ffd_spawn -1 %s 0", obs_errno(errno));
	}
	char *missing[] = { "/nonexistent/forkchaos-missing", NULL };
	errno = 0;
	fd = ffd.spawn(path_flags, &pid, missing[0], NULL, NULL, missing, environ);
	obs("result ffd_spawn %d %s ENOENT", fd, fd < 0 ? obs_errno(errno) : "0");
	if (fd >= 0)
		ffd.close(fd);
	obs("fds %d %d", before, obs_fd_count());
	return 0;
}

/* Window 9: ffd_close's close() reports EINTR after it closed the fd (the
 * plan); its SIGUSR1 makes our handler take that very number for a file of
 * ours.  A retried close would close our file. */
static volatile int victim_fd = -1, freed_fd = -1;

static void take_freed_number(int sig)
{
	int saved = errno;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* no close() here: the plan's rule must see only libffd's */
	if (fd >= 0 && freed_fd >= 0 && fd != freed_fd && dup2(fd, freed_fd) == freed_fd)
		fd = freed_fd;
	victim_fd = fd;
	errno = saved;
}

/* The call under test, in a function of its own for the plan's caller=. */
__attribute__((noinline)) static int release_under_test(int fd)
{
	int ret = ffd.close(fd);
	__asm__ volatile("" ::: "memory"); /* no tail call: keep this frame */
	return ret;
}

static int close_reuse(void)
{
	on_signal(SIGUSR1, take_freed_number);
	int fd = fork_child_or_die(path_flags, 1, -1, NULL);
	wait_and_report(1, fd);
	freed_fd = fd;
	int ret = release_under_test(fd);
	obs("result ffd_close %d %s 0", ret, ret < 0 ? obs_errno(errno) : "0");
	if (victim_fd < 0)
		obs("note the plan's SIGUSR1 never came: the close was not the one injected");
	else
		obs("fd_intact %d %d", victim_fd, fcntl(victim_fd, F_GETFD) >= 0);
	return 0;
}

/* Window 11: the child dies before its pid is published (the plan fails
 * its "go" read and holds ffd_fork until it is dead).  The fd must become
 * readable by itself; we poll it without calling ffd_wait. */
static int unpublished(void)
{
	int fd = ffd.fork(FFD_USE_FORK, NULL);
	if (fd == FFD_CHILD_PROCESS)
		child_body(1, -1); /* not reached: the plan fails the child's go read */
	obs("spawned 127");
	if (fd < 0)
		obs_library_failed("ffd_fork");
	struct pollfd pfd = { fd, POLLIN, 0 };
	if (poll(&pfd, 1, 3000) == 1) {
		struct ffd_info info;
		char got[32];
		if (ffd.wait(fd, &info, FFD_WNOHANG, NULL) < 0)
			snprintf(got, sizeof got, "error:%s", obs_errno(errno));
		else
			obs_status(&info, got, sizeof got);
		obs("status 127 exited:127 %s", got);
	} else {
		obs("note the fd of a dead child stayed unreadable for 3 s");
	}
	ffd.close(fd);
	reap_leftovers();
	return 0;
}

/* Window 12: our SIGUSR2 handler is the foreign reaper; the plan raises
 * SIGUSR2 right after libffd's peek, before its reap. */
static void foreign_reaper(int sig)
{
	int saved = errno;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static int foreign(void)
{
	on_signal(SIGUSR2, foreign_reaper);
	int before = obs_fd_count();
	int fd = ffd.fork(FFD_USE_FORK, NULL);
	if (fd == FFD_CHILD_PROCESS)
		child_body(1, -1);
	if (fd < 0)
		obs_library_failed("ffd_fork");
	struct ffd_info info;
	int ret = ffd.wait(fd, &info, 0, NULL);
	obs("result ffd_wait %d %s ECHILD", ret, ret < 0 ? obs_errno(errno) : "0");
	ffd.close(fd);
	obs("fds %d %d", before, obs_fd_count());
	return 0;
}

/* Window 13: the pidfd path must fall back when its syscalls fail with
 * ENOSYS/EPERM/EINVAL (the plan), and still deliver the status. */
static int pidfd_fallback(void)
{
	install_old_handler();
	int before = obs_fd_count();
	int fd = ffd.fork(0, NULL);
	if (fd == FFD_CHILD_PROCESS)
		child_body(4, -1);
	obs("spawned 4");
	obs("result ffd_fork %d %s 0", fd < 0 ? -1 : 0, fd < 0 ? obs_errno(errno) : "0");
	if (fd >= 0) {
		wait_and_report(4, fd);
		ffd.close(fd);
	}
	obs("fds %d %d", before, obs_fd_count());
	return 0;
}

/* The SIGCHLD handler runs on this thread only (the others block SIGCHLD). */
static void *signal_thread(void *arg)
{
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_UNBLOCK, &chld, NULL);
	for (;;)
		pause();
	return arg;
}

static void block_sigchld_here(void)
{
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, NULL);
}

/* Is PID reaped (gone), within MAX_MS?  A zombie still answers kill(0). */
static int reaped_within(pid_t pid, int max_ms)
{
	uint64_t deadline = now_ms() + (uint64_t)max_ms;
	struct timespec tick = { 0, 2000000 };
	while (kill(pid, 0) == 0 && now_ms() < deadline)
		nanosleep(&tick, NULL);
	return kill(pid, 0) < 0;
}

struct release_job {
	pid_t pid, tid;
	int fd; /* closed when TID sleeps in clock_nanosleep (the plan's delay) */
};

static void *release_when_delayed(void *arg)
{
	struct release_job *job = arg;
	await_syscall(job->pid, job->tid, SYS_clock_nanosleep, -1);
	close(job->fd);
	return NULL;
}

/* ffd_close moves a live child's slot to ORPHAN while the handler, on the
 * signal thread, has already seen the child dead (the plan holds both in
 * place: close's peek returns alive and waits; the child dies; the
 * handler's peek returns dead and waits longer).  The orphan must still be
 * reaped: no zombie, no stray. */
static int close_race(void)
{
	int hold[2];
	pthread_t sig_thread, releaser;
	pid_t pid;
	block_sigchld_here();
	pthread_create(&sig_thread, NULL, signal_thread, NULL);
	int before = obs_fd_count();
	if (pipe(hold) < 0)
		obs_die("pipe: %s", strerror(errno));
	int fd = ffd.fork(FFD_USE_FORK, &pid);
	if (fd == FFD_CHILD_PROCESS) {
		close(hold[1]);
		child_body(1, hold[0]);
	}
	if (fd < 0)
		obs_library_failed("ffd_fork");
	close(hold[0]);
	struct release_job job = { getpid(), gettid(), hold[1] };
	pthread_create(&releaser, NULL, release_when_delayed, &job);
	int ret = ffd.close(fd);
	obs("result ffd_close %d %s 0", ret, ret < 0 ? obs_errno(errno) : "0");
	pthread_join(releaser, NULL);
	if (!reaped_within(pid, 5000))
		obs("note child %d still unreaped 5 s after ffd_close of its dead orphan", (int)pid);
	obs("fds %d %d", before, obs_fd_count());
	return 0;
}

static int shared_fd;

static void *plain_wait(void *arg)
{
	struct ffd_info info;
	char got[32];
	if (ffd.wait(shared_fd, &info, 0, NULL) == 0)
		obs("status 1 exited:1 %s", obs_status(&info, got, sizeof got));
	else
		obs("result ffd_wait -1 %s ECHILD", obs_errno(errno));
	return arg;
}

/* Two threads, one finished child, plain blocking ffd_wait each (the plan
 * holds the first reader before its read, so both are past the status
 * check).  One gets the status, the other ECHILD; neither blocks, though a
 * second, live child keeps the death pipe's write end open elsewhere. */
static int two_waiters(void)
{
	int hold[2], hold_other[2];
	if (pipe(hold) < 0 || pipe(hold_other) < 0)
		obs_die("pipe: %s", strerror(errno));
	shared_fd = ffd.fork(FFD_USE_FORK, NULL);
	if (shared_fd == FFD_CHILD_PROCESS) {
		close(hold[1]);
		close(hold_other[1]);
		child_body(1, hold[0]);
	}
	obs("spawned 1");
	if (shared_fd < 0)
		obs_library_failed("ffd_fork");
	int other = ffd.fork(path_flags, NULL);
	if (other == FFD_CHILD_PROCESS) {
		close(hold[1]); /* or child 1 would never see EOF */
		close(hold_other[1]);
		child_body(2, hold_other[0]);
	}
	obs("spawned 2");
	if (other < 0)
		obs_library_failed("ffd_fork");
	close(hold[1]); /* child 1 exits */
	struct pollfd pfd = { shared_fd, POLLIN, 0 };
	poll(&pfd, 1, 5000);
	pthread_t waiters[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&waiters[i], NULL, plain_wait, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(waiters[i], NULL);
	close(hold_other[1]); /* child 2 exits */
	wait_and_report(2, other);
	ffd.close(other);
	ffd.close(shared_fd);
	return 0;
}

static pid_t installer_tid;

static void *first_generic_use(void *arg)
{
	installer_tid = gettid();
	int fd = ffd.fork(FFD_USE_FORK, NULL);
	if (fd == FFD_CHILD_PROCESS)
		child_body(1, -1);
	obs("spawned 1");
	if (fd < 0)
		obs_library_failed("ffd_fork");
	wait_and_report(1, fd);
	ffd.close(fd);
	return arg;
}

/* A plain fork while another thread is inside libffd's first handler
 * install (the plan delays it; /proc shows when).  In the child, the
 * install is nobody's: its own first ffd_fork must take it over. */
static int install_fork(void)
{
	pthread_t installer;
	pthread_create(&installer, NULL, first_generic_use, NULL);
	while (!__atomic_load_n(&installer_tid, __ATOMIC_ACQUIRE))
		sched_yield();
	if (!await_syscall(getpid(), installer_tid, SYS_clock_nanosleep, -1))
		obs("note the install was never delayed: is the plan right?");
	pid_t child = fork();
	if (child == 0) {
		int fd = ffd.fork(FFD_USE_FORK, NULL);
		if (fd == FFD_CHILD_PROCESS)
			_exit(0);
		obs("result child-ffd_fork %d %s 0", fd < 0 ? -1 : 0, fd < 0 ? obs_errno(errno) : "0");
		if (fd >= 0) {
			struct ffd_info info;
			ffd.wait(fd, &info, 0, NULL);
			ffd.close(fd);
		}
		_exit(0);
	}
	int status;
	waitpid(child, &status, 0);
	pthread_join(installer, NULL);
	return 0;
}

static pid_t waiter_tid;
static int cancel_fd;

static void *cancellable_wait(void *arg)
{
	struct ffd_info info;
	waiter_tid = gettid();
	ffd.wait(cancel_fd, &info, 0, NULL);
	return arg;
}

/* A thread waiting in ffd_wait is cancelled while it reaps (the plan holds
 * its wait4; SIGCHLD is blocked everywhere, so its own recheck is what
 * finds the death).  ffd_close afterwards must return, not spin. */
static int cancel_wait(void)
{
	int hold[2];
	pthread_t waiter;
	block_sigchld_here();
	if (pipe(hold) < 0)
		obs_die("pipe: %s", strerror(errno));
	cancel_fd = ffd.fork(FFD_USE_FORK, NULL);
	if (cancel_fd == FFD_CHILD_PROCESS) {
		close(hold[1]);
		child_body(1, hold[0]);
	}
	if (cancel_fd < 0)
		obs_library_failed("ffd_fork");
	pthread_create(&waiter, NULL, cancellable_wait, NULL);
	close(hold[1]); /* the child exits; the waiter's recheck finds it */
	while (!__atomic_load_n(&waiter_tid, __ATOMIC_ACQUIRE))
		sched_yield();
	if (!await_syscall(getpid(), waiter_tid, SYS_clock_nanosleep, -1))
		obs("note the reap was never delayed: is the plan right?");
	pthread_cancel(waiter);
	pthread_join(waiter, NULL);
	int ret = ffd.close(cancel_fd);
	obs("result ffd_close %d %s 0", ret, ret < 0 ? obs_errno(errno) : "0");
	return 0;
}

int main(int argc, char **argv)
{
	const char *pattern = argc > 1 ? argv[1] : "";
	int args[2] = { 0, 0 }, nargs = 0;
	const char *word = NULL;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--pidfd"))
			path_flags = 0;
		else if (!strcmp(argv[i], "--generic"))
			path_flags = FFD_USE_FORK;
		else if (argv[i][0] >= '0' && argv[i][0] <= '9' && nargs < 2)
			args[nargs++] = atoi(argv[i]);
		else
			word = argv[i];
	}
	obs_load(&ffd);
	if (!strcmp(pattern, "lifecycle"))
		return lifecycle(args[0] ? args[0] : 5);
	if (!strcmp(pattern, "burst"))
		return burst(args[0] ? args[0] : 100);
	if (!strcmp(pattern, "threads"))
		return threads(args[0] ? args[0] : 4, args[1] ? args[1] : 25);
	if (!strcmp(pattern, "torn-oldact"))
		return torn_oldact();
	if (!strcmp(pattern, "sigdfl"))
		return sigdfl();
	if (!strcmp(pattern, "errno"))
		return errno_across_handler();
	if (!strcmp(pattern, "eintr"))
		return eintr();
	if (!strcmp(pattern, "fail-fork") && word)
		return fail_fork(word, 0);
	if (!strcmp(pattern, "nonblock"))
		return fail_fork(word ? word : "EBADF", FFD_NONBLOCK | FFD_CLOEXEC);
	if (!strcmp(pattern, "spawn-fail") && word)
		return spawn_fail(word);
	if (!strcmp(pattern, "spawn"))
		return spawn();
	if (!strcmp(pattern, "close-reuse"))
		return close_reuse();
	if (!strcmp(pattern, "unpublished"))
		return unpublished();
	if (!strcmp(pattern, "foreign"))
		return foreign();
	if (!strcmp(pattern, "pidfd-fallback"))
		return pidfd_fallback();
	if (!strcmp(pattern, "close-race"))
		return close_race();
	if (!strcmp(pattern, "two-waiters"))
		return two_waiters();
	if (!strcmp(pattern, "install-fork"))
		return install_fork();
	if (!strcmp(pattern, "cancel-wait"))
		return cancel_wait();
	obs_die("unknown pattern '%s' (see the comment at the top of scenarios/drivers/ffdriver.c)", pattern);
}

/* The trace's descriptor: opened once per process image by path, parked
 * above the numbers a target uses, moved out of the way when the target
 * closes or replaces its number, and written with one write(2) per line.
 * Writes and moves are lock-free: a writer announces itself in `writers`
 * before it loads the number, and a move waits for the writers it may have
 * raced with before the target's own call goes on. */
#include <fcntl.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "libc.h"
#include "shim.h"
#include "stats.h"
#include "trace_fd.h"

#define PARK_FROM 200

static int writers;                       /* writes in flight (between loading trace_fd and the write) */
static pid_t stopped_pid;                 /* the process that reached --trace-max */
static uint64_t own_bytes;                /* --trace-max's count without a stats region */
static dev_t trace_dev;                   /* the trace file's identity, to know our */
static ino_t trace_ino;                   /* descriptor from a number the target reused */
static int trace_is_pipe;                 /* a FIFO or socket: a write may raise SIGPIPE */
static uint64_t fsize_limit = UINT64_MAX; /* RLIMIT_FSIZE: a write past it raises SIGXFSZ */

struct rlimit64_raw {
	uint64_t cur, max;
};

void fc__trace_limits_changed(void)
{
	struct rlimit64_raw lim;
	if (fc__sys6(SYS_prlimit64, 0, RLIMIT_FSIZE, 0, (long)&lim, 0, 0) == 0)
		__atomic_store_n(&fsize_limit, lim.cur, __ATOMIC_RELAXED);
}

static int is_trace_file(int fd)
{
	struct stat st;
	return fd >= 0 && fc__sys(SYS_fstat, fd, &st, 0) == 0 && st.st_dev == trace_dev && st.st_ino == trace_ino;
}

static int trace_nofollow(void)
{
	const char *p = fc__state.trace_path;
	return strncmp(p, "/proc/", 6) && strncmp(p, "/dev/", 5) ? O_NOFOLLOW : 0;
}

/* Keep the trace descriptor out of the target's way: above the low numbers a
 * target reuses, close-on-exec (the next image reopens by path). */
static int park_fd(int fd)
{
	int parked = fc__fcntl(fd, F_DUPFD_CLOEXEC, PARK_FROM);
	if (parked < 0)
		parked = fc__fcntl(fd, F_DUPFD_CLOEXEC, 3);
	fc__close(fd);
	return parked < 0 ? -1 : parked;
}

void fc__trace_open(void)
{
	const char *path = fc__env("FORKCHAOS_TRACE");
	uint64_t max = 0;
	struct stat st;
	if (!path || !*path || fc__absolute_path(path, fc__state.trace_path, sizeof fc__state.trace_path) < 0)
		return;
	/* a relative path is resolved once: a descendant that chdir()s and
	 * execs writes to the same file (the launcher passes an absolute one) */
	if (path[0] != '/')
		fc__setenv("FORKCHAOS_TRACE", fc__state.trace_path);
	if (fc__parse_u64(fc__env("FORKCHAOS_TRACE_MAX"), &max))
		fc__state.trace_max = max;
	/* never through a link a target planted at the trace's path; the
	 * links the system makes (/dev/stdout, the launcher's /proc/PID/fd/N)
	 * are followed */
	int nofollow = trace_nofollow();
	int fd = fc__open(fc__state.trace_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | nofollow, 0644);
	if (fd < 0)
		return;
	fc__state.trace_fd = park_fd(fd);
	if (fc__state.trace_fd < 0 || fc__sys(SYS_fstat, fc__state.trace_fd, &st, 0) < 0) {
		fc__state.trace_fd = -1;
		return;
	}
	trace_dev = st.st_dev;
	trace_ino = st.st_ino;
	trace_is_pipe = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
	fc__trace_limits_changed();
	fc__state.trace_open = 1;
	if (st.st_size == 0)
		fc__trace_header();
	fc__trace_exec_line();
}

static void write_line(int fd, const char *buf, size_t len);

/* Past --trace-max each process says so once and writes nothing more. */
static int over_cap(size_t len)
{
	if (!fc__state.trace_max)
		return 0;
	if (stopped_pid == fc__state.my_pid)
		return 1;
	uint64_t *total = fc__stats ? &fc__stats->trace_bytes : &own_bytes;
	uint64_t bytes = __atomic_add_fetch(total, len, __ATOMIC_RELAXED);
	if (bytes <= fc__state.trace_max)
		return 0;
	char line[256];
	size_t used;
	stopped_pid = fc__state.my_pid;
	if (fc__stats)
		__atomic_fetch_add(&fc__stats->trace_stopped, 1, __ATOMIC_RELAXED);
	fc__trace_stopped_line(line, sizeof line, &used, bytes - len);
	int fd = __atomic_load_n(&fc__state.trace_fd, __ATOMIC_SEQ_CST);
	if (fd >= 0)
		write_line(fd, line, used);
	return 1;
}

/* A write that could raise SIG in the target (SIGPIPE on a pipe whose
 * reader is gone, SIGXFSZ past RLIMIT_FSIZE) is made with SIG blocked in
 * this thread; a SIG it raised (and that was not pending already) is taken
 * back, and this process stops tracing: the target never sees either. */
static void write_shielded(int fd, const char *buf, size_t len, int sig)
{
	uint64_t block = 1ull << (sig - 1), old = 0, pending = 0;
	struct timespec now = { 0, 0 };
	fc__sys6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&block, (long)&old, 8, 0, 0);
	fc__sys(SYS_rt_sigpending, &pending, 8, 0);
	long wrote = fc__write(fd, buf, len);
	if (wrote != (long)len) {
		if (!(pending & block))
			fc__sys6(SYS_rt_sigtimedwait, (long)&block, 0, (long)&now, 8, 0, 0);
		__atomic_store_n(&fc__state.trace_fd, -1, __ATOMIC_SEQ_CST);
	}
	fc__sys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, 8, 0, 0);
}

static void write_line(int fd, const char *buf, size_t len)
{
	uint64_t limit = __atomic_load_n(&fsize_limit, __ATOMIC_RELAXED);
	if (trace_is_pipe) {
		write_shielded(fd, buf, len, SIGPIPE);
		return;
	}
	if (limit != UINT64_MAX) {
		/* a line that would not fit is not begun: no line is left cut */
		long end = fc__lseek(fd, 0, SEEK_END);
		if (end < 0 || (uint64_t)end + len > limit)
			return;
		write_shielded(fd, buf, len, SIGXFSZ);
		return;
	}
	fc__write(fd, buf, len);
}

void fc__trace_write(const char *buf, size_t len)
{
	if (over_cap(len))
		return;
	/* With one thread a writer is not counted: a move can then only be a
	 * handler's, which runs to its end while this write waits, so waiting
	 * for this writer there would only spin (wait_for_writers' bound); and
	 * a handler's write ends before the move it interrupted goes on.  No
	 * write to `writers` also means no copy-on-write fault on its page
	 * after each fork (a few µs per traced fork, in the parent). */
	int counted = !fc__one_thread();
	if (counted)
		__atomic_add_fetch(&writers, 1, __ATOMIC_SEQ_CST);
	int fd = __atomic_load_n(&fc__state.trace_fd, counted ? __ATOMIC_SEQ_CST : __ATOMIC_RELAXED);
	if (fd >= 0)
		write_line(fd, buf, len);
	if (counted)
		__atomic_sub_fetch(&writers, 1, __ATOMIC_SEQ_CST);
}

/* RACE: trace-move: a writer in another thread may have loaded the old
 * number just before the move; the target's call that closes or replaces
 * that number must wait until it has written, or its line would land in
 * whatever the target puts there.  Bounded: a writer stuck in write(2)
 * (a full pipe) must not hang the target's close for ever. */
static void wait_for_writers(void)
{
	for (int spins = 0; __atomic_load_n(&writers, __ATOMIC_SEQ_CST) > 0 && spins < 100000; spins++)
		fc__sys(SYS_sched_yield, 0, 0, 0);
}

/* The target is about to close or replace FD: if it is our trace, move the
 * trace elsewhere first (the lowest free number, below a closing loop's
 * cursor) so the target's call still does what it expects.  Returns the
 * number the trace had, or -1. */
int fc__trace_guard_fd(int fd)
{
	int trace_fd = __atomic_load_n(&fc__state.trace_fd, __ATOMIC_SEQ_CST);
	if (fd < 0 || fd != trace_fd)
		return -1;
	/* A vfork child shares our memory but not our descriptors: the number
	 * it closes is its own copy; moving ours would move the parent's. */
	if (fc__getpid() != fc__state.my_pid)
		return -1;
	int moved = fc__fcntl(trace_fd, F_DUPFD_CLOEXEC, 3);
	__atomic_store_n(&fc__state.trace_fd, moved < 0 ? -1 : moved, __ATOMIC_SEQ_CST);
	wait_for_writers();
	return trace_fd;
}

/* After the target's call: if it failed and left the old number as it was
 * (dup2 from a bad descriptor), that copy of the trace is ours to close.
 * kcmp tells whether the number still holds our open file (a close that
 * succeeded, or one that failed after closing, leaves nothing there). */
void fc__trace_guard_end(int old)
{
	int fd = __atomic_load_n(&fc__state.trace_fd, __ATOMIC_SEQ_CST);
	if (old < 0 || fd < 0)
		return;
	pid_t pid = fc__getpid();
	long same = fc__sys6(SYS_kcmp, pid, pid, KCMP_FILE, old, fd, 0);
	if (same == 0 || (same == -ENOSYS && is_trace_file(old)))
		fc__close(old);
}

/* close_range()/closefrom() over the trace: tracing stops during the call
 * (nowhere in the range is safe), then goes on with the same descriptor if
 * the call left it open (it failed), or reopens the trace by path and
 * parks it again; the target's own descriptors are as it expects. */
int fc__trace_range_begin(unsigned first, unsigned last, int cloexec_only)
{
	int trace_fd = __atomic_load_n(&fc__state.trace_fd, __ATOMIC_SEQ_CST);
	if (trace_fd < 0 || cloexec_only || (unsigned)trace_fd < first || (unsigned)trace_fd > last ||
	    fc__getpid() != fc__state.my_pid)
		return -1;
	__atomic_store_n(&fc__state.trace_fd, -1, __ATOMIC_SEQ_CST);
	wait_for_writers();
	return trace_fd;
}

void fc__trace_range_end(int old)
{
	if (old < 0)
		return;
	int nofollow = trace_nofollow();
	int fd = is_trace_file(old) ? old
				    : park_fd(fc__open(fc__state.trace_path, O_WRONLY | O_APPEND | O_CLOEXEC | nofollow, 0));
	__atomic_store_n(&fc__state.trace_fd, fd, __ATOMIC_SEQ_CST);
}

/* A forked child has one thread: no write of the parent's is in flight. */
FC_FORK_PATH void fc__trace_after_fork(void)
{
	/* written only when it must be: each page a fork child writes is a
	 * copy-on-write fault */
	if (writers)
		writers = 0;
}

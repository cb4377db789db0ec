/* The trace: one JSON object per line, one write(2) per line on an O_APPEND
 * descriptor, so lines from threads, signal handlers and forked children
 * never interleave.  Formatting is on the stack and async-signal-safe. */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "jsonl.h"
#include "shim.h"

#define LINE_MAX_BYTES 1024
/* A line written in one write(2) stays whole on a pipe too (a trace to a
 * FIFO) only up to PIPE_BUF. */
_Static_assert(LINE_MAX_BYTES <= PIPE_BUF, "a trace line must fit one atomic pipe write");

static void write_line(const char *buf, size_t len)
{
	ssize_t (*real_write)(int, const void *, size_t) = FC_REAL(write);
	int fd = __atomic_load_n(&fc__state.trace_fd, __ATOMIC_RELAXED);
	if (fd >= 0)
		real_write(fd, buf, len);
}

static void put_common(struct fc_out *out, const char *call)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	fc_put_key(out, "t_ns");
	fc_put_u64(out, (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec);
	fc_put_key(out, "pid");
	fc_put_i64(out, getpid());
	fc_put_key(out, "tid");
	fc_put_i64(out, gettid());
	fc_put_key(out, "call");
	fc_put_str(out, call);
}

/* A line that is an event, not a call: the design's fields all present,
 * with neutral values, so readers need no special case. */
static void put_event_head(struct fc_out *out, const char *event)
{
	fc_put_char(out, '{');
	put_common(out, event);
	fc_put_key(out, "ret");
	fc_put_raw(out, "0");
	fc_put_key(out, "errno");
	fc_put_raw(out, "0");
	fc_put_key(out, "injected");
	fc_put_raw(out, "null");
	fc_put_key(out, "caller");
	fc_put_raw(out, "null");
}

void fc__trace_event(const struct fc_call *c, long ret, int err)
{
	if (fc__state.trace_fd < 0)
		return;
	int saved_errno = errno;
	char buf[LINE_MAX_BYTES], name[96];
	struct fc_out out;
	const struct fc_rule *rule = fc__rule(c);
	const char *call = fc_calls[c->id].name;

	fc_out_init(&out, buf, sizeof buf);
	fc_put_char(&out, '{');
	put_common(&out, call);
	fc_put_key(&out, "ret");
	if (c->ret_unknown)
		fc_put_raw(&out, "null");
	else
		fc_put_i64(&out, ret);
	fc_put_key(&out, "errno");
	fc_put_i64(&out, err);
	fc_put_key(&out, "injected");
	if (c->injected || (rule && rule->actions))
		fc_put_str(&out, rule ? rule->action_text : "");
	else
		fc_put_raw(&out, "null");
	fc_put_key(&out, "caller");
	const char *caller = c->ra ? fc__symtab_describe(c->ra, name, sizeof name) : NULL;
	if (caller)
		fc_put_str(&out, caller);
	else
		fc_put_raw(&out, "null");
	if (rule) {
		fc_put_key(&out, "rule");
		fc_put_i64(&out, c->rule + 1);
		fc_put_key(&out, "n");
		fc_put_u64(&out, c->n);
	}
	if (c->nr >= 0) {
		fc_put_key(&out, "nr");
		fc_put_i64(&out, c->nr);
	}
	if (c->sig >= 0) {
		fc_put_key(&out, "sig");
		fc_put_i64(&out, c->sig);
	}
	if (c->fd >= 0) {
		fc_put_key(&out, "fd");
		fc_put_i64(&out, c->fd);
	}
	if (c->child_side) {
		fc_put_key(&out, "side");
		fc_put_str(&out, "child");
	}
	write_line(buf, fc_out_finish(&out, buf));
	errno = saved_errno;
}

/* The first line of a new trace: version, plan and seed. */
static void write_header(void)
{
	char buf[FC_PLAN_MAX + 512];
	struct fc_out out;
	fc_out_init(&out, buf, sizeof buf);
	fc_put_char(&out, '{');
	fc_put_key(&out, "forkchaos");
	fc_put_str(&out, FC_VERSION);
	fc_put_key(&out, "plan");
	fc_put_str(&out, fc__state.plan_text);
	fc_put_key(&out, "seed");
	fc_put_u64(&out, fc__state.seed);
	fc_put_key(&out, "pid");
	fc_put_i64(&out, getpid());
	fc_put_key(&out, "unreachable");
	fc_put_str(&out,
		   "clone/clone3/pipe2/sigaction made inside glibc (fork, posix_spawn, system, popen, pthread_create) are not "
		   "seen; only the public entry points are");
	write_line(buf, fc_out_finish(&out, buf));
}

/* Each process image that loads the shim says so: its exe and lineage. */
static void write_exec_line(void)
{
	char buf[LINE_MAX_BYTES], exe[512];
	struct fc_out out;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	fc_out_init(&out, buf, sizeof buf);
	put_event_head(&out, "exec");
	fc_put_key(&out, "exe");
	fc_put_str(&out, exe);
	fc_put_key(&out, "seed");
	fc_put_u64(&out, fc__state.seed);
	fc_put_key(&out, "root");
	fc_put_raw(&out, fc__state.root_pid == getpid() ? "true" : "false");
	write_line(buf, fc_out_finish(&out, buf));
}

/* Keep the trace descriptor out of the target's way: above the low numbers a
 * target reuses, close-on-exec (the next image reopens by path). */
static int park_fd(int fd, int from)
{
	int (*real_fcntl)(int, int, ...) = FC_REAL(fcntl);
	int (*real_close)(int) = FC_REAL(close);
	int parked = real_fcntl(fd, F_DUPFD_CLOEXEC, from);
	if (parked < 0)
		parked = real_fcntl(fd, F_DUPFD_CLOEXEC, 3);
	real_close(fd);
	return parked;
}

void fc__trace_open(void)
{
	const char *path = getenv("FORKCHAOS_TRACE");
	struct stat st;
	if (!path || !*path || strlen(path) >= sizeof fc__state.trace_path)
		return;
	strcpy(fc__state.trace_path, path);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	fc__state.trace_fd = park_fd(fd, 200);
	if (fc__state.trace_fd < 0)
		return;
	if (fstat(fc__state.trace_fd, &st) == 0 && st.st_size == 0)
		write_header();
	write_exec_line();
}

/* The target is about to close or replace FD: if it is our trace, move the
 * trace elsewhere first (the lowest free number, below a closing loop's
 * cursor) so the target's call still does what it expects. */
void fc__trace_guard_fd(int fd)
{
	int trace_fd = __atomic_load_n(&fc__state.trace_fd, __ATOMIC_RELAXED);
	if (fd < 0 || fd != trace_fd)
		return;
	/* A vfork child shares our memory but not our descriptors: the number
	 * it closes is its own copy; moving ours would move the parent's. */
	if (getpid() != fc__state.my_pid)
		return;
	int saved_errno = errno;
	int (*real_fcntl)(int, int, ...) = FC_REAL(fcntl);
	int moved = real_fcntl(trace_fd, F_DUPFD_CLOEXEC, 3);
	__atomic_store_n(&fc__state.trace_fd, moved, __ATOMIC_RELAXED);
	errno = saved_errno;
}

/* close_range()/closefrom() over the trace: tracing stops during the call
 * (nowhere in the range is safe), then the trace is reopened by path and
 * parked again; the target's own descriptors are as it expects. */
int fc__trace_range_begin(unsigned first, unsigned last, int cloexec_only)
{
	int trace_fd = __atomic_load_n(&fc__state.trace_fd, __ATOMIC_RELAXED);
	if (trace_fd < 0 || cloexec_only || (unsigned)trace_fd < first || (unsigned)trace_fd > last ||
	    getpid() != fc__state.my_pid)
		return 0;
	__atomic_store_n(&fc__state.trace_fd, -1, __ATOMIC_RELAXED);
	return 1;
}

void fc__trace_range_end(int hit)
{
	if (!hit)
		return;
	int saved_errno = errno;
	int fd = open(fc__state.trace_path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd >= 0)
		__atomic_store_n(&fc__state.trace_fd, park_fd(fd, 200), __ATOMIC_RELAXED);
	errno = saved_errno;
}

/* A line that is not a call: a plan that may never fire, and why. */
void fc__trace_warning(const char *what, const char *name, const char *why)
{
	char buf[LINE_MAX_BYTES], message[512];
	struct fc_out out;
	if (fc__state.trace_fd < 0)
		return;
	snprintf(message, sizeof message, "%s%s: %s", what, name, why);
	fc_out_init(&out, buf, sizeof buf);
	put_event_head(&out, "warning");
	fc_put_key(&out, "message");
	fc_put_str(&out, message);
	write_line(buf, fc_out_finish(&out, buf));
}

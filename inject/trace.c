/* The trace: one JSON object per line, one write(2) per line on an O_APPEND
 * descriptor, so lines from threads, signal handlers and forked children
 * never interleave.  Formatting is on the stack and async-signal-safe; the
 * descriptor's life (opening, moving out of the target's way) is in
 * trace_fd.c. */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include "jsonl.h"
#include "libc.h"
#include "shim.h"
#include "stats.h"
#include "trace_fd.h"

#define LINE_MAX_BYTES 1024
/* A line written in one write(2) stays whole on a pipe too (a trace to a
 * FIFO) only up to PIPE_BUF. */
_Static_assert(LINE_MAX_BYTES <= PIPE_BUF, "a trace line must fit one atomic pipe write");

/* The pid whose vfork line was written (a vfork child shares this memory
 * and has a pid of its own). */
static pid_t vfork_noted;

/* The calling thread's tid, read once per process it is in (PID): a fork
 * child (another pid, a copy of this memory) reads its own; so does a
 * vfork child (which shares it), and its parent again after it.  A
 * handler between the two stores only reads it once more: the values are
 * this thread's either way. */
static __thread pid_t tid_seen, tid_pid;

static pid_t thread_id(pid_t pid)
{
	if (tid_pid != pid) {
		tid_seen = fc__gettid();
		tid_pid = pid;
	}
	return tid_seen;
}

static void put_common(struct fc_out *out, const char *call, pid_t pid)
{
	fc_put_key(out, "t_ns");
	fc_put_u64(out, fc__now_ns(CLOCK_MONOTONIC));
	fc_put_key(out, "pid");
	fc_put_i64(out, pid);
	fc_put_key(out, "tid");
	fc_put_i64(out, thread_id(pid));
	fc_put_key(out, "call");
	fc_put_str(out, call);
}

/* A line that is an event, not a call: the design's fields all present,
 * with neutral values, so readers need no special case. */
static void put_event_head(struct fc_out *out, const char *event)
{
	fc_put_char(out, '{');
	put_common(out, event, fc__getpid());
	fc_put_key(out, "ret");
	fc_put_raw(out, "0");
	fc_put_key(out, "errno");
	fc_put_raw(out, "0");
	fc_put_key(out, "injected");
	fc_put_raw(out, "null");
	fc_put_key(out, "caller");
	fc_put_raw(out, "null");
	fc_put_key(out, "site");
	fc_put_raw(out, "null");
}

static void put_str_or_null(struct fc_out *out, const char *text)
{
	if (text)
		fc_put_str(out, text);
	else
		fc_put_raw(out, "null");
}

static void put_int_key(struct fc_out *out, const char *key, int64_t value)
{
	fc_put_key(out, key);
	fc_put_i64(out, value);
}

/* "exited:N", "killed:SIG", "dumped:SIG", "stopped:SIG", "continued" */
static void put_wait_status(struct fc_out *out, int wstatus)
{
	char text[32], num[24];
	const char *kind = "continued";
	int value = -1;
	if (WIFEXITED(wstatus))
		kind = "exited:", value = WEXITSTATUS(wstatus);
	else if (WIFSIGNALED(wstatus))
		kind = WCOREDUMP(wstatus) ? "dumped:" : "killed:", value = WTERMSIG(wstatus);
	else if (WIFSTOPPED(wstatus))
		kind = "stopped:", value = WSTOPSIG(wstatus);
	size_t used = strlen(kind);
	memcpy(text, kind, used + 1);
	if (value >= 0)
		strcpy(text + used, fc__u64_text((uint64_t)value, num));
	fc_put_key(out, "status");
	fc_put_str(out, text);
}

static void put_handler(struct fc_out *out, const void *handler, char *name, size_t len)
{
	fc_put_key(out, "handler");
	if (handler == (const void *)SIG_DFL) {
		fc_put_str(out, "SIG_DFL");
		return;
	}
	if (handler == (const void *)SIG_IGN) {
		fc_put_str(out, "SIG_IGN");
		return;
	}
	/* describe() names the function a return address is in: +1 is inside */
	const char *sym = fc__symtab_describe((char *)handler + 1, name, len);
	if (sym) {
		fc_put_str(out, sym);
		return;
	}
	static const char hex[] = "0123456789abcdef";
	char text[24] = "0x";
	int n = 2;
	for (int shift = 60; shift >= 0; shift -= 4)
		if ((uintptr_t)handler >> shift || n > 2 || shift == 0)
			text[n++] = hex[(uintptr_t)handler >> shift & 15];
	text[n] = 0;
	fc_put_str(out, text);
}

/* What the hooks saw (seen.c), where the call has it. */
static void put_seen(struct fc_out *out, const struct fc_call *c, char *name, size_t len)
{
	if (c->seen & FC_SEEN_FDS) {
		fc_put_key(out, "fds");
		fc_put_char(out, '[');
		for (int i = 0; i < c->nfds; i++) {
			if (i)
				fc_put_char(out, ',');
			fc_put_i64(out, c->fds[i]);
		}
		fc_put_char(out, ']');
	}
	if (c->seen & FC_SEEN_CHILD)
		put_int_key(out, "child", c->child);
	if (c->seen & FC_SEEN_WAIT) {
		put_int_key(out, "wpid", c->wpid);
		put_int_key(out, "options", c->options);
	}
	if ((c->seen & FC_SEEN_REAPED) && c->reaped > 0)
		put_int_key(out, "reaped", c->reaped);
	if (c->seen & FC_SEEN_REAPED)
		put_wait_status(out, c->wstatus);
	if (c->seen & FC_SEEN_HANDLER) {
		put_handler(out, c->handler, name, len);
		if (c->hflags >= 0)
			put_int_key(out, "flags", c->hflags);
	}
}

/* A vfork child's first line: which child this is, of which parent (the
 * parent's own vfork line cannot say: the child ran on its stack). */
static __attribute__((noinline)) void note_vfork_child(pid_t pid)
{
	char buf[LINE_MAX_BYTES];
	struct fc_out out;
	if (pid == fc__state.my_pid || pid == vfork_noted)
		return;
	vfork_noted = pid;
	fc_out_init(&out, buf, sizeof buf);
	put_event_head(&out, "vfork");
	fc_put_key(&out, "side");
	fc_put_str(&out, "child");
	put_int_key(&out, "child", pid);
	put_int_key(&out, "ppid", fc__state.my_pid);
	fc__trace_write(buf, fc_out_finish(&out, buf));
}

/* The call's own line (its buffer a frame of its own, not nested in the
 * vfork line's: the stack a handler runs on may be small). */
static __attribute__((noinline)) void call_line(const struct fc_call *c, long ret, int err, pid_t pid)
{
	char buf[LINE_MAX_BYTES], name[96];
	char site[FC_SYM_MAX]; /* a site that fits is one a plan can name */
	struct fc_out out;
	const struct fc_rule *rule = fc__rule(c);
	fc_out_init(&out, buf, sizeof buf);
	fc_put_char(&out, '{');
	put_common(&out, fc_calls[c->id].name, pid);
	fc_put_key(&out, "ret");
	if (c->ret_unknown)
		fc_put_raw(&out, "null");
	else
		fc_put_i64(&out, ret);
	put_int_key(&out, "errno", err);
	/* vfork's child runs on our caller's stack: a rule's exit side cannot
	 * act there, and the line says so rather than claim it did */
	int undone = rule && c->ret_unknown && !c->injected && rule->at != FC_AT_ENTER;
	fc_put_key(&out, "injected");
	if (!undone && (c->injected || (rule && rule->actions)))
		fc_put_str(&out, rule ? rule->action_text : "");
	else
		fc_put_raw(&out, "null");
	if (undone) {
		fc_put_key(&out, "not_done");
		fc_put_str(&out, "the exit side of the rule: vfork's child runs on the caller's stack");
	}
	/* the site is what a later run, moved by ASLR, selects again with
	 * caller=OBJECT+0xOFFSET (a sweep's runs after its clean one) */
	unsigned place = c->ra ? fc__symtab_place(c->ra, name, sizeof name, site, sizeof site) : 0;
	fc_put_key(&out, "caller");
	put_str_or_null(&out, place & FC_PLACE_CALLER ? name : NULL);
	fc_put_key(&out, "site");
	put_str_or_null(&out, place & FC_PLACE_SITE ? site : NULL);
	if (rule) {
		put_int_key(&out, "rule", c->rule + 1);
		fc_put_key(&out, "n");
		fc_put_u64(&out, c->n);
	}
	if (c->nr >= 0)
		put_int_key(&out, "nr", c->nr);
	if (c->sig >= 0)
		put_int_key(&out, "sig", c->sig);
	if (c->fd >= 0)
		put_int_key(&out, "fd", c->fd);
	if (c->child_side) {
		fc_put_key(&out, "side");
		fc_put_str(&out, "child");
	}
	/* made by a signal handler (the trampoline's): explore perturbs these
	 * first, a reaper that runs there is window 12's */
	if (fc__in_handler) {
		fc_put_key(&out, "in_handler");
		fc_put_raw(&out, "true");
	}
	if (fc__state.syscall_layer) {
		/* the supervisor's lines say "syscall": both kinds are in the trace */
		fc_put_key(&out, "via");
		fc_put_str(&out, "api");
	}
	put_seen(&out, c, name, sizeof name);
	fc__trace_write(buf, fc_out_finish(&out, buf));
}

void fc__trace_event(const struct fc_call *c, long ret, int err)
{
	if (fc__state.trace_fd < 0 || (!fc__traced(c->id) && !c->injected))
		return;
	int saved_errno = errno;
	pid_t pid = fc__current_pid(); /* a getpid per line else */
	note_vfork_child(pid);
	call_line(c, ret, err, pid);
	FC_ERRNO_BACK(saved_errno);
}

/* The first line of a new trace: version, plan and seed. */
void fc__trace_header(void)
{
	/* static: the plan, escaped, may be twice its size; written once */
	static char buf[2 * FC_PLAN_MAX + 1024];
	struct fc_out out;
	fc_out_init(&out, buf, sizeof buf);
	fc_put_trace_head(&out, FC_VERSION, fc__state.plan_text, fc__state.seed);
	put_int_key(&out, "pid", fc__getpid());
	fc_put_key(&out, "unreachable");
	fc_put_str(&out,
		   "clone/clone3/pipe2/sigaction made inside glibc (fork, posix_spawn, system, popen, pthread_create) are not "
		   "seen; only the public entry points are");
	fc__trace_write(buf, fc_out_finish(&out, buf));
}

/* argv of this image, from /proc/self/cmdline (NUL-separated). */
static void put_argv(struct fc_out *out)
{
	char args[640];
	long got = -1;
	int fd = fc__open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC, 0);
	if (fd >= 0) {
		got = fc__read(fd, args, sizeof args - 1);
		fc__close(fd);
	}
	fc_put_key(out, "argv");
	fc_put_char(out, '[');
	for (long at = 0, first = 1; got > 0 && at < got; first = 0) {
		args[got] = 0;
		if (!first)
			fc_put_char(out, ',');
		fc_put_str(out, args + at);
		at += (long)strlen(args + at) + 1;
	}
	fc_put_char(out, ']');
}

/* Each process image that loads the shim says so: its exe, argv, parent
 * and lineage. */
void fc__trace_exec_line(void)
{
	char buf[LINE_MAX_BYTES], exe[512];
	struct fc_out out;
	long n = fc__readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	fc_out_init(&out, buf, sizeof buf);
	put_event_head(&out, "exec");
	fc_put_key(&out, "exe");
	fc_put_str(&out, exe);
	put_int_key(&out, "ppid", fc__getppid());
	fc_put_key(&out, "seed");
	fc_put_u64(&out, fc__state.seed);
	fc_put_key(&out, "root");
	fc_put_raw(&out, fc__state.root_pid == fc__getpid() ? "true" : "false");
	put_argv(&out);
	fc__trace_write(buf, fc_out_finish(&out, buf));
}

static void put_counts(struct fc_out *out, const char *key, const uint64_t *counts)
{
	fc_put_key(out, key);
	fc_put_char(out, '[');
	for (int r = 0; r < fc__state.plan.nrules; r++) {
		if (r)
			fc_put_char(out, ',');
		fc_put_u64(out, counts ? counts[r] : 0);
	}
	fc_put_char(out, ']');
}

/* The last line of an image: how it ended, what each rule did in it. */
static __attribute__((noinline)) void exit_line(const char *how, int status, const uint64_t *matched, const uint64_t *acted)
{
	char buf[LINE_MAX_BYTES];
	struct fc_out out;
	fc_out_init(&out, buf, sizeof buf);
	put_event_head(&out, "exit");
	fc_put_key(&out, "how");
	fc_put_str(&out, how);
	if (status >= 0)
		put_int_key(&out, "status", status);
	put_counts(&out, "matched", matched);
	put_counts(&out, "acted", acted);
	/* calls a handler made from code outside every indexed object: their
	 * caller was not looked up (the index is never rebuilt in a handler) */
	unsigned long long unknown = fc__symtab_unknown_in_handlers();
	if (unknown) {
		fc_put_key(&out, "unknown_in_handlers");
		fc_put_u64(&out, unknown);
	}
	fc__trace_write(buf, fc_out_finish(&out, buf));
}

FC_FORK_PATH void fc__trace_exit(const char *how, int status, const uint64_t *matched, const uint64_t *acted)
{
	if (fc__state.trace_fd < 0)
		return;
	note_vfork_child(fc__getpid());
	exit_line(how, status, matched, acted);
}

/* A line that is not a call: a plan that may never fire, and why. */
void fc__trace_warning(const char *what, const char *name, const char *why)
{
	char buf[LINE_MAX_BYTES], message[512];
	struct fc_out out;
	if (fc__state.trace_fd < 0)
		return;
	size_t used = 0;
	for (const char *part[] = { what, name, ": ", why, NULL }, **p = part; *p; p++)
		for (const char *ch = *p; *ch && used + 1 < sizeof message; ch++)
			message[used++] = *ch;
	message[used] = 0;
	fc_out_init(&out, buf, sizeof buf);
	put_event_head(&out, "warning");
	fc_put_key(&out, "message");
	fc_put_str(&out, message);
	fc__trace_write(buf, fc_out_finish(&out, buf));
}

/* The line that ends a process's trace at --trace-max. */
void fc__trace_stopped_line(char *buf, size_t len, size_t *used, uint64_t bytes)
{
	struct fc_out out;
	fc_out_init(&out, buf, len);
	put_event_head(&out, "trace-stopped");
	fc_put_key(&out, "bytes");
	fc_put_u64(&out, bytes);
	*used = fc_out_finish(&out, buf);
}

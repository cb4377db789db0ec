/* The stuck stack of a hung target (stuck.h): for each thread, its state
 * from /proc, then PTRACE_SEIZE + PTRACE_INTERRUPT, a bounded wait for the
 * stop, a few frames from libunwind's remote unwinder (libunwind-ptrace),
 * and PTRACE_DETACH; the thread's last intercepted call from the trace. */
#include <errno.h>
#include <fcntl.h>
#include <libunwind-ptrace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "stuck.h"

#define MAX_THREADS 8    /* described; the others are counted */
#define MAX_FRAMES 5     /* a few frames say where; more would not fit a line */
#define STOP_WAIT_MS 300 /* per thread: one in D state never stops */

struct thread {
	pid_t tid;
	char state;
	char wchan[64];
	char frames[320];
	char last[192];
};

static void read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd >= 0 ? read(fd, buf, len - 1) : -1;
	buf[got > 0 ? got : 0] = 0;
	if (fd >= 0)
		close(fd);
	buf[strcspn(buf, "\n")] = 0;
}

/* The state letter and the wchan ("0": not blocked) of TID of PID. */
static void thread_state(pid_t pid, pid_t tid, struct thread *t)
{
	char path[96], stat[512];
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	read_text(path, stat, sizeof stat);
	char *close_paren = strrchr(stat, ')');
	t->tid = tid;
	t->state = close_paren && close_paren[1] && close_paren[2] ? close_paren[2] : '?';
	snprintf(path, sizeof path, "/proc/%d/task/%d/wchan", (int)pid, (int)tid);
	read_text(path, t->wchan, sizeof t->wchan);
	if (!t->wchan[0])
		strcpy(t->wchan, "?");
}

static int list_threads(pid_t pid, pid_t *tids, int max, int *total)
{
	char path[64];
	int n = 0;
	*total = 0;
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *dir = opendir(path);
	struct dirent *entry;
	while (dir && (entry = readdir(dir))) {
		if (entry->d_name[0] == '.')
			continue;
		(*total)++;
		if (n < max)
			tids[n++] = atoi(entry->d_name);
	}
	if (dir)
		closedir(dir);
	return n;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
}

/* Seize TID and wait (bounded) for its stop.  0 stopped (*SIG: a signal
 * it stopped with, to give back at detach); -1 and errno; 1 it ended
 * (*STATUS its wait status). */
static int seize(pid_t tid, int *sig, int *status)
{
	*sig = 0;
	if (ptrace(PTRACE_SEIZE, tid, 0, 0) < 0)
		return -1;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0) {
		int err = errno;
		ptrace(PTRACE_DETACH, tid, 0, 0);
		errno = err;
		return -1;
	}
	for (int waited = 0; waited < STOP_WAIT_MS; waited++) {
		pid_t got = waitpid(tid, status, WNOHANG | __WALL);
		if (got == tid && WIFSTOPPED(*status)) {
			/* a signal-delivery stop (not our interrupt's event stop)
			 * holds a signal the thread must still get */
			if (*status >> 16 != PTRACE_EVENT_STOP)
				*sig = WSTOPSIG(*status);
			return 0;
		}
		if (got == tid)
			return 1;
		if (got < 0 && errno != EINTR)
			return -1;
		sleep_ms(1);
	}
	/* RACE: blocked uninterruptibly, it never stopped; detaching a running
	 * tracee fails, and the kill that follows ends it all the same. */
	ptrace(PTRACE_DETACH, tid, 0, 0);
	errno = ETIMEDOUT;
	return -1;
}

/* "fn+0xoff < fn2+0xoff ..." of the stopped TID. */
static void unwind(unw_addr_space_t as, pid_t tid, char *buf, size_t len)
{
	void *upt = _UPT_create(tid);
	unw_cursor_t cursor;
	size_t used = 0;
	buf[0] = 0;
	if (!upt)
		return;
	if (unw_init_remote(&cursor, as, upt) == 0) {
		for (int i = 0; i < MAX_FRAMES && used < len; i++) {
			char name[128] = "";
			unw_word_t off = 0, ip = 0;
			const char *sep = i ? " < " : "";
			if (unw_get_proc_name(&cursor, name, sizeof name, &off) == 0)
				used += (size_t)snprintf(buf + used, len - used, "%s%s+0x%lx", sep, name, (unsigned long)off);
			else if (unw_get_reg(&cursor, UNW_REG_IP, &ip) == 0)
				used += (size_t)snprintf(buf + used, len - used, "%s0x%lx", sep, (unsigned long)ip);
			/* what is below main is libc's start-up, the same in every report */
			if (!strcmp(name, "main") || unw_step(&cursor) <= 0)
				break;
		}
	}
	_UPT_destroy(upt);
}

/* The text of FIELD in a trace line: a "string" without its quotes, or a
 * bare value up to ',' or '}'. */
static void field(const char *line, const char *name, char *out, size_t len)
{
	char key[32];
	snprintf(key, sizeof key, "\"%s\":", name);
	const char *at = strstr(line, key);
	out[0] = 0;
	if (!at)
		return;
	at += strlen(key);
	size_t n = *at == '"' ? strcspn(++at, "\"") : strcspn(at, ",}");
	snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), at);
}

static void describe_call(const char *line, char *out, size_t len)
{
	char call[48], ret[24], err[16], injected[64];
	field(line, "call", call, sizeof call);
	field(line, "ret", ret, sizeof ret);
	field(line, "errno", err, sizeof err);
	field(line, "injected", injected, sizeof injected);
	int e = atoi(err);
	const char *ename = e ? strerrorname_np(e) : NULL;
	snprintf(out, len, "last call: %s = %s%s%s%s%s", call, ret, ename ? " " : "", ename ? ename : "",
		 strcmp(injected, "null") && injected[0] ? " injected " : "", strcmp(injected, "null") ? injected : "");
}

/* Trace lines that are events, not intercepted calls. */
static const char *const not_calls[] = { "exec", "exit", "warning", "trace-stopped", "vfork" };

static int is_call(const char *line)
{
	char call[48];
	field(line, "call", call, sizeof call);
	for (size_t i = 0; i < sizeof not_calls / sizeof not_calls[0]; i++)
		if (!strcmp(call, not_calls[i]))
			return 0;
	return call[0] != 0;
}

/* The last line of TRACE for each thread: one pass over the file. */
static void last_calls(const char *trace, struct thread *threads, int n)
{
	FILE *f = trace && *trace ? fopen(trace, "re") : NULL;
	char *line = NULL;
	size_t cap = 0;
	while (f && getline(&line, &cap, f) > 0) {
		char tid[24];
		field(line, "tid", tid, sizeof tid);
		for (int i = 0; i < n && tid[0]; i++)
			if (atoi(tid) == threads[i].tid && is_call(line))
				describe_call(line, threads[i].last, sizeof threads[i].last);
	}
	free(line);
	if (f)
		fclose(f);
}

/* One thread: "tid N state S wchan W: frames" or "... running: frames". */
static size_t thread_line(const struct thread *t, char *buf, size_t len)
{
	int blocked = t->state != 'R';
	return (size_t)snprintf(buf, len, "tid %d state %c %s%s: %s%s%s", (int)t->tid, t->state, blocked ? "wchan " : "running",
				blocked ? t->wchan : "", t->frames[0] ? t->frames : "(no frames)", t->last[0] ? "; " : "",
				t->last);
}

int fc_describe_stuck(pid_t pid, const char *trace, char *buf, size_t len, int *reaped)
{
	pid_t tids[MAX_THREADS];
	struct thread threads[MAX_THREADS];
	int total, n = list_threads(pid, tids, MAX_THREADS, &total), ended = 0, failed = 0;
	char why[96] = "";
	unw_addr_space_t as = unw_create_addr_space(&_UPT_accessors, 0);
	if (as)
		unw_set_caching_policy(as, UNW_CACHE_NONE);
	for (int i = 0; i < n; i++) {
		struct thread *t = &threads[i];
		memset(t, 0, sizeof *t);
		/* before the attach: a stopped tracee reads as 't' */
		thread_state(pid, tids[i], t);
		int sig, status, rc = as ? seize(tids[i], &sig, &status) : -1;
		if (rc == 1 && tids[i] == pid) {
			*reaped = status;
			ended = 1;
			break;
		}
		if (rc != 0) {
			if (!failed++)
				snprintf(why, sizeof why, "%s", as ? strerror(errno) : "no libunwind address space");
			continue;
		}
		unwind(as, tids[i], t->frames, sizeof t->frames);
		ptrace(PTRACE_DETACH, tids[i], 0, (void *)(long)sig);
	}
	if (as)
		unw_destroy_addr_space(as);
	if (ended || n == 0 || failed == n) {
		/* nothing unwound: what /proc says, and why not more */
		char proc[384];
		fc_describe_stuck_proc(pid, proc, sizeof proc);
		snprintf(buf, len, "%s%s%s%s", proc, why[0] ? " (no user-space frames: ptrace: " : "", why, why[0] ? ")" : "");
		return ended;
	}
	last_calls(trace, threads, n);
	size_t used = (size_t)snprintf(buf, len, "pid %d, %d thread%s: ", (int)pid, total, total == 1 ? "" : "s");
	for (int i = 0; i < n && used < len; i++) {
		if (i)
			used += (size_t)snprintf(buf + used, len - used, " | ");
		if (used < len)
			used += thread_line(&threads[i], buf + used, len - used);
	}
	if (total > n && used < len)
		snprintf(buf + used, len - used, " | +%d more threads", total - n);
	return 0;
}

void fc_describe_stuck_proc(pid_t pid, char *buf, size_t len)
{
	char path[64], stack[256] = "", text[1024];
	struct thread t;
	thread_state(pid, pid, &t);
	snprintf(path, sizeof path, "/proc/%d/stack", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
	text[got > 0 ? got : 0] = 0;
	if (fd >= 0)
		close(fd);
	size_t used = 0;
	char *save;
	int i = 0;
	for (char *line = strtok_r(text, "\n", &save); line && i < 4 && used < sizeof stack;
	     line = strtok_r(NULL, "\n", &save), i++) {
		char *sym = strchr(line, ']');
		used += (size_t)snprintf(stack + used, sizeof stack - used, "%s%s", used ? " < " : "", sym ? sym + 2 : line);
	}
	snprintf(buf, len, "pid %d state %c wchan %s%s%s", (int)pid, t.state, t.wchan, stack[0] ? " stack " : "", stack);
}

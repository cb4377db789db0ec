/* ffdriver workload: an ordinary program that uses libffd, written with no
 * knowledge of where its windows are and run with no plan; what
 * `forkchaos explore` explores.  It installs a SIGCHLD handler of its own,
 * keeps a thread blocked in read(), forks and spawns children with each
 * flag combination on both paths, waits for some with ffd_wait, polls the
 * descriptors of others, closes some before their death and some after,
 * and checks what it gets as any careful program would: each status once
 * and right, its handler called, no read interrupted, the descriptors as
 * it asked for them.
 *
 * What it sees goes to the report (spawned/status, flag, result lines: the
 * status, flags and api-errno oracles), and its verdict to stdout, one
 * line, and its exit code: 0 when everything was right, 1 when a call
 * failed or a check did not hold.  An error is reported, never worked
 * around: under an injected fault a different exit is the program's
 * honest answer (explore calls it handled); under a perturbation a
 * correct library tolerates, any difference is a finding. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ffdriver.h"

extern char **environ;

/* How a child is made, and how the program is done with it. */
enum make { FORK, FORK_HELD, SPAWN_TRUE, SPAWN_FALSE };
enum done { POLL, WAIT, CLOSE_AFTER, CLOSE_BEFORE };

static const struct job {
	enum make make;
	int flags;
	enum done done;
} jobs[] = {
	{ FORK, FFD_USE_FORK, POLL },
	{ SPAWN_TRUE, FFD_USE_FORK, POLL },
	{ FORK, FFD_USE_FORK | FFD_NONBLOCK, WAIT },
	{ FORK, FFD_USE_FORK | FFD_CLOEXEC, CLOSE_AFTER },
	{ FORK_HELD, FFD_USE_FORK | FFD_NONBLOCK | FFD_CLOEXEC, CLOSE_BEFORE },
	{ SPAWN_FALSE, FFD_USE_FORK | FFD_CLOEXEC, WAIT },
	{ FORK, 0, POLL },
	{ FORK, FFD_NONBLOCK, WAIT },
	{ FORK, FFD_CLOEXEC, POLL },
	{ FORK, FFD_NONBLOCK | FFD_CLOEXEC, WAIT },
	{ SPAWN_TRUE, 0, POLL },
	{ SPAWN_FALSE, FFD_CLOEXEC, WAIT },
};
#define NJOBS (int)(sizeof jobs / sizeof jobs[0])

/* A child that never becomes readable: a status that is not coming. */
#define POLL_MS 2000

static int problems;
static char first_problem[160];

/* What it observed, to the report: a line per write, retried when the
 * write fails (a careful program does not lose a line to one failed
 * write, and a lost line would mislead the oracles that read them). */
static int report_fd = -1;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	char line[256];
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (len < 0 || len > (int)sizeof line - 2)
		len = (int)sizeof line - 2;
	line[len++] = '\n';
	for (int tries = 0; tries < 8 && report_fd >= 0; tries++)
		if (write(report_fd, line, (size_t)len) == len)
			break;
	errno = saved;
}

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!problems++)
		vsnprintf(first_problem, sizeof first_problem, fmt, ap);
	va_end(ap);
}

/* ---- the application's own SIGCHLD handler ---- */

static volatile sig_atomic_t app_calls;

static void app_handler(int sig)
{
	app_calls++;
}

/* ---- a thread of the application, blocked in read() ---- */

static int reader_fds[2] = { -1, -1 };
static volatile pid_t reader_tid;
static volatile int reader_interrupted, reader_failed, reader_done;

static void *reader(void *arg)
{
	char byte;
	ssize_t got;
	reader_tid = (pid_t)syscall(SYS_gettid);
	/* a careful program retries; it still notes that it had to */
	while ((got = read(reader_fds[0], &byte, 1)) < 0 && errno == EINTR)
		reader_interrupted++;
	reader_failed = got < 0 ? errno : 0;
	reader_done = 1;
	return arg;
}

/* The reader sleeps in read() (what /proc/PID/task/TID/syscall says), or
 * is done. */
static int reader_asleep(void)
{
	char path[96], line[128];
	long nr;
	snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)reader_tid);
	FILE *f = fopen(path, "r");
	int ok = f && fgets(line, sizeof line, f) && sscanf(line, "%ld", &nr) == 1 && nr == SYS_read;
	if (f)
		fclose(f);
	return ok;
}

static int start_reader(pthread_t *thread)
{
	if (pipe(reader_fds) < 0) {
		problem("pipe: %s", strerrorname_np(errno));
		return -1;
	}
	int err = pthread_create(thread, NULL, reader, NULL);
	if (err) {
		problem("pthread_create: %s", strerrorname_np(err));
		close(reader_fds[0]);
		close(reader_fds[1]);
		return -1;
	}
	/* the rest runs while it sleeps in read(), as in any program with such
	 * a thread */
	while (!reader_tid || (!reader_done && !reader_asleep()))
		sched_yield();
	return 0;
}

/* The end of its pipe closed: it reads EOF and ends. */
static void stop_reader(pthread_t thread)
{
	close(reader_fds[1]);
	pthread_join(thread, NULL);
	close(reader_fds[0]);
	if (reader_interrupted)
		problem("the reader's read() was interrupted (EINTR)");
	if (reader_failed)
		problem("the reader's read(): %s", strerrorname_np(reader_failed));
}

/* ---- the children ---- */

/* A held child waits for its gate (a pipe) to reach EOF: the parent
 * closing its write end lets it go. */
struct gate {
	int rd, wr;
};

static int exit_code(int id)
{
	return id % 4;
}

#define KILLED_ID 3 /* this child ends by SIGTERM, the others exit */

/* What the program expects to hear of child ID. */
static void expected_status(const struct job *job, int id, char *buf, size_t len)
{
	if (job->make == SPAWN_TRUE || job->make == SPAWN_FALSE)
		snprintf(buf, len, "exited:%d", job->make == SPAWN_FALSE);
	else if (id == KILLED_ID)
		snprintf(buf, len, "killed:%d", SIGTERM);
	else
		snprintf(buf, len, "exited:%d", exit_code(id));
}

/* In the child, async-signal-safe only (on the pidfd path it comes from a
 * raw clone): wait for the gate if held, then end as child ID does. */
__attribute__((noreturn)) static void child(int id, const struct gate *gate)
{
	char byte;
	if (gate) {
		close(gate->wr);
		if (read(gate->rd, &byte, 1) < 0)
			_exit(100);
	}
	if (id == KILLED_ID)
		kill(getpid(), SIGTERM);
	_exit(exit_code(id));
}

static int make(const struct job *job, int id, const struct gate *gate, pid_t *pid)
{
	static char *const true_argv[] = { "true", NULL }, *const false_argv[] = { "false", NULL };
	errno = 0;
	if (job->make == SPAWN_TRUE)
		return fc__ffd.spawn(job->flags, pid, "/bin/true", NULL, NULL, true_argv, environ);
	if (job->make == SPAWN_FALSE)
		return fc__ffd.spawn(job->flags, pid, "/bin/false", NULL, NULL, false_argv, environ);
	int fd = fc__ffd.fork(job->flags, pid);
	if (fd == FFD_CHILD_PROCESS)
		child(id, gate);
	return fd;
}

/* The descriptor as asked: FFD_NONBLOCK, FFD_CLOEXEC. */
static void check_flags(const struct job *job, int fd)
{
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
	if (fl < 0 || fdfl < 0) {
		problem("fcntl: %s", strerrorname_np(errno));
		return;
	}
	note("flag nonblock %d %d", (job->flags & FFD_NONBLOCK) != 0, (fl & O_NONBLOCK) != 0);
	note("flag cloexec %d %d", (job->flags & FFD_CLOEXEC) != 0, (fdfl & FD_CLOEXEC) != 0);
	if (((job->flags & FFD_NONBLOCK) != 0) != ((fl & O_NONBLOCK) != 0) ||
	    ((job->flags & FFD_CLOEXEC) != 0) != ((fdfl & FD_CLOEXEC) != 0))
		problem("a descriptor without the flags asked for");
}

/* Readable within POLL_MS: the child's death is known.  A failure that
 * passes (EINTR, ENOMEM, EAGAIN) is retried, as a careful program does. */
static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ready, tries = 0;
	while ((ready = poll(&p, 1, POLL_MS)) < 0 && (errno == EINTR || ((errno == ENOMEM || errno == EAGAIN) && tries++ < 8)))
		;
	if (ready < 0)
		problem("poll: %s", strerrorname_np(errno));
	return ready > 0;
}

/* ffd_wait until the status comes (a nonblocking descriptor says EAGAIN
 * while the child lives: then poll it). */
static int wait_status(int fd, char *got, size_t len)
{
	struct ffd_info info;
	int ret;
	errno = 0;
	while ((ret = fc__ffd.wait(fd, &info, 0, NULL)) < 0 && (errno == EAGAIN || errno == EINTR))
		if (errno == EAGAIN && !readable(fd))
			break;
	if (ret < 0)
		snprintf(got, len, "error:%s", obs_errno(errno));
	else
		obs_status(&info, got, len);
	return ret;
}

/* The status of child ID as the program sees it; one status line. */
static void hear(const struct job *job, int id, int fd)
{
	char expected[48], got[48];
	expected_status(job, id, expected, sizeof expected);
	if (job->done == POLL && !readable(fd))
		snprintf(got, sizeof got, "never-readable");
	else if (wait_status(fd, got, sizeof got) < 0 && strcmp(got, "error:0")) {
		/* an error is an answer (a foreign reaper's ECHILD, an injected
		 * fault's errno): the program reports it, the status it did not
		 * get is not a wrong one */
		problem("ffd_wait: %s", got + 6);
		snprintf(expected, sizeof expected, "%s", got);
		/* closed only once it is dead: a live child's descriptor given
		 * back leaves its reaping to the library behind our back */
		readable(fd);
	}
	/* 127: the library's child could not start (its go channel failed),
	 * a shell's convention: an answer too */
	if (!strcmp(got, "exited:127")) {
		problem("a child could not start");
		snprintf(expected, sizeof expected, "%s", got);
	}
	note("status %d %s %s", id, expected, got);
	if (strcmp(expected, got))
		problem("child status %s, expected %s", got, expected);
}

static void release(int fd)
{
	errno = 0;
	if (fc__ffd.close(fd) < 0) {
		note("result ffd_close -1 %s any", obs_errno(errno));
		problem("ffd_close: %s", obs_errno(errno));
	}
}

static void open_gate(struct gate *gate)
{
	if (gate->rd >= 0)
		close(gate->rd);
	if (gate->wr >= 0)
		close(gate->wr);
	gate->rd = gate->wr = -1;
}

/* Every child made, for the end: none may outlive the program. */
static pid_t made[NJOBS];

static void run_job(const struct job *job, int id)
{
	struct gate gate = { -1, -1 };
	int fds[2];
	pid_t pid = 0;
	if (job->make == FORK_HELD) {
		if (pipe2(fds, O_CLOEXEC) < 0) {
			problem("pipe2: %s", strerrorname_np(errno));
			return;
		}
		gate = (struct gate){ fds[0], fds[1] };
	}
	int fd = make(job, id, job->make == FORK_HELD ? &gate : NULL, &pid);
	if (fd < 0) {
		const char *call = job->make == SPAWN_TRUE || job->make == SPAWN_FALSE ? "ffd_spawn" : "ffd_fork";
		note("result %s -1 %s any", call, obs_errno(errno));
		problem("%s: %s", call, obs_errno(errno));
		open_gate(&gate);
		return;
	}
	made[id - 1] = pid;
	check_flags(job, fd);
	if (job->done == CLOSE_BEFORE) {
		/* closed while it lives: the library reaps it when it dies */
		release(fd);
		open_gate(&gate);
		if (!fc__reaped_within(pid, POLL_MS))
			problem("a child closed before its death was never reaped");
		return;
	}
	if (job->done == CLOSE_AFTER) {
		/* dead (its descriptor readable), never waited for */
		if (!readable(fd))
			problem("a child's death never made its descriptor readable");
		release(fd);
		return;
	}
	note("spawned %d", id);
	hear(job, id, fd);
	release(fd);
}

int fc__workload(const struct fc__args *args)
{
	struct sigaction app = { .sa_handler = app_handler, .sa_flags = SA_RESTART };
	pthread_t thread;
	const char *path = getenv("FORKCHAOS_REPORT");
	report_fd = path && *path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
	sigemptyset(&app.sa_mask);
	if (sigaction(SIGCHLD, &app, NULL) < 0)
		obs_die("sigaction: %s", strerror(errno));
	int reading = start_reader(&thread) == 0;
	int dead = 0;
	for (int id = 1; id <= NJOBS; id++) {
		run_job(&jobs[id - 1], id);
		dead += (jobs[id - 1].flags & FFD_USE_FORK) != 0;
	}
	if (reading)
		stop_reader(thread);
	/* the library reaps every child: each is gone before the program ends */
	for (int id = 1; id <= NJOBS; id++)
		if (made[id - 1] > 0 && !fc__reaped_within(made[id - 1], POLL_MS))
			problem("child %d was never reaped", id);
	/* its handler stays in the chain: each generic child's death came
	 * through it (how often is the kernel's to say: signals merge) */
	if (dead && !app_calls)
		problem("the application's SIGCHLD handler was never called");
	if (problems)
		printf("workload: %d problem%s; the first: %s\n", problems, problems == 1 ? "" : "s", first_problem);
	else
		printf("workload: every status right, the handler called, no read interrupted, the flags as asked\n");
	return problems ? 1 : 0;
}

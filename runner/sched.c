/* The job scheduler (sched.h): workers are forked one per job, up to J at
 * once; the parent waits for SIGCHLD or an interrupt with sigwaitinfo, the
 * signals blocked, so that neither is missed between a test and a wait. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "sched.h"

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NSTOP (sizeof stop_signals / sizeof stop_signals[0])

/* Atomics, not only volatile: the handler may run on another thread than
 * the scheduler's (see on_interrupt); lock-free, so async-signal-safe. */
static atomic_int interrupted;
/* The thread that runs fc_sched_run and waits in sigwaitinfo; 0 outside. */
static atomic_int waiter_tid;

static void on_interrupt(int sig)
{
	int saved = errno;
	interrupted = sig;
	/* RACE: the waiter blocks the stop signals, so in a process with other
	 * threads (a test runner's, a library's) a signal sent to the process
	 * is handed to one of them, and sigwaitinfo would never see it: the
	 * workers would not hear of it.  Send it on to the waiter's thread,
	 * where it stays pending until sigwaitinfo takes it. */
	pid_t waiter = waiter_tid;
	if (waiter && waiter != (pid_t)syscall(SYS_gettid))
		syscall(SYS_tgkill, getpid(), waiter, sig);
	errno = saved;
}

int fc_sched_interrupted(void)
{
	return interrupted;
}

struct worker {
	pid_t pid; /* 0: a free slot */
	int job;
	int fd; /* the read end of its result pipe */
};

struct run {
	const struct fc_sched *s;
	struct worker *workers;
	char *have; /* have[job]: its result is in */
	int in, next_done;
	sigset_t caller_mask;
	pid_t parent;
};

static void *result_of(const struct fc_sched *s, int job)
{
	return (char *)s->results + (size_t)job * s->result_size;
}

static void handle_stops(void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &sa, NULL);
}

static void __attribute__((noreturn)) worker_main(struct run *r, int job, int fd)
{
	const struct fc_sched *s = r->s;
	void *result = result_of(s, job);
	/* RACE: an interrupt since the fork is pending (still blocked): with
	 * the handler installed first, unblocking delivers it to the handler
	 * and the job sees it, rather than the default action killing us. */
	interrupted = 0;
	waiter_tid = 0; /* a worker waits for nobody */
	handle_stops(on_interrupt);
	/* RACE: the parent may die before the prctl; then we are already
	 * another's child and no SIGTERM comes: stop as if it had. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != r->parent)
		interrupted = SIGTERM;
	sigprocmask(SIG_SETMASK, &r->caller_mask, NULL);
	memset(result, 0, s->result_size);
	s->run(s->ctx, job, result);
	_exit(write(fd, result, s->result_size) == (ssize_t)s->result_size ? 0 : 1);
}

/* One write of a result larger than PIPE_BUF must fit the pipe, or the
 * worker blocks until we read, and we read only once it has exited. */
static int make_pipe(size_t size, int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	if (size > PIPE_BUF && (fcntl(fds[0], F_SETPIPE_SZ, (int)size) < 0 || (size_t)fcntl(fds[0], F_GETPIPE_SZ) < size)) {
		close(fds[0]);
		close(fds[1]);
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

static int launch(struct run *r, struct worker *w, int job)
{
	int fds[2];
	if (make_pipe(r->s->result_size, fds) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		worker_main(r, job, fds[1]);
	}
	int err = errno;
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		errno = err;
		return -1;
	}
	*w = (struct worker){ pid, job, fds[0] };
	return 0;
}

/* JOB's result is in: hand it on, in job order if asked. */
static void arrived(struct run *r, int job)
{
	const struct fc_sched *s = r->s;
	r->have[job] = 1;
	r->in++;
	if (!s->done)
		return;
	if (!s->ordered) {
		s->done(s->ctx, job, result_of(s, job));
		return;
	}
	while (r->next_done < s->njobs && r->have[r->next_done]) {
		s->done(s->ctx, r->next_done, result_of(s, r->next_done));
		r->next_done++;
	}
}

static void collect(struct run *r, struct worker *w, int status)
{
	const struct fc_sched *s = r->s;
	char *result = result_of(s, w->job);
	size_t got = 0;
	ssize_t n;
	while (got < s->result_size && (n = read(w->fd, result + got, s->result_size - got)) > 0)
		got += (size_t)n;
	close(w->fd);
	if (got != s->result_size) {
		memset(result, 0, s->result_size);
		s->lost(s->ctx, w->job, result, status, 0);
	}
	w->pid = 0;
	arrived(r, w->job);
}

static struct worker *worker_of(const struct run *r, pid_t pid)
{
	for (int i = 0; i < r->s->workers; i++)
		if (r->workers[i].pid == pid)
			return &r->workers[i];
	return NULL;
}

/* Our children that are neither workers nor KEEP came back to us from a
 * worker that died (we are the subreaper of last resort): a target and
 * what it started, no longer under anyone's timeout.  Killed, each with
 * its process group (a target leads its own); what they leave comes back
 * to us in turn and goes on the next call.  Returns how many. */
static int kill_strays(const struct run *r)
{
	char path[64];
	int pid, found = 0;
	snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
	FILE *f = fopen(path, "re");
	while (f && fscanf(f, "%d", &pid) == 1) {
		if (pid == r->s->keep || worker_of(r, pid))
			continue;
		if (getpgid(pid) == pid)
			kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		found++;
	}
	if (f)
		fclose(f);
	return found;
}

/* Every child that ended: our workers, and strays; a worker its target
 * stopped is continued, or it would never end. */
static int reap(struct run *r)
{
	int status, ended = 0, others = 0;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG | WUNTRACED)) > 0) {
		struct worker *w = worker_of(r, pid);
		if (w && WIFSTOPPED(status)) {
			kill(pid, SIGCONT);
		} else if (w) {
			collect(r, w, status);
			ended++;
		} else {
			others++;
		}
	}
	if (ended || others)
		kill_strays(r);
	return ended;
}

/* No worker left: the last strays killed and reaped before we return,
 * for at most a few seconds (one stuck in the kernel is left). */
static void reap_strays(struct run *r)
{
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	struct timespec step = { 0, 100000000 };
	for (int round = 0; round < 50; round++) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (!kill_strays(r))
			return;
		sigtimedwait(&chld, NULL, &step);
	}
}

static void pass_on(struct run *r, int sig)
{
	for (int i = 0; i < r->s->workers; i++)
		if (r->workers[i].pid)
			kill(r->workers[i].pid, sig);
}

static int free_slot(const struct run *r)
{
	int i = 0;
	while (r->workers[i].pid)
		i++;
	return i;
}

/* The next signal of WAITED; with a tick, waiting no longer than it. */
static int wait_signal(const struct fc_sched *s, const sigset_t *waited)
{
	if (!s->tick || !s->tick_ns)
		return sigwaitinfo(waited, NULL);
	struct timespec most = { (time_t)(s->tick_ns / 1000000000u), (long)(s->tick_ns % 1000000000u) };
	return sigtimedwait(waited, NULL, &most);
}

int fc_sched_run(const struct fc_sched *s)
{
	struct run r = { .s = s, .parent = getpid() };
	sigset_t waited;
	int next = 0, running = 0;
	r.workers = calloc((size_t)s->workers, sizeof *r.workers);
	r.have = calloc((size_t)s->njobs + 1, 1);
	if (!r.workers || !r.have) {
		free(r.workers);
		free(r.have);
		return -1;
	}
	sigemptyset(&waited);
	sigaddset(&waited, SIGCHLD);
	for (size_t i = 0; i < NSTOP; i++)
		sigaddset(&waited, stop_signals[i]);
	/* An inherited SIG_IGN would have the kernel reap the workers. */
	signal(SIGCHLD, SIG_DFL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	handle_stops(on_interrupt);
	/* RACE: an interrupt or a worker's end between the test of
	 * `interrupted` and the wait below stays pending, blocked, and
	 * sigwaitinfo returns it; nothing is missed, nothing waits. */
	sigprocmask(SIG_BLOCK, &waited, &r.caller_mask);
	waiter_tid = (pid_t)syscall(SYS_gettid);
	while (next < s->njobs || running) {
		while (running < s->workers && next < s->njobs && !interrupted) {
			if (launch(&r, &r.workers[free_slot(&r)], next) == 0) {
				running++;
			} else if (running) {
				break; /* again when a worker is done */
			} else {
				s->lost(s->ctx, next, result_of(s, next), -1, errno);
				arrived(&r, next);
			}
			next++;
		}
		if (!running)
			break;
		int sig = wait_signal(s, &waited);
		if (sig > 0 && sig != SIGCHLD) {
			interrupted = sig;
			pass_on(&r, sig);
		}
		running -= reap(&r);
		if (s->tick)
			s->tick(s->ctx);
	}
	waiter_tid = 0;
	reap_strays(&r);
	sigprocmask(SIG_SETMASK, &r.caller_mask, NULL);
	int in = r.in;
	free(r.workers);
	free(r.have);
	return in;
}

/* The scheduler (runner/sched.c) on its own, with a result type of the
 * test's, larger than PIPE_BUF: what sweep and explore will rely on. */
#include <criterion/criterion.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sched.h"

#define NJOBS 12

struct outcome {
	int job;
	pid_t pid;
	int signal_seen;
	char bulk[2 * PIPE_BUF]; /* one write of more than PIPE_BUF */
};

struct record {
	int order[NJOBS];
	int ndone;
	int lost[NJOBS]; /* the wait status of a worker that gave no result, + 1 */
};

static void run_job(void *ctx, int job, void *result)
{
	struct outcome *o = result;
	o->job = job;
	o->pid = getpid();
	memset(o->bulk, 'a' + job, sizeof o->bulk);
	if (ctx && job == 3)
		_exit(9); /* dies without a result */
}

static void lost_job(void *ctx, int job, void *result, int status, int err)
{
	struct record *rec = ctx;
	if (rec)
		rec->lost[job] = status + 1;
}

static void done_job(void *ctx, int job, void *result)
{
	struct record *rec = ctx;
	if (rec && rec->ndone < NJOBS)
		rec->order[rec->ndone++] = job;
}

static struct outcome results[NJOBS];
static struct record rec;

static struct fc_sched sched(int ordered)
{
	return (struct fc_sched){ .njobs = NJOBS,
				  .workers = 3,
				  .result_size = sizeof results[0],
				  .results = results,
				  .ctx = &rec,
				  .run = run_job,
				  .lost = lost_job,
				  .done = done_job,
				  .ordered = ordered };
}

Test(sched, ordered_results_arrive_in_job_order_each_from_its_own_worker, .timeout = 30)
{
	struct fc_sched s = sched(1);
	s.ctx = NULL; /* no job dies */
	cr_assert_eq(fc_sched_run(&s), NJOBS);
	for (int i = 0; i < NJOBS; i++) {
		cr_expect_eq(results[i].job, i);
		cr_expect(results[i].pid > 0 && results[i].pid != getpid(), "job %d ran in the parent", i);
		cr_expect_eq(results[i].bulk[sizeof results[i].bulk - 1], 'a' + i, "job %d's result arrived whole", i);
	}
}

Test(sched, done_is_called_in_job_order_when_ordered, .timeout = 30)
{
	struct fc_sched s = sched(1);
	cr_assert_eq(fc_sched_run(&s), NJOBS);
	cr_assert_eq(rec.ndone, NJOBS);
	for (int i = 0; i < NJOBS; i++)
		cr_expect_eq(rec.order[i], i, "call %d was for job %d", i, rec.order[i]);
}

Test(sched, worker_that_dies_is_reported_lost_with_its_status, .timeout = 30)
{
	struct fc_sched s = sched(0);
	cr_assert_eq(fc_sched_run(&s), NJOBS, "a lost job still counts as in");
	cr_expect(rec.lost[3] && WIFEXITED(rec.lost[3] - 1) && WEXITSTATUS(rec.lost[3] - 1) == 9, "status+1 %d", rec.lost[3]);
	cr_expect_eq(results[3].job, 0, "the lost job's result is zeroed before lost()");
	cr_expect_eq(rec.ndone, NJOBS, "done() for every job, the lost one too");
}

/* Job 0 interrupts the parent, then waits for the signal to come back. */
static void interrupting_job(void *ctx, int job, void *result)
{
	struct outcome *o = result;
	sigset_t term, old;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	kill(getppid(), SIGTERM);
	while (!fc_sched_interrupted())
		sigsuspend(&old);
	o->job = job;
	o->signal_seen = fc_sched_interrupted();
}

Test(sched, interrupt_stops_launching_and_is_passed_on_to_the_workers, .timeout = 30)
{
	struct fc_sched s = sched(1);
	s.workers = 1;
	s.run = interrupting_job;
	cr_assert_eq(fc_sched_run(&s), 1, "only the running job finishes");
	cr_expect_eq(fc_sched_interrupted(), SIGTERM);
	cr_expect_eq(results[0].signal_seen, SIGTERM, "the worker got the same signal");
	cr_expect_eq(rec.ndone, 1);
}

/* A thread of the process that does not block the stop signals: the kernel
 * hands it a signal sent to the process whenever the scheduler's thread is
 * outside sigwaitinfo (with the signals blocked). */
static void *open_thread(void *arg)
{
	sigset_t none;
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	for (;;)
		pause();
	return arg;
}

/* Waits for the stop to be passed on, at most 10 s (no worker outlives a
 * failed test). */
static void waiting_job(void *ctx, int job, void *result)
{
	struct outcome *o = result;
	sigset_t term;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	struct timespec most = { 10, 0 };
	o->job = job;
	o->signal_seen = fc_sched_interrupted() ? fc_sched_interrupted() : sigtimedwait(&term, NULL, &most);
}

static int ticks;

/* Runs in the scheduler's thread between two waits: it blocks SIGTERM
 * there, so the kernel gives the signal to open_thread; waiting here until
 * open_thread's handler has run (it sets the flag) makes sure that thread,
 * not the scheduler's next sigtimedwait, took the signal. */
static void terminate_from_tick(void *ctx)
{
	if (ticks++ != 0)
		return;
	kill(getpid(), SIGTERM);
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (!fc_sched_interrupted() && now.tv_sec - t0.tv_sec < 5);
}

Test(sched, an_interrupt_taken_by_another_thread_still_reaches_the_workers, .timeout = 15)
{
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, open_thread, NULL), 0);
	struct fc_sched s = sched(1);
	s.workers = 1;
	s.run = waiting_job;
	s.tick = terminate_from_tick;
	s.tick_ns = 20 * 1000 * 1000;
	cr_assert_eq(fc_sched_run(&s), 1, "only the running job finishes");
	cr_expect_eq(fc_sched_interrupted(), SIGTERM);
	cr_expect_eq(results[0].signal_seen, SIGTERM, "the worker got the signal");
}

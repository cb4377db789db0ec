/* The job scheduler of check (and of sweep and explore to come): N jobs,
 * at most J worker processes at once.  Each worker is a process of its own,
 * so that it can be the child subreaper of its run, and sends its job's
 * fixed-size result back in one write.  SIGINT, SIGTERM and SIGHUP stop
 * the launching, are passed on to the workers, and the results already in
 * are kept.  The workers do not outlive the caller (each gets SIGTERM, as
 * an interrupt, when it dies), and nothing a worker leaves outlives it:
 * what comes back to the caller from a worker that died (the target a
 * worker was running, when it was killed) is killed and reaped; a worker
 * stopped (SIGSTOP from its target) is continued. */
#ifndef FC_SCHED_H
#define FC_SCHED_H
#include <stddef.h>
#include <sys/types.h>

struct fc_sched {
	int njobs;
	int workers;        /* J: at most this many at once */
	size_t result_size; /* of one job's result */
	void *results;      /* njobs results of result_size, filled in */
	void *ctx;          /* handed to the callbacks */
	/* In the worker: run JOB, fill RESULT (zeroed). */
	void (*run)(void *ctx, int job, void *result);
	/* In the parent: JOB's worker gave no result (WAIT_STATUS: how it
	 * ended; ERR: why it could not be started, else 0); fill RESULT. */
	void (*lost)(void *ctx, int job, void *result, int wait_status, int err);
	/* In the parent: JOB's result is in; in job order when ORDERED, else
	 * as the jobs finish.  May be NULL. */
	void (*done)(void *ctx, int job, void *result);
	int ordered;
	/* In the parent, at least every TICK_NS while jobs run, and whenever a
	 * worker ends (progress lines); may be NULL. */
	void (*tick)(void *ctx);
	unsigned long long tick_ns;
	/* A child of the caller's that is neither a worker nor left over
	 * (check's cleaner): left alone.  0: none. */
	pid_t keep;
};

/* Runs the jobs; returns how many have their result (all of them unless
 * interrupted), -1 when out of memory.  The calling process becomes the
 * child subreaper of last resort (what a worker leaves comes back to it). */
int fc_sched_run(const struct fc_sched *s);
/* The interrupting signal (0: none).  In the parent, after fc_sched_run
 * (and from its first call on, an interrupt only sets this); in a worker,
 * a stop was asked: end the job early. */
int fc_sched_interrupted(void);
#endif

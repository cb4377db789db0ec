/* Progress lines (progress.h): done/total, failures, time, and once a run
 * is done, the rate and the time left at it. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "progress.h"

struct fc_progress {
	/* shared: workers add with atomics */
	int done, failed;
	/* the parent's own */
	char sub[16], what[32];
	int total, tty, drawn;
	uint64_t interval_ns, start_ns, next_ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct fc_progress *fc_progress_new(const char *sub, const char *what, int total, uint64_t interval_ns)
{
	/* anonymous shared memory: the forked workers' additions are ours */
	struct fc_progress *p = mmap(NULL, sizeof *p, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, sizeof *p);
	snprintf(p->sub, sizeof p->sub, "%s", sub);
	snprintf(p->what, sizeof p->what, "%s", what);
	p->total = total;
	p->tty = isatty(2);
	p->interval_ns = interval_ns;
	p->start_ns = now_ns();
	p->next_ns = p->start_ns + interval_ns;
	return p;
}

void fc_progress_add(struct fc_progress *p, int failed)
{
	if (!p)
		return;
	__atomic_add_fetch(&p->done, 1, __ATOMIC_RELAXED);
	if (failed)
		__atomic_add_fetch(&p->failed, 1, __ATOMIC_RELAXED);
}

void fc_progress_tick(struct fc_progress *p)
{
	uint64_t now = now_ns();
	if (!p || !p->interval_ns || now < p->next_ns)
		return;
	p->next_ns = now + p->interval_ns;
	int done = __atomic_load_n(&p->done, __ATOMIC_RELAXED);
	double elapsed = (now - p->start_ns) / 1e9, rate = elapsed > 0 ? done / elapsed : 0;
	char pace[64] = "";
	/* the rate so far, and the time the rest would take at it */
	if (done && rate > 0)
		snprintf(pace, sizeof pace, ", %.1f/s, ETA %.0f s", rate, (p->total - done) / rate);
	fprintf(stderr, "%s%s: %d/%d %s done, %d failed, %.1f s%s%s", p->tty ? "\r\033[K" : "", p->sub, done, p->total, p->what,
		__atomic_load_n(&p->failed, __ATOMIC_RELAXED), elapsed, pace, p->tty ? "" : "\n");
	fflush(stderr);
	p->drawn = p->tty;
}

void fc_progress_clear(struct fc_progress *p)
{
	if (!p || !p->drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->drawn = 0;
}

void fc_progress_free(struct fc_progress *p)
{
	fc_progress_clear(p);
	if (p)
		munmap(p, sizeof *p);
}

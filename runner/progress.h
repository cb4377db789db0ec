/* Progress of a long run on stderr: "check: 12/40 scenario runs done, 1
 * failed, 8.3 s", at most every INTERVAL and only once a run has lasted
 * that long (a quick run prints nothing); redrawn in place on a terminal,
 * plain lines otherwise.  The counts live in shared memory: the workers,
 * forked after fc_progress_new, add to them; the parent prints. */
#ifndef FC_PROGRESS_H
#define FC_PROGRESS_H
#include <stdint.h>

struct fc_progress;

/* SUB: "check"; WHAT: "scenario runs"; TOTAL of them; INTERVAL_NS 0: never
 * print.  NULL when out of memory (progress is then not shown). */
struct fc_progress *fc_progress_new(const char *sub, const char *what, int total, uint64_t interval_ns);
/* In a worker: one more done (FAILED: and it failed).  NULL: nothing. */
void fc_progress_add(struct fc_progress *p, int failed);
/* In the parent: print if an interval has passed. */
void fc_progress_tick(struct fc_progress *p);
/* Before other output on the same terminal: erase the line drawn. */
void fc_progress_clear(struct fc_progress *p);
void fc_progress_free(struct fc_progress *p);
#endif

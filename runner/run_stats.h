/* The launcher's side of the stats region (inject/stats.h): made before the
 * target starts, read while it runs (for warnings worth giving at once) and
 * when it is done (what each rule did). */
#ifndef FC_RUN_STATS_H
#define FC_RUN_STATS_H
#include <limits.h>
#include <stdio.h>
#include "plan.h"
#include "stats.h"

struct fc_run_stats {
	int fd;        /* the memfd */
	char path[64]; /* FORKCHAOS_STATS: /proc/OUR-PID/fd/FD */
	struct fc_stats *map;
	size_t size;
	const struct fc_plan *plan;
	const char *plan_text;
	int syscall_layer; /* the seccomp supervisor counted the syscall-level rules */
};

/* Make the region; -1 with errno when it cannot be made. */
int fc_run_stats_open(struct fc_run_stats *rs, const struct fc_plan *plan, const char *plan_text);
/* Warnings the target's processes noted (a caller= that names nothing),
 * each printed once, as soon as it is seen. */
void fc_run_stats_notes(struct fc_run_stats *rs, FILE *out);
/* One line per rule: matched, acted, in how many processes; for a rule that
 * matched nothing, the likely reason. */
void fc_run_stats_summary(struct fc_run_stats *rs, FILE *out);
/* The rule's totals (for tests and reports). */
void fc_run_stats_totals(const struct fc_run_stats *rs, int rule, uint64_t *matched, uint64_t *acted, int *procs);
void fc_run_stats_close(struct fc_run_stats *rs);
#endif

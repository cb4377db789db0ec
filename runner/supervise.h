/* forkchaos run as two processes: the launcher, and a supervisor that runs
 * the command's tree (runner/proc.c) and dies with the launcher.  Whatever
 * happens to either, the tree does not outlive the launcher. */
#ifndef FC_SUPERVISE_H
#define FC_SUPERVISE_H
#include "proc.h"

/* As fc_run_target, from a supervisor child: the command's parent is the
 * supervisor, never this process; every signal this process would die of
 * is taken (interrupts passed on, the others dropped) until it returns.
 * ABANDON (or NULL), called in the supervisor when this process died
 * before the command ended, undoes what this process would have (ARG). */
int fc_run_supervised(const struct fc_target *t, struct fc_outcome *out, void (*abandon)(void *arg), void *arg);
#endif

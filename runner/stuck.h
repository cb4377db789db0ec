/* Where a stuck process is, seen from outside it: each thread's state
 * (blocked in the kernel, and where, or running) and a few user-space
 * frames, unwound by libunwind's remote unwinder over ptrace.  It runs in
 * the runner, after the timeout and before the kill, so that nothing of it
 * (libunwind's own descriptors, its allocations) is in the target. */
#ifndef FC_STUCK_H
#define FC_STUCK_H
#include <stddef.h>
#include <sys/types.h>

/* Describes PID's threads into BUF, with the last intercepted call of each
 * from TRACE (a JSON Lines trace; NULL or "": none).  Every wait is
 * bounded; when ptrace cannot attach, the /proc view alone, and why.  PID
 * is our child: if it ended while we looked, we reaped it; its wait status
 * is then in *REAPED and 1 is returned, else 0. */
int fc_describe_stuck(pid_t pid, const char *trace, char *buf, size_t len, int *reaped);
/* The /proc view alone: state, wchan and kernel stack of PID (for a
 * process that outlived SIGKILL, in the kernel, where ptrace cannot go). */
void fc_describe_stuck_proc(pid_t pid, char *buf, size_t len);
#endif

/* Syscall-level injection: the launcher's supervisor answers, through a
 * seccomp user-notification listener, every syscall that a syscall-level
 * rule names (plan.h's via), wherever in the target it is made: inside
 * glibc (fork's clone, posix_spawn's clone3, popen's pipe2), in a static
 * binary, in any thread or descendant.  Every other syscall runs as if
 * there were no filter.  The target runs with no_new_privs. */
#ifndef FC_SECCOMP_LAYER_H
#define FC_SECCOMP_LAYER_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>
#include "plan.h"

struct fc_stats;
struct fc_syslayer;

struct fc_syslayer_conf {
	const struct fc_plan *plan;
	const char *plan_text;
	const char *trace;           /* the trace the shim writes too (absolute), or NULL */
	const uint64_t *trace_calls; /* --trace-calls (FC_CALL_WORDS words), or NULL: every call */
	uint64_t trace_max;          /* --trace-max, 0: no cap */
	uint64_t seed;               /* the run's seed, for prob= without seed= */
	struct fc_stats *stats;      /* the stats region (shared with the shim), or NULL */
	const char *shim;            /* the preloaded shim: its own calls are not the target's */
};

/* Whether a run with PLAN (its TEXT for messages) takes the layer: *ON is
 * 1 when a syscall-level rule needs it and the kernel has it.  When it is
 * missing, a rule with via=syscall given is refused (FC_EXIT_USAGE after a
 * line on stderr) and the others stay at syscall(2) (a note says so);
 * -1: go on. */
int fc_syslayer_decide(const struct fc_plan *plan, const char *text, int *on);
/* 0 when this kernel and sandbox let a process install a seccomp filter
 * that notifies a listener; else -1 and WHY, a few words on what is
 * missing.  Tries it in a forked child: nothing here is changed. */
int fc_syslayer_probe(char *why, size_t len);
/* The supervisor of CONF's syscall-level rules, with its filter built; NULL
 * and a message in ERR when it cannot be made. */
struct fc_syslayer *fc_syslayer_new(const struct fc_syslayer_conf *conf, char *err, size_t len);

/* What a run with a layer adds to the command's environment: the shim then
 * leaves the syscall-level rules to the supervisor (and says via:api). */
#define FC_SYSLAYER_ENV "FORKCHAOS_SYSCALL_LAYER=1"

/* After fc_syslayer_end (or instead of a run): every byte it holds.  A
 * layer serves one run: another run (sweep's) makes its own. */
void fc_syslayer_free(struct fc_syslayer *l);

/* proc.c's hooks, in the order a run takes them.  Before the fork: -1 and
 * errno when the channel for the listener cannot be made. */
int fc_syslayer_before_fork(struct fc_syslayer *l);
/* In the command's child, the last thing before exec: no_new_privs, the
 * filter, its listener sent to the parent.  On failure the parent is told
 * and the child exits 127. */
void fc_syslayer_child(struct fc_syslayer *l);
/* In the parent: takes the listener and answers the child's calls until
 * REPORT_FD (close-on-exec, written with the exec's errno on failure) says
 * the exec is done.  *EXEC_ERR: the exec's errno, or why the filter could
 * not be installed (0: the command runs). */
void fc_syslayer_started(struct fc_syslayer *l, pid_t pid, int report_fd, int *exec_err);
/* sigtimedwait(SET, INFO, TIMEOUT), answering notifications meanwhile (the
 * signals of SET are blocked).  Without a listener: sigtimedwait. */
int fc_syslayer_wait(struct fc_syslayer *l, const sigset_t *set, siginfo_t *info, const struct timespec *timeout);
/* The command is done: the last trace lines, the listener closed (a call
 * still trapped then fails with ENOSYS: its process is being killed). */
void fc_syslayer_end(struct fc_syslayer *l);
#endif

/* Running one target under the shim: environment, process group, child
 * subreaper, timeout, and killing and reaping the whole tree. */
#ifndef FC_PROC_H
#define FC_PROC_H
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

struct fc_syslayer;

struct fc_target {
	char *const *argv;            /* the command */
	const char *shim;             /* absolute path of libforkchaos.so, or NULL: no shim */
	const char *plan;             /* NULL or "": pass everything through */
	const char *trace;            /* absolute path, or NULL */
	const char *seed;             /* decimal, or NULL */
	const char *const *extra_env; /* "NAME=VALUE" entries, NULL-terminated, or NULL */
	uint64_t timeout_ns;
	int stdin_fd, stdout_fd, stderr_fd; /* -1: inherit */
	void (*tick)(void *arg);            /* called at least every 100 ms while it runs */
	void *tick_arg;
	/* Set by a supervisor (supervise.h); all zero: none. */
	const sigset_t *exec_mask;    /* the signal mask CMD starts with (NULL: the caller's) */
	pid_t interrupt_from;         /* only interrupts from this pid count, and every other signal
				    * the runner would die of is taken and dropped (0: any sender;
				    * only SIGINT, SIGTERM, SIGHUP, SIGQUIT are taken) */
	pid_t parent;                 /* when the runner's parent is no longer this pid (it was
				    * killed), the tree is killed at once (out->orphaned) */
	pid_t *started;               /* where CMD's pid is stored as soon as it is forked */
	pid_t terminal_pgrp;          /* the foreground process group that hands the terminal to
				    * CMD and gets it back (0: the runner's own) */
	struct fc_syslayer *syslayer; /* syscall-level rules' supervisor (seccomp_layer.h), or NULL */
};

#define FC_MAX_SIGNALED 4

struct fc_outcome {
	int exec_errno; /* the command could not be started */
	int status;     /* wait status of the command */
	int timed_out;
	int interrupted;            /* the runner got SIGINT/SIGTERM/SIGHUP (passed on) */
	int killed_after_interrupt; /* ... and the command outlived the grace */
	int strays;                 /* descendants alive or zombie when the command ended */
	char strays_what[512];      /* which: "1 zombie (...): pid N [comm]; 1 alive (...): pid N CMDLINE" */
	int signaled;               /* orphans the runner reaped that had died by a signal of their own */
	struct {
		int pid, sig;
	} signaled_first[FC_MAX_SIGNALED]; /* the first of them */
	char stuck[1536];                  /* on timeout: where the command was stuck, thread by thread */
	int orphaned;                      /* the runner's parent died: the tree was killed at once */
	int supervisor_signal;             /* the signal that killed forkchaos' supervisor (the
					    * launcher watched the command itself from then on) */
};

/* Runs T to completion (or its timeout), reaps every descendant.  SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT are passed on to CMD's process group. */
int fc_run_target(const struct fc_target *t, struct fc_outcome *out);
/* The waiting half of fc_run_target, for PID (our child, in its own process
 * group) until DEADLINE (fc_now_ns); then the terminal goes back to the
 * process group TTY_OWNER (0: not ours to give).  The signals it waits for
 * must be blocked already. */
void fc_watch_target(pid_t pid, const struct fc_target *t, struct fc_outcome *out, uint64_t deadline, pid_t tty_owner);
/* Every signal a runner takes rather than die of: all but the uncatchable,
 * job control's, the ignored-by-default and the faults. */
void fc_runner_signals(sigset_t *set);
void fc_hand_terminal(pid_t pgrp);
uint64_t fc_now_ns(void);
/* The children of PID (every thread's), at most MAX into KIDS: how many. */
int fc_list_children(pid_t pid, pid_t *kids, int max);
/* The exit code `forkchaos run` gives for an outcome: the command's own,
 * 128+N for death by signal N, 124 on timeout, 2 if it could not start. */
int fc_outcome_exit_code(const struct fc_outcome *out);
/* Find libforkchaos.so: $FORKCHAOS_SHIM, beside the executable, ../lib. */
const char *fc_find_shim(char *buf, size_t len);
int fc_parse_duration_arg(const char *text, uint64_t *ns);
/* A seed: a decimal number that fits 64 bits (what the shim accepts). */
int fc_parse_seed(const char *text);
#endif

/* ffdriver's parts: the pattern list (ffdriver.def), its table and main
 * (ffdriver.c), one file per family of windows (ffdriver_lifecycle.c,
 * _signals.c, _errors.c, _races.c) and what they share (ffdriver_children.c): the library under test, the
 * children the patterns make and hold, the application's own SIGCHLD
 * handler, and bounded waits on what /proc and kill(0) say. */
#ifndef FC_FFDRIVER_H
#define FC_FFDRIVER_H
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include "observe.h"

/* A pattern's arguments: the command line's, else the table's defaults. */
struct fc__args {
	int num[2];       /* N, or T N */
	const char *word; /* an errno name */
	int path_flags;   /* FFD_USE_FORK (--generic, the default) or 0 (--pidfd) */
};

typedef int fc__pattern_fn(const struct fc__args *args);

/* The patterns (ffdriver.def). */
#define P(name, run, ...) fc__pattern_fn run;
#include "ffdriver.def"
#undef P

/* The libffd under test (obs_load fills it). */
extern struct ffd_api fc__ffd;

/* The application's own SIGCHLD handler, installed before libffd's, and
 * how often it ran. */
extern volatile sig_atomic_t fc__old_calls;
void fc__install_old_handler(void);
int fc__old_handler_in_place(void);
/* Wait (bounded) for it to have run EXPECTED times: a SIGCHLD is delivered
 * asynchronously, and a missing one must not hang us. */
void fc__settle_old_handler(int expected, int max_ms);

/* A gate holds children until the parent opens it: each held child blocks
 * reading its read end, and reads EOF once every write end is closed. */
struct fc__gate {
	int rd, wr;
};
void fc__gate_make(struct fc__gate *gate);
/* Close the parent's ends: the children held by GATE go on and exit. */
void fc__gate_open(struct fc__gate *gate);

/* ffd_fork (FLAGS) a held child: it waits for GATE to open (NULL: it does
 * not wait), then exits as child ID should (a code, or SIGTERM for every
 * fifth), which fc__reap_reported expects.  The parent gets the descriptor
 * (and *PID, PID may be NULL), or -1 with ffd_fork's errno. */
int fc__held_child(int flags, int id, const struct fc__gate *gate, pid_t *pid);
/* The same for a child whose status the pattern reports: says "spawned ID"
 * first, and a failure is a "result ffd_fork" line (then -1). */
int fc__held_child_spawned(int flags, int id, const struct fc__gate *gate, pid_t *pid);
/* fc__held_child_spawned for a pattern that cannot go on without it: a
 * failure ends the run (obs_library_failed). */
int fc__held_child_or_die(int flags, int id, const struct fc__gate *gate, pid_t *pid);

/* ffd_wait FD (OPTIONS) and describe the outcome: a status, or "error:ERRNO". */
const char *fc__wait_status(int fd, int options, char *buf, size_t len);
/* Wait for child ID behind FD and report its status against the expected one. */
void fc__wait_and_report(int id, int fd);
/* fc__wait_and_report, then ffd_close: its result (errno set on failure). */
int fc__reap_reported(int id, int fd);
/* Wait (blocking, even on an FFD_NONBLOCK descriptor) and close, reporting
 * nothing: for a child that was not the point of the pattern. */
void fc__reap_quietly(int fd);

uint64_t fc__now_ms(void);
/* Wait (bounded, 5 s) until thread TID of PID sleeps in syscall NR (with
 * first argument ARG, if ARG >= 0); 0 when it never did.  /proc is the way
 * to know, not to guess, that a window is open. */
int fc__await_syscall(pid_t pid, pid_t tid, long nr, long arg);
/* Is PID reaped (gone) within MAX_MS?  A zombie still answers kill(0). */
int fc__reaped_within(pid_t pid, int max_ms);
/* Install HANDLER for SIG, SA_RESTART. */
void fc__on_signal(int sig, void (*handler)(int));
#endif

/* uvdriver's parts: the mode list (uvdriver.def), its table and main
 * (uvdriver.c), the run every mode shares (uvdriver_run.c: the loop, the
 * children it spawns and hears of, bounded waits), and the modes by family
 * (uvdriver_spawn.c: uv_spawn on its own; uvdriver_owners.c: another
 * component of the process touches SIGCHLD too).
 *
 * uvdriver drives libuv, a library nobody here wrote, linked as the system
 * has it (Debian's libuv1): its children are uvdriver itself (`uvdriver
 * child ID`), which reads its stdin to the end and exits as child ID should,
 * so that a child held on a gate dies exactly when the driver says. */
#ifndef FC_UVDRIVER_H
#define FC_UVDRIVER_H
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>
#include "observe.h"

/* A mode's arguments: the command line's, else the table's defaults. */
struct fc__uv_args {
	int num;
	const char *word;
	int pipes; /* --pipes: the children's stdin and stdout are libuv pipes */
};

typedef int fc__uv_mode_fn(const struct fc__uv_args *args);
#define M(name, run, ...) fc__uv_mode_fn run;
#include "uvdriver.def"
#undef M

/* The hidden mode of the children: read stdin to its end, then exit as
 * child ID should. */
int fc__uv_child(int id);

/* How a child is spawned. */
enum {
	FC_UV_PIPES = 1, /* stdin and stdout: pipes libuv makes (socketpairs) */
	FC_UV_GATED = 2, /* stdin: the gate, so the child lives until it opens */
};

#define FC_UV_MAX_KIDS 128

struct fc__uv_kid {
	uv_process_t proc;
	uv_pipe_t io[2];
	int id, pid, nio;
	int delivered;    /* exit callbacks */
	int spawned;      /* uv_spawn succeeded: a status is expected */
	uint64_t dead_ms; /* when it was first seen dead (zombie or gone), 0 not yet */
};

struct fc__uv_run {
	uv_loop_t loop;
	uv_timer_t tick;
	int before;  /* the fd census after the loop was made */
	int gate[2]; /* held children read gate[0] until gate[1] is closed */
	struct fc__uv_kid kids[FC_UV_MAX_KIDS];
	int nkids;
	uint64_t give_up_ms;
};

/* Says which libuv, makes the loop and takes the fd census (exit 2 if it
 * cannot). */
void fc__uv_begin(struct fc__uv_run *u);
/* uv_spawn child ID (FLAGS) running FILE (NULL: ourselves); libuv's result
 * (0, or a negative UV_E* code).  Says "spawned ID" when it worked. */
int fc__uv_spawn_kid(struct fc__uv_run *u, int id, int flags, const char *file);
/* Reports a uv_spawn that had to fail with EXPECTED (an errno name). */
void fc__uv_report_failure(int rc, const char *expected);
/* The children held by the gate go on and exit. */
void fc__uv_open_gate(struct fc__uv_run *u);
/* Runs the loop until every spawned child's exit callback came, or every
 * child not heard of has been dead (a zombie, or reaped by someone else)
 * for long enough that libuv would have said so (bounded: 5 s in all). */
void fc__uv_await(struct fc__uv_run *u);
/* Closes every handle, reports the fd census and closes the loop: 0. */
int fc__uv_end(struct fc__uv_run *u);

/* What child ID is expected to end with: "exited:N" or "killed:SIG". */
const char *fc__uv_expected(int id, char *buf, size_t len);
/* An errno name's number, 0 for none (exit 2). */
int fc__uv_errno_named(const char *name);
uint64_t fc__uv_now_ms(void);
/* Waits (bounded, 5 s) until thread TID of this process sleeps in syscall
 * NR: /proc is the way to know that a window is open, not a sleep. */
int fc__uv_await_syscall(pid_t tid, long nr);
/* SIG's disposition now, as a word: SIG_DFL, SIG_IGN or handler. */
const char *fc__uv_disposition(int sig);
#endif

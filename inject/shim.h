/* Internals of the LD_PRELOAD shim.  Everything here runs inside the target:
 * async-signal-safe, no locks, no malloc on the decision path. */
#ifndef FC_SHIM_H
#define FC_SHIM_H
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include "plan.h"

#define FC_HIDDEN __attribute__((visibility("hidden")))
#define FC_LIKELY(x) __builtin_expect(!!(x), 1)
#define FC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define FC_VERSION "0.1.0"

/* One intercepted call on its way through the shim (on the caller's stack). */
struct fc_call {
	int id;
	long nr;         /* syscall number when reached through syscall(2) */
	int sig, fd;     /* the arguments sig= and fd= compare, -1 if none */
	void *ra;        /* return address into the caller */
	int rule;        /* index of the winning rule, -1 if none */
	unsigned long n; /* the winning rule's count for this call */
	int saved_errno; /* errno as the caller left it */
	int at;          /* where the winning rule acts */
	int child_side;  /* 1: this is the child's return from fork/clone */
	int injected;    /* 1: the real call's result was replaced or skipped */
	int ret_unknown; /* 1: the result is not seen (vfork passes through) */
};

/* Process-wide state, written by the constructor and by the fork child. */
struct fc_state {
	int active;                      /* a plan or a trace is on */
	int trace_fd;                    /* -1: no trace */
	int trace_all_mem;               /* trace %mem calls even when no rule names them */
	fc_ruleset rules_for[FC_NCALLS]; /* the rules that name each call */
	struct fc_plan plan;
	char plan_text[FC_PLAN_MAX];
	uint64_t seed;
	uint64_t lineage;    /* fork path since the last exec */
	unsigned long forks; /* forks done by this process */
	pid_t root_pid;      /* the target's first process: proc=parent */
	pid_t my_pid;        /* cached: getpid() is a syscall */
	pid_t last_child;    /* for signal=...@child */
	char trace_path[512];
};
extern struct fc_state fc__state FC_HIDDEN;
extern void *fc__real[FC_NCALLS] FC_HIDDEN;
/* 1: the shim may have something to do for this call (a rule names it, it
 * is traced, or it makes children while a plan or trace is on); 0 is the
 * generated wrappers' fast path. */
extern unsigned char fc__armed[FC_NCALLS] FC_HIDDEN;
extern void *fc__real_vfork FC_HIDDEN;
extern __thread int fc__guard FC_HIDDEN __attribute__((tls_model("initial-exec")));

void *fc__resolve(int id) FC_HIDDEN;
#define FC_REAL(name) (fc__real[FC_ID_##name] ? fc__real[FC_ID_##name] : fc__resolve(FC_ID_##name))

/* engine.c: the decision.  fc__enter fills C and returns 1 when the shim has
 * anything to do for this call (a rule names it or it is traced); NR is the
 * syscall(2) number, -1 for a libc call.  fc__arm fills rules_for and
 * fc__armed from the plan. */
int fc__enter(struct fc_call *c, int id, long nr, int sig, int fd, void *ra) FC_HIDDEN;
void fc__arm(void) FC_HIDDEN;
void fc__before_fork(void) FC_HIDDEN;
void fc__after_fork_child(void) FC_HIDDEN;
void fc__forked_child(struct fc_call *c, int traced) FC_HIDDEN;
uint64_t fc__mix64(uint64_t x) FC_HIDDEN;
/* Just before a call that replaces the process image (the exec family):
 * the shim writes what it has to say of this image (its counts, the last
 * trace line) and its errno is left as it was. */
void fc__before_exec(void) FC_HIDDEN;
void fc__note_child(pid_t pid) FC_HIDDEN;
const struct fc_rule *fc__rule(const struct fc_call *c) FC_HIDDEN;

/* actions.c: pre runs the enter-side actions and returns 1 when the real call
 * must be skipped (its result is then *ret); post runs the exit side, traces,
 * and returns the value to hand back.  inside raises an at=inside signal. */
int fc__pre(struct fc_call *c, long *ret) FC_HIDDEN;
void fc__inside(struct fc_call *c) FC_HIDDEN;
long fc__post(struct fc_call *c, long ret) FC_HIDDEN;
int fc__wants_inside(const struct fc_call *c) FC_HIDDEN;

/* symtab.c: the symbol index; caller.c: caller= with depth. */
void fc__symtab_refresh(void) FC_HIDDEN;
int fc__caller_in_rule(int rule, void *ra) FC_HIDDEN;
int fc__lib_in_rule(int rule, void *ra) FC_HIDDEN;
const char *fc__symtab_describe(void *ra, char *buf, size_t len) FC_HIDDEN;
int fc__caller_matches(int rule, int depth, void *ra) FC_HIDDEN;
int fc__symtab_resolved(int rule, int callers); /* ranges found for caller= (or lib=) */

/* trace.c */
void fc__trace_open(void) FC_HIDDEN;
void fc__trace_event(const struct fc_call *c, long ret, int err) FC_HIDDEN;
void fc__trace_warning(const char *what, const char *name, const char *why) FC_HIDDEN;
void fc__trace_guard_fd(int fd) FC_HIDDEN;
int fc__trace_range_begin(unsigned first, unsigned last, int cloexec_only) FC_HIDDEN;
void fc__trace_range_end(int hit) FC_HIDDEN;

#endif

/* The plan: parsed once from FORKCHAOS_PLAN into fixed arrays (no malloc),
 * shared by the shim (which acts on it) and the launcher (which validates it
 * before it runs anything). */
#ifndef FC_PLAN_H
#define FC_PLAN_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A set of rules is one word: the shim keeps one per call and walks it with
 * __builtin_ctz, so the rule limit is the width of that word. */
typedef uint32_t fc_ruleset;
#define FC_MAX_RULES 32
_Static_assert(FC_MAX_RULES <= sizeof(fc_ruleset) * CHAR_BIT, "every rule needs a bit in fc_ruleset");
_Static_assert(sizeof(fc_ruleset) <= sizeof(unsigned), "fc_ruleset is walked with __builtin_ctz");
#define FC_MAX_NRS 8
#define FC_MAX_DEPTH 32 /* caller=...:depth=N, frames above the wrapper */
/* The longest plan text, its NUL included.  The shim holds the text and the
 * parsed plan in its static memory (fc_state); the one stack copy is the
 * trace's header line, written by the constructor on the main stack.  A
 * longer plan is refused with this limit named. */
#define FC_PLAN_MAX 16384
/* A rule's action items as the trace's "injected" shows them, "KEY=VALUE"
 * joined by ':'.  Each action key comes once in a rule and each value has a
 * bounded length (a number at most 20 digits or 0x and 16, an errno name 15,
 * a duration 14, a signal SIGRTMAX-0x...@process 35, an oldact= word 15,
 * reap= 3, child_death= 4), so all ten take at most 224 bytes: every item
 * fits.  (Were it ever not so, the text would end with "..." and take no
 * later item.) */
#define FC_ACTION_TEXT_MAX 256
#define FC_SYM_MAX 96

/* The %classes a plan can name: one bit each, and the name. */
#define FC_CLASSES(X) X(PROC, "%proc") X(FD, "%fd") X(SIGNAL, "%signal") X(WAIT, "%wait") X(MEM, "%mem")
enum fc_class_bit {
#define X(cls, text) FC_CLASS_BIT_##cls,
	FC_CLASSES(X)
#undef X
		FC_NCLASSES
};
enum fc_class {
#define X(cls, text) FC_CLASS_##cls = 1 << FC_CLASS_BIT_##cls,
	FC_CLASSES(X)
#undef X
};
struct fc_class_info {
	unsigned cls;
	const char *name;
};
extern const struct fc_class_info fc_classes[FC_NCLASSES];

/* The facts a line of calls.def or syscalls.def states (facts.h), one bit
 * each in fc_calls[].flags, for the parser, the engine and the trace. */
enum fc_fact {
	FC_F_RET_FD = 1 << 0,      /* returns a new descriptor */
	FC_F_RET_CHILD = 1 << 1,   /* returns the pid of a new child (or a thread's tid) */
	FC_F_RET_ERRNO = 1 << 2,   /* returns the errno, 0 on success; errno untouched */
	FC_F_RET_PTR = 1 << 3,     /* returns a pointer, NULL on failure */
	FC_F_RET_HANDLER = 1 << 4, /* returns the old handler, SIG_ERR on failure */
	FC_F_FD_PAIR = 1 << 5,     /* fills a pair of new descriptors */
	FC_F_BLOCKING = 1 << 6,    /* may sleep: a signal interrupts it with EINTR */
	FC_F_REAPS = 1 << 7,       /* the wait family: may reap a child */
	FC_F_ENTER_ONLY = 1 << 8,  /* can act only at enter (vfork: the child runs on our stack) */
	FC_F_FD_ARG = 1 << 9,      /* has an argument that fd= compares */
	FC_F_SIG_ARG = 1 << 10,    /* has an argument that sig= compares */
	FC_F_GUARD = 1 << 11,      /* may close or replace one descriptor */
	FC_F_RANGE = 1 << 12,      /* may close a range of descriptors */
	FC_F_INSIDE = 1 << 13,     /* has an output at=inside can hold back */
	FC_F_NOTE_CHILD = 1 << 14, /* stores a new child's pid through an argument */
	FC_F_FORKS = 1 << 15,      /* may return twice: the child counts again from 1 */
	FC_F_VARARG = 1 << 16,     /* variadic: one word after the last named argument */
	FC_F_REAL = 1 << 17,       /* the real call is linked directly, not found by dlsym */
	FC_F_SYS = 1 << 18,        /* a line of syscalls.def: reached through syscall(2) */
	FC_F_HANDLER = 1 << 19,    /* installs a signal disposition (the trace names it) */
	FC_F_EXECS = 1 << 20,      /* replaces the process image on success */
	FC_F_REAPS_INFO = FC_F_REAPS,
	FC_F_ATFORK = 1 << 26, /* fork() itself: glibc runs the atfork handlers in its child */
	FC_F_FORKS_ATFORK = FC_F_FORKS | FC_F_ATFORK,
	FC_F_SHARES_VM = 0, /* describes nothing the parser needs */
	FC_F_BOOT = 0,
	FC_F_FROM_BOOT = 0,
	FC_F_CLOSES = 1 << 22,       /* releases its FD_ARG descriptor */
	FC_F_LIMITS = 1 << 23,       /* may change a resource limit the trace minds */
	FC_F_EINTR_NORMAL = 1 << 24, /* returns EINTR by design (sigsuspend) */
	FC_F_NO_RESTART = 1 << 25,   /* never restarted after a handler, SA_RESTART or not (signal(7)) */
	FC_F_TRAMPOLINE = 1 << 21,   /* installs handlers: off the fast path while handlers are tracked */
	FC_F_VIA = FC_F_TRAMPOLINE,
	FC_F_SIGINTERRUPT = FC_F_TRAMPOLINE,
	FC_F_RAW_HANDLERS = FC_F_TRAMPOLINE,
};

/* Call ids, one per line of calls.def, then one per line of syscalls.def,
 * then the pseudo-call "syscall" that stands for any syscall(2) number
 * without a line of its own. */
enum fc_call_id {
#define CALL(name, ...) FC_ID_##name,
#define OWN CALL
#define SYSCALL(name, ...) FC_ID_sys_##name,
#include "calls.def"
#include "syscalls.def"
#undef CALL
#undef OWN
#undef SYSCALL
	FC_ID_syscall,
	FC_NCALLS
};

struct fc_call_info {
	const char *name;
	unsigned cls;   /* enum fc_class */
	unsigned flags; /* enum fc_fact */
	long nr;        /* syscall number of a syscalls.def line, else -1 */
	const char *errnos;
};
extern const struct fc_call_info fc_calls[FC_NCALLS];

enum {
	FC_ACT_ERROR = 1,
	FC_ACT_RETVAL = 2,
	FC_ACT_DELAY = 4,
	FC_ACT_DELAY_EXIT = 8,
	FC_ACT_SIGNAL = 16,
	FC_ACT_WAIT_CHILD = 32,
	FC_ACT_REAP = 64,         /* reap=any: a foreign reaper takes the dead children */
	FC_ACT_OLDACT = 128,      /* oldact=: sigaction reports another prior disposition */
	FC_ACT_CHILD_DEATH = 256, /* child_death=: a helper child dies at the point */
};
/* What happens at the rule's side (at=): the events of the point. */
#define FC_ACT_EVENTS (FC_ACT_SIGNAL | FC_ACT_REAP | FC_ACT_CHILD_DEATH)
enum fc_at { FC_AT_ENTER, FC_AT_INSIDE, FC_AT_EXIT };
/* OTHER: another thread of the process than the caller (none: no signal). */
enum fc_sigdest { FC_DEST_SELF, FC_DEST_THREAD, FC_DEST_PROCESS, FC_DEST_PARENT, FC_DEST_CHILD, FC_DEST_OTHER };
/* oldact=: the prior disposition another component could have left. */
enum fc_oldact {
	FC_OLDACT_IGN = 1,
	FC_OLDACT_DFL,
	FC_OLDACT_IGN_SIGINFO,
	FC_OLDACT_DFL_SIGINFO,
	FC_OLDACT_HANDLER,
	FC_OLDACT_HANDLER_SIGINFO
};
/* child_death=: how the helper dies. */
enum fc_death { FC_DEATH_EXIT, FC_DEATH_KILL };
enum fc_proc { FC_PROC_ANY, FC_PROC_PARENT, FC_PROC_CHILD };
/* Where a rule catches its calls (via=): at the entry points the shim wraps
 * (and syscall(2)), or at the syscall itself, wherever it is made, through
 * the seccomp supervisor of `forkchaos run` (runner/seccomp.c). */
enum fc_via { FC_VIA_API, FC_VIA_SYSCALL };

struct fc_rule {
	uint64_t calls[(FC_NCALLS + 63) / 64]; /* bitset of call ids */
	long nrs[FC_MAX_NRS];                  /* syscall:nr= filter, for FC_ID_syscall */
	int n_nrs;
	/* actions */
	unsigned actions;
	int error;
	long retval;
	uint64_t delay_ns, delay_exit_ns;
	uint64_t wait_child_ns; /* wait_child=: at most this long */
	int signo, sigdest, at;
	int oldact; /* enum fc_oldact */
	int death;  /* enum fc_death */
	/* selectors */
	bool has_when;
	unsigned long when_first, when_last, when_step; /* last 0: open-ended */
	bool has_prob, has_seed;
	uint64_t prob_threshold; /* fires when hash < threshold; UINT64_MAX: always */
	uint64_t seed;
	char caller[FC_SYM_MAX]; /* as written: SYMBOL, or OBJECT+0xOFFSET */
	int depth;               /* caller= looks at this many frames above the wrapper */
	/* caller=OBJECT+0xOFFSET (a call site, the trace's `site`): OBJECT is
	 * the first site_len bytes of caller[], 0 when caller= names a function */
	int site_len;
	uint64_t site_off;
	char lib[FC_SYM_MAX];
	int proc;
	int sel_sig, sel_fd; /* -1: not set */
	int via;             /* enum fc_via: given (via_given) or settled by the parser */
	bool via_given;
	/* for messages and the trace */
	char action_text[FC_ACTION_TEXT_MAX];
	int text_off, text_len;
};

struct fc_plan {
	int nrules;
	struct fc_rule rules[FC_MAX_RULES];
	bool uses_prob_without_seed;
};

/* Parse TEXT into PLAN.  On error returns -1 and writes one line into ERR:
 * "bad plan: rule N `...`, column C: expected ...".  Never allocates. */
int fc_plan_parse(const char *text, struct fc_plan *plan, char *err, size_t errlen);

/* A plan file (--plan-file): '#' starts a comment to the end of the line,
 * blank lines are skipped, each line holds one rule or several separated by
 * ';'.  Writes the plan text the shim gets (the lines' rules joined by ';')
 * into BUF (LEN bytes, at most FC_PLAN_MAX are used) and returns 0 once the
 * parser accepted it; else -1 and one line in ERR, "FILE:LINE:COL: ..." or
 * "FILE: ...".  For the launcher: it reads the file with open/read. */
int fc_plan_file_read(const char *path, char *buf, size_t len, char *err, size_t errlen);

/* Warnings that do not stop the run (an errno the call does not document).
 * Returns the number of warnings written to the fd. */
int fc_plan_warn(const struct fc_plan *plan, const char *text, int fd);

int fc_call_lookup(const char *name, size_t len);
/* A comma-separated list of call names and %classes into a bitset of call
 * ids (FC_CALL_WORDS words); -1 and a message in ERR for an unknown name. */
#define FC_CALL_WORDS ((FC_NCALLS + 63) / 64)
int fc_call_set_parse(const char *text, uint64_t *set, char *err, size_t errlen);
int fc_errno_lookup(const char *name, size_t len);  /* -1 when unknown */
int fc_signal_lookup(const char *name, size_t len); /* -1 when unknown */
bool fc_rule_has_call(const struct fc_rule *rule, int id);
int fc_duration_parse(const char *s, size_t len, uint64_t *ns);
long fc_sysname_lookup(const char *name, size_t len); /* -1 when unknown */
/* The sys_NAME a number goes by ("sys_" included), or NULL when unknown. */
const char *fc_sysname_of(long nr, char *buf, size_t len);

/* plan_via.c: the syscall numbers a syscall-level rule names (at most MAX
 * into NRS; returns how many), and whether the plan has such rules. */
int fc_rule_syscall_nrs(const struct fc_rule *rule, long *nrs, int max);
/* The first rule with via=syscall given, or -1: a plan that cannot run
 * without the supervisor. */
int fc_plan_needs_layer(const struct fc_plan *plan);
/* How many rules act at the syscall level (given or settled). */
int fc_plan_syscall_rules(const struct fc_plan *plan);

#endif

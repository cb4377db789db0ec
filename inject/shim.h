/* Internals of the LD_PRELOAD shim.  Everything here runs inside the target:
 * async-signal-safe, no locks, no malloc on the decision path. */
#ifndef FC_SHIM_H
#define FC_SHIM_H
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <limits.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/single_threaded.h>
#include <sys/types.h>
#include <sys/wait.h>
#include "plan.h"

#define FC_HIDDEN __attribute__((visibility("hidden")))
#define FC_LIKELY(x) __builtin_expect(!!(x), 1)
#define FC_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* errno put back as it was: written only when it changed.  errno shares
 * its page with the thread's descriptor, which a fork child's kernel side
 * writes: a store there after each fork, even of the same value, is a
 * copy-on-write fault in the parent (a few µs), on every call that a
 * caller= rule looks up or the trace writes. */
#define FC_ERRNO_BACK(err)               \
	do {                             \
		int fc_err_ = (err);     \
		if (errno != fc_err_)    \
			errno = fc_err_; \
	} while (0)
#define FC_VERSION "0.1.0"
/* The code a fork child runs before its first call of its own and on its
 * way out (the atfork handler, the reset, _exit): in one place.  A child's
 * page tables start without the parent's code, so each 64 KiB of the
 * shim's text it reaches is a page fault of its own (on every fork). */
#define FC_FORK_PATH __attribute__((section(".text.hot.fc_fork")))

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
	int on_trace_fd; /* 1: its descriptor argument is the trace's: EBADF */
	/* What the wrapper's hooks saw, for the trace (seen.c) */
	unsigned seen; /* enum fc_seen bits: which of the fields below are set */
	int fds[2];    /* FC_SEEN_FDS: descriptors the call made (nfds of them) */
	int nfds;
	pid_t child; /* FC_SEEN_CHILD: the child it made */
	long wpid;   /* FC_SEEN_WAIT: the wait family's pid/id and options */
	int options;
	pid_t reaped; /* FC_SEEN_REAPED: what it reaped, and its wait status */
	int wstatus;
	const void *handler; /* FC_SEEN_HANDLER: the disposition installed, */
	int hflags;          /* its sa_flags (-1: none given) */
};

enum fc_seen {
	FC_SEEN_FDS = 1,
	FC_SEEN_CHILD = 2,
	FC_SEEN_WAIT = 4,
	FC_SEEN_REAPED = 8,
	FC_SEEN_HANDLER = 16,
};

/* The oracles the shim computes (oracles.c, handlers.c). */
enum fc_shim_oracle {
	FC_ORC_FDS = 1,
	FC_ORC_DOUBLE_CLOSE = 2,
	FC_ORC_EINTR = 4,
	FC_ORC_CHAINED = 8,
	FC_ORC_ERRNO = 16,
};

/* HANDLER of a call that installs nothing (sigaction with act NULL). */
#define FC_NO_HANDLER ((const void *)-2)

/* Process-wide state, written by the constructor and by the fork child. */
struct fc_state {
	/* What a process writes as it counts and forks, first and together:
	 * a page written after a fork is a copy-on-write fault in the parent
	 * and in the child (a few µs each on this machine class), so these
	 * share the first page (the struct is page-aligned) */
	_Alignas(4096) uint64_t *matched; /* this process's counts: its stats slot's, */
	uint64_t lineage;                 /* fork path since the last exec */
	uint64_t *acted;                  /* or private_matched/acted (life.c); apart, so
					   * that no vector store of the two reads a
					   * constant from .rodata (a child's fault) */
	unsigned long forks;              /* forks done by this process */
	pid_t my_pid;                     /* cached: getpid() is a syscall */
	pid_t last_child;                 /* for signal=...@child */
	pid_t ended_pid;                  /* the image whose exit line is written (life.c) */
	int fork_with_threads;            /* it had threads when it last forked (engine.c) */
	int index_used;                   /* the symbol index was built, or is being (caller=, lib=, trace) */
	int vforked;                      /* a vfork child may be running (set before each: handlers.c) */
	int slot_pending;                 /* a fork child's slot, taken at its first count (life.c) */
	pid_t parent_pid;                 /* ... and the pid its slot says is its parent */
	uint64_t private_matched[FC_MAX_RULES], private_acted[FC_MAX_RULES];
	int active;                      /* a plan or a trace is on */
	int trace_fd;                    /* -1: no trace (or not at this instant) */
	int trace_open;                  /* the trace was opened for this image */
	int trace_all_mem;               /* trace %mem calls even when no rule names them */
	fc_ruleset rules_for[FC_NCALLS]; /* the rules that name each call */
	struct fc_plan plan;
	char plan_text[FC_PLAN_MAX];
	uint64_t seed;
	pid_t root_pid;                              /* the target's first process: proc=parent */
	char trace_path[4096];                       /* absolute: the trace survives a chdir */
	uint64_t trace_calls[(FC_NCALLS + 63) / 64]; /* --trace-calls: the calls traced */
	int trace_filtered;                          /* 0: every call (but %mem) is traced */
	uint64_t trace_max;                          /* --trace-max: bytes, 0: no cap */
	char report_path[4096];                      /* $FORKCHAOS_REPORT: observations */
	int track_handlers;                          /* handlers run through the trampoline */
	unsigned oracles;                            /* FORKCHAOS_ORACLES: enum fc_shim_oracle bits */
	const uint64_t *root_start_fds;              /* fds: the first process's descriptors at its start */
	int syscall_layer;                           /* FORKCHAOS_SYSCALL_LAYER: the supervisor acts on via=syscall rules */
};
extern struct fc_state fc__state FC_HIDDEN;
extern void *fc__real[FC_NCALLS] FC_HIDDEN;
/* Whether the shim may have something to do for this call: FC_ARMED_NO
 * is the generated wrappers' fast path (a load and a tail call); COUNT, a
 * call only rules name, goes as far as counting (fc__enter_counted); FULL
 * (it is traced or observed, it makes children, its hooks have work while
 * a plan or trace is on) takes every step. */
enum { FC_ARMED_NO, FC_ARMED_COUNT, FC_ARMED_FULL };
extern unsigned char fc__armed[FC_NCALLS] FC_HIDDEN;
/* A call armed FC_ARMED_COUNT that one rule alone names, with no selector
 * but the call: the rule, and the counts it may fire on (outside them, it
 * never does).  The wrapper counts such a call itself (fc__count_sole). */
struct fc_sole {
	int rule; /* -1: not such a call */
	unsigned long first, last;
};
extern struct fc_sole fc__sole[FC_NCALLS] FC_HIDDEN;
#define FC_NOT_COUNTED ULONG_MAX
extern void *fc__real_vfork FC_HIDDEN;
extern __thread int fc__guard FC_HIDDEN __attribute__((tls_model("initial-exec")));

void *fc__resolve(int id) FC_HIDDEN;
/* wrap_mem.c: blocks handed out while the allocator was being found. */
int fc__in_boot_arena(const void *p) FC_HIDDEN;
void *fc__boot_handoff(void *old, size_t size) FC_HIDDEN;
/* Non-zero while this thread is inside fc__resolve's dlsym. */
extern __thread int fc__resolving FC_HIDDEN __attribute__((tls_model("initial-exec")));
#define FC_REAL(name) (fc__real[FC_ID_##name] ? fc__real[FC_ID_##name] : fc__resolve(FC_ID_##name))

/* engine.c: the decision.  fc__enter counts the call for every rule whose
 * selectors match, fills C and returns 1 when the shim has anything more to
 * do (a rule fired, the call is traced or observed); NR is the syscall(2)
 * number, -1 for a libc call.  A call armed FC_ARMED_COUNT is counted by
 * fc__count_sole (hooks.h) and fc__enter_counted, which return what fired
 * (0: nothing), which fc__enter_decided turns into C.  fc__arm fills
 * rules_for, fc__armed and fc__sole from the plan. */
int fc__enter(struct fc_call *c, int id, long nr, int sig, int fd, void *ra) FC_HIDDEN;
unsigned long fc__enter_counted(int id, long nr, int sig, int fd, void *ra, unsigned long counted) FC_HIDDEN;
int fc__enter_decided(struct fc_call *c, int id, long nr, int sig, int fd, void *ra, unsigned long decided) FC_HIDDEN;
void fc__arm(void) FC_HIDDEN;
int fc__traced(int id) FC_HIDDEN; /* the trace takes this call's lines */
void fc__before_fork(void) FC_HIDDEN;
int fc__forked_with_threads(void) FC_HIDDEN;
void fc__after_fork_child(void) FC_HIDDEN;
void fc__forked_child(struct fc_call *c, int traced) FC_HIDDEN;
uint64_t fc__mix64(uint64_t x) FC_HIDDEN;
/* Just before a call that replaces the process image (the exec family):
 * the shim writes what it has to say of this image (its counts, the last
 * trace line) and its errno is left as it was. */
void fc__before_exec(const char *path, char *const envp[]) FC_HIDDEN;
void fc__note_child(pid_t pid) FC_HIDDEN;
void fc__shares_vm(void) FC_HIDDEN; /* a raw CLONE_VM clone: count atomically from now on */
const struct fc_rule *fc__rule(const struct fc_call *c) FC_HIDDEN;

/* actions.c: pre runs the enter-side actions and returns 1 when the real call
 * must be skipped (its result is then *ret); post runs the exit side, traces,
 * and returns the value to hand back.  inside raises an at=inside signal. */
int fc__pre(struct fc_call *c, long *ret) FC_HIDDEN;
void fc__inside(struct fc_call *c) FC_HIDDEN;
long fc__post(struct fc_call *c, long ret) FC_HIDDEN;
int fc__wants_inside(const struct fc_call *c) FC_HIDDEN;
struct fc_handler_step;
/* oldact=: after a sigaction that succeeded, OLD (the caller's oldact, NULL:
 * none) says what the rule says was there before. */
void fc__oldact_told(const struct fc_call *c, int sig, struct sigaction *old, const struct fc_handler_step *step) FC_HIDDEN;

/* symtab.c: the symbol index; caller.c: caller= with depth. */
void fc__symtab_refresh(void) FC_HIDDEN;
int fc__caller_in_rule(int rule, void *ra) FC_HIDDEN;
int fc__lib_in_rule(int rule, void *ra) FC_HIDDEN;
/* "function", or "object+0xOFFSET" when the function has no symbol. */
const char *fc__symtab_describe(void *ra, char *buf, size_t len) FC_HIDDEN;
/* A return address's caller (as describe names it, into NAME) and site
 * (into SITE): OBJECT+0xOFFSET, the return address less the object's load
 * base, the same in every run whatever ASLR does (caller= selects it
 * exactly).  Returns which of the two it wrote: each is unknown in an
 * object loaded since the index was built, when in a handler (where it is
 * not rebuilt), or when it does not fit its buffer whole. */
enum { FC_PLACE_CALLER = 1, FC_PLACE_SITE = 2 };
unsigned fc__symtab_place(void *ra, char *name, size_t name_len, char *site, size_t site_len) FC_HIDDEN;
int fc__caller_matches(int rule, int depth, void *ra) FC_HIDDEN;
void fc__caller_load(void) FC_HIDDEN;                     /* caller.c: the unwinder, when a rule has depth= */
int fc__symtab_resolved(int rule, int callers) FC_HIDDEN; /* ranges found for caller= (or lib=) */
void fc__symtab_after_fork(int parent_had_threads) FC_HIDDEN;
unsigned long long fc__symtab_unknown_in_handlers(void) FC_HIDDEN;

/* life.c: the process's counters (fc__state.matched, acted: its slot of
 * the stats region, or private ones), notes for the launcher, the start
 * and end of an image. */
extern struct fc_stats *fc__stats FC_HIDDEN;
void fc__life_init(void) FC_HIDDEN;
pid_t fc__current_pid(void) FC_HIDDEN; /* getpid() only when a vfork child or CLONE_VM thread may run */

/* A count: with one thread, a single unlocked instruction is enough (a
 * signal handler cannot split it, where a load/add/store could lose the
 * handler's own count); the locked add costs +20-30 ns, so only with
 * threads: those glibc made (__libc_single_threaded) or a raw clone
 * sharing our memory made (fc__shared_vm, engine.c).  A forked child
 * starts its counts again from zero (as strace does): life.c. */
extern int fc__shared_vm FC_HIDDEN;
static inline int fc__one_thread(void)
{
#if defined(__x86_64__)
	return __libc_single_threaded && !__atomic_load_n(&fc__shared_vm, __ATOMIC_RELAXED);
#else
	return 0; /* the single unlocked instruction below is x86's */
#endif
}

/* The counter of RULE (matched, or acted), after taking this process's
 * slot if it is a fork child that has not counted yet: one flag on the
 * page the counts' pointers are on, so a child that never counts (one
 * that execs or exits at once) touches no page of the stats region (two
 * faults of a few µs each on every fork else). */
enum { FC_SLOT_TAKEN, FC_SLOT_PENDING, FC_SLOT_TAKING };
void fc__take_slot_now(void) FC_HIDDEN;
static inline uint64_t *fc__counter(int acted, int rule)
{
	if (FC_UNLIKELY(__atomic_load_n(&fc__state.slot_pending, __ATOMIC_ACQUIRE) != FC_SLOT_TAKEN))
		fc__take_slot_now();
	return (acted ? __atomic_load_n(&fc__state.acted, __ATOMIC_ACQUIRE)
		      : __atomic_load_n(&fc__state.matched, __ATOMIC_ACQUIRE)) +
		rule;
}

static inline uint64_t fc__count(uint64_t *counter)
{
#if defined(__x86_64__)
	if (fc__one_thread()) {
		uint64_t one = 1;
		__asm__ volatile("xaddq %0, %1" : "+r"(one), "+m"(*counter));
		return one + 1;
	}
#endif
	return __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}
void fc__note(int rule, unsigned note) FC_HIDDEN;
void fc__note_call(int id) FC_HIDDEN;

/* handlers.c: the trampoline around the target's handlers.  One record per
 * install, immutable but for its said-once flags. */
struct fc_disposition {
	void *fn;  /* sa_handler or sa_sigaction, as the target gave it */
	int flags; /* the target's sa_flags */
	/* chained: the real handler it replaced and read (its oldact got a
	 * stub that notes each call), or NULL */
	struct fc_disposition *pred;
	void *site;                 /* where it was installed */
	int errno_said, chain_said; /* each said once */
	/* a query just before the install gave the program the predecessor's
	 * own address, which it may call directly (no stub sees that): a run
	 * of the handler is judged only once the program chains through the
	 * stub (STUB_USED), as it then always should */
	int queried, stub_used;
};
struct fc_handler_step {
	struct fc_disposition *prev; /* the record before this install */
	int published;               /* a new record is out: undo it if the call fails */
	int reads_old;               /* the caller asked for oldact */
	void *site;                  /* where the call was made */
};
extern __thread int fc__in_handler FC_HIDDEN __attribute__((tls_model("initial-exec")));
const struct sigaction *fc__handlers_before(int sig, const struct sigaction *act, struct sigaction *mine,
					    struct fc_handler_step *step) FC_HIDDEN;
void fc__handlers_after(int sig, const struct sigaction *act, int failed, const struct fc_handler_step *step,
			struct sigaction *old) FC_HIDDEN;
void fc__handlers_raw_after(long sig, const void *act, void *old, long ret) FC_HIDDEN;
/* The caller of the install STEP was told of another prior disposition
 * (oldact=): its handler owes the one it replaced no call. */
void fc__handlers_told(int sig, const struct fc_handler_step *step) FC_HIDDEN;
sighandler_t fc__bsd_signal(int sig, sighandler_t handler) FC_HIDDEN;
sighandler_t fc__sysv_signal(int sig, sighandler_t handler) FC_HIDDEN;
void fc__note_siginterrupt(int sig, int flag) FC_HIDDEN;
int fc__is_trampoline(const void *fn) FC_HIDDEN;
/* The last handler the trampoline ran in this thread (eintr's detail). */
struct fc_last_handler {
	int sig;
	const void *fn;
	int restart; /* its SA_RESTART */
};
void fc__last_handler(struct fc_last_handler *h) FC_HIDDEN;

/* oracles.c */
void fc__oracles_parse(const char *list) FC_HIDDEN;
void fc__oracles_start(void) FC_HIDDEN;
void fc__oracles_end(int execs) FC_HIDDEN;
void fc__oracle_fd_made(const struct fc_call *c, int fd) FC_HIDDEN;
void fc__oracle_after(const struct fc_call *c, long ret, int err) FC_HIDDEN;
void fc__handler_lost(int sig, const void *fn, const void *old, void *site) FC_HIDDEN;
void fc__handler_returned(struct fc_disposition *d, int sig, int errno_before, int chain_missed) FC_HIDDEN;

/* seen.c: the hooks' records, for the trace and the observations. */
void fc__seen_fds(struct fc_call *c, int fd0, int fd1) FC_HIDDEN;
void fc__seen_reaped_status(struct fc_call *c, long ret, const int *status) FC_HIDDEN;
void fc__seen_reaped_info(struct fc_call *c, const siginfo_t *info) FC_HIDDEN;
void fc__seen_handler(struct fc_call *c, const void *handler, int flags) FC_HIDDEN;
void fc__observe(const char *line, size_t len) FC_HIDDEN;
/* A child of the process died by signal SIG (for crash), whoever reaped it. */
void fc__observe_signaled(pid_t pid, int sig) FC_HIDDEN;
/* After the real call: the facts the return value itself states (RET_FD,
 * RET_CHILD). */
void fc__seen_result(struct fc_call *c, long ret) FC_HIDDEN;

/* trace.c */
void fc__trace_open(void) FC_HIDDEN;
void fc__trace_exit(const char *how, int status, const uint64_t *matched, const uint64_t *acted) FC_HIDDEN;
void fc__trace_event(const struct fc_call *c, long ret, int err) FC_HIDDEN;
void fc__trace_warning(const char *what, const char *name, const char *why) FC_HIDDEN;
/* trace_fd.c: GUARD and RANGE (facts.h) keep the trace out of the target's
 * way; each begin returns the trace's number (-1: not concerned) for its end. */
int fc__trace_guard_fd(int fd) FC_HIDDEN;
void fc__trace_guard_end(int old) FC_HIDDEN;
int fc__trace_range_begin(unsigned first, unsigned last, int cloexec_only) FC_HIDDEN;
void fc__trace_range_end(int old) FC_HIDDEN;
void fc__trace_after_fork(void) FC_HIDDEN;
void fc__trace_limits_changed(void) FC_HIDDEN; /* RLIMIT_FSIZE may have changed */

#endif

/* The decision engine: which rule, if any, acts on this call.  Runs on every
 * intercepted call, so: no locks, no malloc, no syscalls unless a rule with
 * caller=/lib= needs a lookup, counters atomic only when threads exist. */
#include <limits.h>
#include <sys/single_threaded.h>
#include <unistd.h>
#include "libc.h"
#include "match.h"
#include "shim.h"
#include "stats.h"

struct fc_state fc__state = { .trace_fd = -1 };
void *fc__real[FC_NCALLS];
unsigned char fc__armed[FC_NCALLS];
__thread int fc__guard __attribute__((tls_model("initial-exec")));

/* Set once the process makes a thread glibc does not know of (a raw clone
 * with CLONE_VM): __libc_single_threaded stays 1 for it (fc__count). */
int fc__shared_vm;

void fc__shares_vm(void)
{
	__atomic_store_n(&fc__shared_vm, 1, __ATOMIC_RELAXED);
}

FC_FORK_PATH uint64_t fc__mix64(uint64_t x)
{
	return fc_mix64(x);
}

/* A rule in the candidates that does not name the call itself is there
 * for syscall(2) (syscall:nr=N, or any number without nr=). */
static int nr_listed(const struct fc_rule *rule, long nr)
{
	if (rule->n_nrs == 0)
		return 1;
	for (int i = 0; i < rule->n_nrs; i++)
		if (rule->nrs[i] == nr)
			return 1;
	return 0;
}

static int proc_matches(const struct fc_rule *rule)
{
	if (rule->proc == FC_PROC_ANY)
		return 1;
	/* getpid(), not the cached pid: a vfork child shares our memory */
	int is_root = fc__getpid() == fc__state.root_pid;
	return rule->proc == FC_PROC_PARENT ? is_root : !is_root;
}

/* The rules with a selector besides the calls they name (sig=, fd=,
 * proc=, lib=, caller=): the others match every call they name. */
static fc_ruleset selective;

/* caller= and lib= compare return addresses with the symbol index's
 * ranges; depth= unwinds first.  Neither may change the caller's errno
 * (the fast path never saves it): kept around them here, and only for the
 * rules that have them. */
static int selectors_match(const struct fc_rule *rule, int index, int sig, int fd, void *ra)
{
	if ((rule->sel_sig >= 0 && sig != rule->sel_sig) || (rule->sel_fd >= 0 && fd != rule->sel_fd) || !proc_matches(rule))
		return 0;
	if (!rule->lib[0] && !rule->caller[0])
		return 1;
	int err = errno, hit = 1;
	if (rule->lib[0] && !fc__lib_in_rule(index, ra))
		hit = 0;
	else if (rule->caller[0] && !fc__caller_matches(index, rule->depth, ra))
		hit = 0;
	FC_ERRNO_BACK(err);
	return hit;
}

/* Every rule whose selectors match counts the call; the first of them with
 * an action whose when=/prob= fire wins.  Returns it and its count in one
 * word (n << 6 | rule + 1), 0 when none fired. */
/* The launcher's hints: which calls the program made (once each). */
static void note_seen(int id)
{
	if (fc__stats && !(__atomic_load_n(&fc__stats->calls_seen[id / 64], __ATOMIC_RELAXED) >> (id % 64) & 1))
		fc__note_call(id);
}

_Static_assert(FC_MAX_RULES < 64, "a decision keeps the rule in 6 bits");

static inline __attribute__((always_inline)) unsigned long decide(int id, long nr, int sig, int fd, void *ra,
								  fc_ruleset candidates)
{
	fc_ruleset named = fc__state.rules_for[id];
	unsigned long won = 0;
	while (candidates) {
		int index = __builtin_ctz(candidates);
		candidates &= candidates - 1;
		const struct fc_rule *rule = &fc__state.plan.rules[index];
		if (!(named >> index & 1) && !nr_listed(rule, nr))
			continue;
		if (FC_UNLIKELY(selective >> index & 1) && !selectors_match(rule, index, sig, fd, ra))
			continue;
		unsigned long n = fc__count(fc__counter(0, index));
		if (won || !rule->actions)
			continue;
		if (rule->has_when && !fc_when_fires(rule, n))
			continue;
		if (rule->has_prob && !fc_prob_fires(rule, fc__state.seed, fc__state.lineage, index, n))
			continue;
		won = n << 6 | (unsigned long)(index + 1);
		/* vfork cannot act at exit (its child runs on our caller's stack) */
		if (rule->at == FC_AT_ENTER || !(fc_calls[id].flags & FC_F_ENTER_ONLY))
			fc__count(fc__counter(1, index));
	}
	return won;
}

static fc_ruleset candidates_of(int id, long nr)
{
	fc_ruleset candidates = fc__state.rules_for[id];
	if (nr >= 0) /* syscall:nr=N and sys_NAME without a line of its own */
		candidates |= fc__state.rules_for[FC_ID_syscall];
	return candidates;
}

/* Calls whose results feed an observation (a child's death by a signal,
 * for `crash`) leave the fast path whenever the run has a report. */
static int observed(int id)
{
	unsigned flags = fc_calls[id].flags, on = fc__state.oracles;
	if (!fc__state.report_path[0])
		return 0;
	return (flags & FC_F_REAPS) || ((on & FC_ORC_FDS) && (flags & (FC_F_RET_FD | FC_F_FD_PAIR))) ||
		((on & FC_ORC_EINTR) && (flags & FC_F_BLOCKING)) || ((on & FC_ORC_DOUBLE_CLOSE) && (flags & FC_F_CLOSES)) ||
		((on & (FC_ORC_CHAINED | FC_ORC_ERRNO)) && (flags & FC_F_HANDLER)); /* the install's site */
}

int fc__traced(int id)
{
	/* trace_open, not trace_fd: the descriptor is -1 for the length of a
	 * close_range over it, whose own line is still wanted */
	if (!fc__state.trace_open)
		return 0;
	if (fc__state.trace_filtered)
		return fc__state.trace_calls[id / 64] >> (id % 64) & 1;
	/* %mem calls are many and rarely the story: only when asked */
	return fc_calls[id].cls != FC_CLASS_MEM || fc__state.trace_all_mem || fc__state.rules_for[id];
}

/* The common case, precomputed by fc__arm for hooks.h's fc__count_sole: a
 * call named by one rule only, which has no other selector, and the
 * counts on which that rule may fire at all (outside them it never does:
 * when=, or no action). */
struct fc_sole fc__sole[FC_NCALLS];

/* The sole rule INDEX counted this call as its Nth, which it may fire
 * on: does it?  (decide()'s tail.) */
static unsigned long fires(int index, int id, unsigned long n)
{
	const struct fc_rule *rule = &fc__state.plan.rules[index];
	if ((rule->has_when && !fc_when_fires(rule, n)) ||
	    (rule->has_prob && !fc_prob_fires(rule, fc__state.seed, fc__state.lineage, index, n)))
		return 0;
	if (rule->at == FC_AT_ENTER || !(fc_calls[id].flags & FC_F_ENTER_ONLY))
		fc__count(fc__counter(1, index));
	return n << 6 | (unsigned long)(index + 1);
}

/* The rest of the fast path of a call that only rules name (FC_ARMED_COUNT:
 * not traced, not observed, nothing its hooks must do), when
 * fc__count_sole did not finish it: COUNTED is the count it gave, or
 * FC_NOT_COUNTED.  Returns 0 when no rule fires (errno untouched: the
 * wrapper makes the real call and is done), else what decide() returns,
 * for fc__enter_decided. */
unsigned long fc__enter_counted(int id, long nr, int sig, int fd, void *ra, unsigned long counted)
{
	if (counted != FC_NOT_COUNTED)
		return fires(fc__sole[id].rule, id, counted);
	if (FC_UNLIKELY(fc__guard))
		return 0;
	note_seen(id);
	return decide(id, nr, sig, fd, ra, candidates_of(id, nr));
}

int fc__enter_decided(struct fc_call *c, int id, long nr, int sig, int fd, void *ra, unsigned long decided)
{
	c->id = id;
	c->nr = nr;
	c->sig = sig;
	c->fd = fd;
	c->ra = ra;
	c->rule = (int)(decided & 63) - 1;
	c->n = decided >> 6;
	c->at = c->rule >= 0 ? fc__state.plan.rules[c->rule].at : FC_AT_ENTER;
	c->child_side = 0;
	c->injected = 0;
	c->ret_unknown = 0;
	c->child = 0;
	c->on_trace_fd = 0;
	c->seen = (fc_calls[id].flags & FC_F_REAPS) ? FC_SEEN_WAIT : 0; /* wpid, options: the ARGS step */
	c->saved_errno = errno;
	return 1;
}

int fc__enter(struct fc_call *c, int id, long nr, int sig, int fd, void *ra)
{
	if (FC_LIKELY(!fc__state.active) || fc__guard)
		return 0;
	note_seen(id); /* armed calls only */
	/* a call on the trace's own descriptor (which the target never
	 * opened) is answered EBADF, whatever the rules say (fc__pre) */
	if (FC_UNLIKELY(fd >= 0 && fd == __atomic_load_n(&fc__state.trace_fd, __ATOMIC_RELAXED)) &&
	    !(fc_calls[id].flags & FC_F_RANGE)) {
		fc__enter_decided(c, id, nr, sig, fd, ra, 0);
		c->on_trace_fd = 1;
		return 1;
	}
	fc_ruleset candidates = candidates_of(id, nr);
	int seen = fc__traced(id) || observed(id);
	if (!candidates && !seen)
		return 0;
	unsigned long won = candidates ? decide(id, nr, sig, fd, ra, candidates) : 0;
	/* counted, no rule fired and nobody looks: nothing more to do */
	if (!won && !seen)
		return 0;
	return fc__enter_decided(c, id, nr, sig, fd, ra, won);
}

/* Whether a rule needs the last child's pid (signal=...@child,
 * wait_child=), or the fork lineage (prob=): a fork's parent writes them
 * only then (a page it writes after a fork is a copy-on-write fault). */
static int needs_child, needs_lineage;

/* After the plan is loaded and the trace opened: which rules name each
 * call, and which calls leave the fast path, and how far.  Those that make
 * children always go the whole way while the shim is on: the child must
 * count again from 1, and signal=...@child needs the pid.  Those only
 * rules name stop after counting when no rule fires (fc__enter_counted). */
void fc__arm(void)
{
	const struct fc_plan *plan = &fc__state.plan;
	int on = plan->nrules > 0 || fc__state.trace_fd >= 0 || fc__state.report_path[0];
	for (int r = 0; r < plan->nrules; r++) {
		const struct fc_rule *rule = &plan->rules[r];
		for (int id = 0; id < FC_NCALLS; id++)
			/* a syscall-level rule is the supervisor's: counted and acted
			 * on once, where the syscall is made, not here too */
			if (fc_rule_has_call(rule, id) && !(fc__state.syscall_layer && rule->via == FC_VIA_SYSCALL))
				fc__state.rules_for[id] |= (fc_ruleset)1 << r;
		if (rule->sel_sig >= 0 || rule->sel_fd >= 0 || rule->proc != FC_PROC_ANY || rule->lib[0] || rule->caller[0])
			selective |= (fc_ruleset)1 << r;
	}
	for (int id = 0; id < FC_NCALLS; id++) {
		fc_ruleset named = fc__state.rules_for[id];
		struct fc_sole *sole = &fc__sole[id];
		sole->rule = named && !(named & (named - 1)) && !(named & selective) ? __builtin_ctz(named) : -1;
		if (sole->rule < 0)
			continue;
		const struct fc_rule *rule = &plan->rules[sole->rule];
		sole->first = !rule->actions ? ULONG_MAX : rule->has_when ? rule->when_first : 1;
		sole->last = !rule->actions ? 0 : rule->has_when && rule->when_last ? rule->when_last : ULONG_MAX;
	}
	for (int r = 0; r < plan->nrules; r++) {
		needs_child |= plan->rules[r].sigdest == FC_DEST_CHILD || (plan->rules[r].actions & FC_ACT_WAIT_CHILD);
		needs_lineage |= plan->rules[r].has_prob;
	}
	for (int id = 0; id < FC_NCALLS; id++) {
		unsigned flags = fc_calls[id].flags;
		/* a child's pid is noted for signal=...@child and wait_child=
		 * only; fork() itself has its child reset by the atfork handler
		 * (life.c), not by its wrapper */
		unsigned makes = (flags & FC_F_NOTE_CHILD) && needs_child ? FC_F_NOTE_CHILD : 0;
		if ((flags & FC_F_FORKS) && (!(flags & FC_F_ATFORK) || needs_child))
			makes |= FC_F_FORKS;
		int whole = fc__traced(id) || observed(id) || makes || (flags & FC_F_EXECS) ||
			(fc__state.track_handlers && (flags & FC_F_TRAMPOLINE)) ||
			(fc__state.trace_fd >= 0 && (flags & (FC_F_GUARD | FC_F_RANGE | FC_F_FD_ARG | FC_F_LIMITS)));
		fc__armed[id] = !on               ? FC_ARMED_NO
			: whole                   ? FC_ARMED_FULL
			: fc__state.rules_for[id] ? FC_ARMED_COUNT
						  : FC_ARMED_NO;
	}
	__atomic_store_n(&fc__state.active, on, __ATOMIC_RELEASE);
}

const struct fc_rule *fc__rule(const struct fc_call *c)
{
	return c->rule >= 0 ? &fc__state.plan.rules[c->rule] : NULL;
}

/* Whether the process had threads when it forked (fc__state): its child
 * then must not take the loader's lock (symtab.c). */

FC_FORK_PATH void fc__before_fork(void)
{
	if (needs_lineage)
		__atomic_add_fetch(&fc__state.forks, 1, __ATOMIC_RELAXED);
	int threads = !__libc_single_threaded || __atomic_load_n(&fc__shared_vm, __ATOMIC_RELAXED);
	if (fc__state.fork_with_threads != threads)
		fc__state.fork_with_threads = threads;
}

FC_FORK_PATH int fc__forked_with_threads(void)
{
	return fc__state.fork_with_threads;
}

/* The child's return from a call that made a process: it counts again from
 * 1, and its trace line (when the call is traced) says side=child. */
FC_FORK_PATH void fc__forked_child(struct fc_call *c, int traced)
{
	fc__after_fork_child(); /* raw syscalls: errno untouched */
	if (traced) {
		int err = errno;
		c->child_side = 1;
		c->rule = -1;
		fc__post(c, 0);
		errno = err;
	}
}

FC_FORK_PATH void fc__note_child(pid_t pid)
{
	if (pid > 0 && needs_child)
		fc__state.last_child = pid;
}
